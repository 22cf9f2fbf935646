"""Who is the client: the peer address, or X-Forwarded-For when the peer is a trusted proxy.

`X-Forwarded-For` is written by every proxy on the way, each appending the address it saw; only
the entries added by our own proxies can be believed. So the header is read only when the
direct peer is in TRUSTED_PROXIES, from the right, skipping our proxies: the first address
that is not ours is the client (the original keyed limits on the raw header).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from starlette.types import Scope

UNKNOWN = "unknown"
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=16)
def parse_networks(cidrs: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(c.strip(), strict=False) for c in cidrs if c.strip())


def _parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.5:1234"
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address: str, networks: Iterable[IPNetwork]) -> bool:
    ip = _parse_ip(address)
    return ip is not None and any(ip in network for network in networks)


def client_ip(scope: Scope, trusted_proxies: Iterable[str]) -> str:
    """The client's address for rate limits and session records."""
    client = scope.get("client")
    peer = client[0] if client else UNKNOWN
    networks = parse_networks(tuple(trusted_proxies))
    if not networks or not _trusted(peer, networks):
        return peer
    forwarded: list[str] = []
    for name, value in scope.get("headers", []):
        if name == b"x-forwarded-for":
            forwarded.extend(part.strip() for part in value.decode("latin-1").split(","))
    for address in reversed([a for a in forwarded if a]):
        if not _trusted(address, networks):
            ip = _parse_ip(address)
            return str(ip) if ip is not None else UNKNOWN
    # Every hop was one of ours (or there was no header): the left-most is the best we know.
    return forwarded[0] if forwarded else peer
