"""The fast address converters are equivalent to Ryu's netaddr-based ones."""

from __future__ import annotations

import random

import pytest

pytestmark = pytest.mark.ryu

from sendim.ryuapp.compat import import_ryu  # noqa: E402

import_ryu()

from ryu.lib import addrconv, type_desc  # noqa: E402

from sendim.ryuapp.speedups import FastAddrconv  # noqa: E402


def _outcome(fn, arg):
    try:
        return fn(arg)
    except Exception as exc:  # noqa: BLE001
        return type(exc)


def test_same_results_and_errors_and_restore() -> None:
    orig_mac, orig_ip = addrconv.mac, addrconv.ipv4
    orig_codec = type_desc.MacAddr.to_user
    rng = random.Random(4)
    with FastAddrconv():
        assert addrconv.mac is not orig_mac and type_desc.MacAddr.to_user != orig_codec
        for _ in range(2000):
            mac = bytes(rng.randrange(256) for _ in range(6))
            text = orig_mac.bin_to_text(mac)
            assert addrconv.mac.bin_to_text(mac) == text
            assert type_desc.MacAddr.to_user(mac) == text
            assert addrconv.mac.text_to_bin(text) == mac
            assert addrconv.mac.text_to_bin(text.upper()) == mac
            ip = bytes(rng.randrange(256) for _ in range(4))
            dotted = orig_ip.bin_to_text(ip)
            assert addrconv.ipv4.bin_to_text(ip) == dotted
            assert type_desc.IPv4Addr.from_user(dotted) == ip
        for odd in ["01.2.3.4", "1.2.3", "10.0.0.0/24", "256.1.1.1", " 1.2.3.4", "", 5]:
            assert _outcome(addrconv.ipv4.text_to_bin, odd) == _outcome(orig_ip.text_to_bin, odd)
        for odd in ["00-00-00-00-00-01", "0000.0000.0001", "zz:00:00:00:00:00", "", b"12"]:
            assert _outcome(addrconv.mac.text_to_bin, odd) == _outcome(orig_mac.text_to_bin, odd)
    assert addrconv.mac is orig_mac and addrconv.ipv4 is orig_ip
    assert type_desc.MacAddr.to_user == orig_codec
