#!/usr/bin/env bash
# Install sendim with its test dependencies into .venv, install and check the
# real components the tests drive (Ryu, ZooKeeper, Mininet + Open vSwitch),
# then run the whole suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
bash scripts/components.sh ryu zookeeper mininet
exec .venv/bin/python -m pytest "$@"
