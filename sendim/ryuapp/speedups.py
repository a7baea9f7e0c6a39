"""Faster, equivalent address converters for Ryu during a simulation.

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
"""

from __future__ import annotations

import re
import socket
from typing import Any

__all__ = ["FastMac", "FastIPv4", "FastAddrconv"]

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
