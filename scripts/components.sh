#!/usr/bin/env bash
# Install real third-party components sendim drives: components.sh <name>...
#
#   ryu        Ryu 4.34 (+ eventlet 0.33.3, dnspython>=2) into the project's venv.
#   zookeeper  Debian's ZooKeeper 3.8 server (apt) + kazoo into the venv; the
#              tests start it themselves (tests/store/conftest.py), no systemd.
#   mininet    Mininet 2.3 + Open vSwitch 3.1 + iperf3, ping, ethtool (apt, root);
#              OVS is started later by the emulation deployer (ovs-ctl), not here.
#
# PYTHON selects the interpreter (default: .venv/bin/python, created by
# scripts/setup.sh if missing; PYTHON=python3 installs into the global one).
# Every component is idempotent: it is skipped when already importable.
# Recipes are the measured ones in ../shared/notes/components.md.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf 'components: %s\n' "$*" >&2; }

python_bin() {
    if [ -n "${PYTHON:-}" ]; then
        printf '%s\n' "$PYTHON"
        return
    fi
    if [ ! -x .venv/bin/python ]; then
        bash scripts/setup.sh >&2
    fi
    printf '%s\n' ".venv/bin/python"
}

pip_install() {
    "$PY" -m pip install --quiet --disable-pip-version-check "$@"
}

# Ryu 4.34 does not build on current setuptools (get_script_args): build it
# without isolation against setuptools<70. Ryu's wsgi module then needs
# eventlet.wsgi.ALREADY_HANDLED, which eventlet>=0.30.3 removed: sendim sets
# it at run time (sendim.ryuapp.compat), installed files are never edited.
component_ryu() {
    if "$PY" -c 'import ryu, ryu.ofproto.ofproto_v1_3_parser' >/dev/null 2>&1; then
        log "ryu already installed ($("$PY" -c 'import ryu; print(ryu.version)'))"
        return 0
    fi
    log "installing ryu 4.34 into $("$PY" -c 'import sys; print(sys.prefix)')"
    pip_install 'setuptools<70' wheel
    pip_install --no-build-isolation ryu==4.34 eventlet==0.33.3 'dnspython>=2'
    "$PY" -c 'import ryu; print("components: ryu", ryu.version, "installed")' >&2
}

# ZooKeeper from Debian (Java 17 is a dependency of the package). Nothing is
# started here: the test fixtures run ZooKeeperServerMain on a free loopback
# port in a temporary directory and stop it by PID.
component_zookeeper() {
    if [ -f /usr/share/java/zookeeper.jar ] && command -v java >/dev/null 2>&1; then
        log "zookeeper already installed ($(dpkg-query -W -f='${Version}' zookeeper 2>/dev/null || echo '?'))"
    else
        log "installing zookeeper (apt)"
        # Another apt run (e.g. the mininet component) may hold the dpkg lock: wait for it.
        local apt=(env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -q)
        if ! "${apt[@]}" install -y --no-install-recommends zookeeper >/dev/null; then
            "${apt[@]}" update >/dev/null
            "${apt[@]}" install -y --no-install-recommends zookeeper >/dev/null
        fi
        [ -f /usr/share/java/zookeeper.jar ] || { log "zookeeper.jar missing after install"; exit 1; }
        log "zookeeper $(dpkg-query -W -f='${Version}' zookeeper) installed"
    fi
    if "$PY" -c 'import kazoo' >/dev/null 2>&1; then
        log "kazoo already installed ($("$PY" -c 'import kazoo.version as v; print(v.__version__)'))"
    else
        pip_install 'kazoo>=2.9'
        log "kazoo $("$PY" -c 'import kazoo.version as v; print(v.__version__)') installed"
    fi
}

# Mininet and Open vSwitch from Debian (needs root). Mininet imports only
# under /usr/bin/python3 (dist-packages); generated scripts run there. Only
# the OVS userspace datapath works on kernels without the openvswitch module;
# the deployer starts ovsdb-server/ovs-vswitchd with ovs-ctl when needed.
component_mininet() {
    local pkgs=(mininet openvswitch-switch openvswitch-testcontroller iperf iperf3
                bridge-utils iputils-ping net-tools ethtool iproute2)
    if command -v mn >/dev/null 2>&1 && command -v ovs-vsctl >/dev/null 2>&1 \
        && command -v iperf3 >/dev/null 2>&1 && command -v ping >/dev/null 2>&1 \
        && command -v ethtool >/dev/null 2>&1 \
        && /usr/bin/python3 -c 'import mininet.net' >/dev/null 2>&1; then
        log "mininet already installed ($(dpkg-query -W -f='${Version}' mininet 2>/dev/null || echo '?'))"
        return 0
    fi
    if [ "$(id -u)" -ne 0 ]; then
        log "mininet needs root to install (apt-get): run as root"
        exit 1
    fi
    log "installing mininet, openvswitch, iperf3, ping, ethtool (apt)"
    local apt=(env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -q)
    "${apt[@]}" update >/dev/null
    "${apt[@]}" install -y --no-install-recommends "${pkgs[@]}" >/dev/null
    /usr/bin/python3 -c 'import mininet.net' || { log "mininet does not import under /usr/bin/python3"; exit 1; }
    log "mininet $(dpkg-query -W -f='${Version}' mininet), openvswitch $(dpkg-query -W -f='${Version}' openvswitch-switch) installed"
}

usage() {
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2
}

main() {
    if [ "$#" -eq 0 ]; then
        usage
        exit 2
    fi
    PY="$(python_bin)"
    for name in "$@"; do
        case "$name" in
            ryu) component_ryu ;;
            zookeeper) component_zookeeper ;;
            mininet) component_mininet ;;
            -h|--help) usage ;;
            *) log "unknown component: $name"; usage; exit 2 ;;
        esac
    done
}

main "$@"
