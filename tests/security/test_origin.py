"""#12 item 8: the audit trail records where a request really came from. X-Forwarded-For is
believed only from a configured proxy; what a client writes there itself is not."""

from __future__ import annotations

import ipaddress
import types

import pytest

from ui import auth

PROXIES = [ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("192.0.2.7/32")]


@pytest.mark.parametrize(
    ("peer", "forwarded", "recorded"),
    [
        ("203.0.113.9", "1.2.3.4", "203.0.113.9"),  # a client forging the header
        (None, "1.2.3.4", "127.0.0.1"),  # this machine, forging it
        ("192.0.2.7", "198.51.100.20", "198.51.100.20 via 192.0.2.7"),
        # A forged entry the client sent, then the address the proxy saw: the proxy's wins.
        ("192.0.2.7", "1.2.3.4, 198.51.100.20", "198.51.100.20 via 192.0.2.7"),
        ("10.1.1.1", "1.2.3.4, 198.51.100.20, 10.2.2.2", "198.51.100.20 via 10.1.1.1"),
        ("192.0.2.7", "", "192.0.2.7"),
        ("192.0.2.7", "not-an-address", "192.0.2.7"),
    ],
)
def test_client_address(peer, forwarded, recorded):
    assert auth.client_address(peer, forwarded, PROXIES) == recorded


def test_no_proxy_is_trusted_unless_configured(monkeypatch):
    monkeypatch.delenv("SUNSHINE_TRUSTED_PROXIES", raising=False)
    assert auth.trusted_proxies() == []
    assert auth.client_address("10.1.1.1", "1.2.3.4", auth.trusted_proxies()) == "10.1.1.1"
    monkeypatch.setenv("SUNSHINE_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7")
    assert auth.trusted_proxies() == PROXIES


def test_a_forged_header_does_not_reach_the_audit_trail(monkeypatch):
    monkeypatch.delenv("SUNSHINE_TRUSTED_PROXIES", raising=False)
    context = types.SimpleNamespace(
        headers={"X-Forwarded-For": "6.6.6.6", "User-Agent": "Mozilla/5.0"},
        ip_address="203.0.113.9",
    )
    monkeypatch.setattr(auth.st, "context", context)
    assert auth.origin() == "203.0.113.9 Mozilla/5.0"
