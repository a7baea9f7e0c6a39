"""Faster, equivalent replacements for hot spots of Ryu during a simulation.

**Address converters.**

Ryu converts every MAC and IPv4 address it parses or serialises through
``ryu.lib.addrconv`` (``mac``/``ipv4`` objects built on netaddr), which costs
~10 µs a call and dominated packet-in handling in profiles.  While installed,
:class:`FastAddrconv` replaces the ``mac`` and ``ipv4`` attributes of
``ryu.lib.addrconv`` with converters that handle the canonical forms
(``'aa:bb:cc:dd:ee:ff'``, ``'10.0.0.1'``, 6/4-byte binaries) directly and
hand anything else to the original netaddr converter — so results and errors
are the same.  Ryu code reaches them as ``addrconv.mac.bin_to_text(...)``
(module attribute, swapped) or through ``ryu.lib.type_desc.MacAddr`` /
``IPv4Addr`` (OXM field codecs, which bound the methods at import: their
``to_user``/``from_user`` are swapped too).  Restored on exit; installed
files are never touched.

**Topology discovery** (``ryu.topology.switches.Switches``). For every
packet-in that is not LLDP, Ryu's ``_is_edge_port`` compares the port with
both ends of every discovered link (O(links): ~2 ms with the 1,800 links of
Topology Zoo's Kdl), and for every LLDP packet-in ``_get_port`` builds a
whole ``Switch`` with all its ports to find one. :func:`fast_switches`
gives one ``Switches`` *instance* (the one the run created; the class is
not touched) a link table that counts link ends as links come and go, and
lookups by key with the same results.
"""

from __future__ import annotations

import collections
import re
import socket
import types
from typing import Any

__all__ = ["FastMac", "FastIPv4", "FastAddrconv", "fast_switches"]

_MAC_TEXT = re.compile(r"[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}\Z")
_IPV4_TEXT = re.compile(r"(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}"
                        r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\Z")


class FastMac:
    """``addrconv.mac`` for canonical inputs, the original for the rest."""

    def __init__(self, original: Any) -> None:
        self.original = original

    def text_to_bin(self, text: Any) -> bytes:
        if type(text) is str and _MAC_TEXT.match(text):
            return bytes.fromhex(text.replace(":", ""))
        return self.original.text_to_bin(text)

    def bin_to_text(self, data: Any) -> str:
        if type(data) in (bytes, bytearray) and len(data) == 6:
            return bytes(data).hex(":")
        return self.original.bin_to_text(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.original, name)


class FastIPv4:
    """``addrconv.ipv4`` for canonical inputs, the original for the rest."""

    def __init__(self, original: Any) -> None:
        self.original = original

    def text_to_bin(self, text: Any) -> Any:
        if type(text) is str and _IPV4_TEXT.match(text):
            return socket.inet_aton(text)
        return self.original.text_to_bin(text)

    def bin_to_text(self, data: Any) -> str:
        if type(data) in (bytes, bytearray) and len(data) == 4:
            return socket.inet_ntoa(bytes(data))
        return self.original.bin_to_text(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.original, name)


class FastAddrconv:
    """Install/restore the fast converters into ``ryu.lib.addrconv``."""

    def __init__(self) -> None:
        self._saved: dict[str, Any] = {}

    def install(self) -> None:
        """Swap ``addrconv.mac`` and ``addrconv.ipv4``; idempotent."""
        if self._saved:
            return
        from ryu.lib import addrconv, type_desc

        mac, ipv4 = FastMac(addrconv.mac), FastIPv4(addrconv.ipv4)
        self._saved = {"mac": addrconv.mac, "ipv4": addrconv.ipv4,
                       "MacAddr": (type_desc.MacAddr.to_user, type_desc.MacAddr.from_user),
                       "IPv4Addr": (type_desc.IPv4Addr.to_user, type_desc.IPv4Addr.from_user)}
        addrconv.mac, addrconv.ipv4 = mac, ipv4
        type_desc.MacAddr.to_user, type_desc.MacAddr.from_user = mac.bin_to_text, mac.text_to_bin
        type_desc.IPv4Addr.to_user, type_desc.IPv4Addr.from_user = (ipv4.bin_to_text,
                                                                    ipv4.text_to_bin)

    def restore(self) -> None:
        """Put the original converters back; idempotent."""
        if not self._saved:
            return
        from ryu.lib import addrconv, type_desc

        addrconv.mac = self._saved["mac"]
        addrconv.ipv4 = self._saved["ipv4"]
        type_desc.MacAddr.to_user, type_desc.MacAddr.from_user = self._saved["MacAddr"]
        type_desc.IPv4Addr.to_user, type_desc.IPv4Addr.from_user = self._saved["IPv4Addr"]
        self._saved = {}

    def __enter__(self) -> FastAddrconv:
        self.install()
        return self

    def __exit__(self, *exc: object) -> None:
        self.restore()


# -- ryu.topology.switches ---------------------------------------------------------------

def _link_state_class() -> type:
    from ryu.topology import switches

    class CountedLinkState(switches.LinkState):
        """Ryu's ``LinkState`` that also counts, per ``(dpid, port_no)``, the
        links with an end there (``ends``), whatever mutates it."""

        def __init__(self) -> None:
            super().__init__()
            self.ends: collections.Counter[tuple[int, int]] = collections.Counter()

        def _count(self, link: Any, step: int) -> None:
            for port in (link.src, link.dst):
                key = (port.dpid, port.port_no)
                n = self.ends[key] + step
                if n:
                    self.ends[key] = n
                else:
                    del self.ends[key]

        def __setitem__(self, link: Any, value: Any) -> None:
            new = link not in self
            dict.__setitem__(self, link, value)
            if new:
                self._count(link, 1)

        def __delitem__(self, link: Any) -> None:
            dict.__delitem__(self, link)
            self._count(link, -1)

        def pop(self, link: Any, *default: Any) -> Any:
            if link in self:
                value = dict.pop(self, link)
                self._count(link, -1)
                return value
            return dict.pop(self, link, *default)

        def popitem(self) -> tuple[Any, Any]:
            link, value = dict.popitem(self)
            self._count(link, -1)
            return link, value

        def setdefault(self, link: Any, default: Any = None) -> Any:
            if link not in self:
                self[link] = default
            return dict.__getitem__(self, link)

        def update(self, *args: Any, **kwargs: Any) -> None:
            for link, value in dict(*args, **kwargs).items():
                self[link] = value

        def clear(self) -> None:
            dict.clear(self)
            self.ends.clear()

    return CountedLinkState


def _is_edge_port(self: Any, port: Any) -> bool:
    """``Switches._is_edge_port``: no discovered link starts or ends at ``port``."""
    return (port.dpid, port.port_no) not in self.links.ends


def _get_port(self: Any, dpid: int, port_no: int) -> Any:
    """``Switches._get_port``: the non-reserved port ``port_no`` of a registered switch."""
    from ryu.topology.switches import Port

    dp = self.dps.get(dpid)
    if dp is None:
        return None
    ofpport = self.port_state[dpid].get(port_no)
    if ofpport is None:
        return None
    port = Port(dp.id, dp.ofproto, ofpport)
    return None if port.is_reserved() else port


def fast_switches(app: Any) -> bool:
    """Give a fresh ``Switches`` instance the equivalent fast lookups; False if
    it is not one (or has seen links already)."""
    from ryu.topology import switches

    if not isinstance(app, switches.Switches) or len(app.links):
        return False
    app.links = _link_state_class()()
    app._is_edge_port = types.MethodType(_is_edge_port, app)
    app._get_port = types.MethodType(_get_port, app)
    return True
