"""Where webhooks may be sent: http or https URLs without credentials, to public addresses only,
unless the operator allows a host name or a network (`VETTING_WEBHOOK_ALLOWED_HOSTS`).

The address is checked when a subscription is made or changed, and again right before every
delivery, against what the host resolves to then (DNS may point elsewhere by now); the worker
connects to an address it has just checked, never to a second lookup. A host is refused when
any of its addresses is refused. Numeric host forms (`2130706433`, `0x7f000001`, `0177.1`) are
read as the IPv4 addresses they stand for, as browsers and resolvers read them."""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import httpx

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_IPV4_PART = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$", re.IGNORECASE)

NOT_PUBLIC = "resolves to a non-public address (loopback, private, link-local or reserved)"


class TargetRefused(Exception):
    """A URL webhooks are never sent to; `reason` is one of this module's fixed texts."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Unresolvable(TargetRefused):
    """The host name did not resolve (now): nothing to connect to, nothing known to refuse."""


@dataclass(frozen=True)
class AllowList:
    """Hosts (by name) and networks that may be targeted although not public."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> AllowList:
        hosts: set[str] = set()
        networks: list[Network] = []
        for entry in entries:
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                hosts.add(_normal_name(entry))
        return cls(frozenset(hosts), tuple(networks))

    def allows(self, address: Address) -> bool:
        return any(address in network for network in self.networks)


@dataclass(frozen=True)
class Destination:
    """A checked URL and the addresses (in the resolver's order) it may be connected to."""

    url: httpx.URL
    addresses: tuple[Address, ...]

    def via(self, address: Address) -> httpx.URL:
        """The URL with its host replaced by one checked address (sent with the original
        `Host` header and TLS server name, so virtual hosts and certificates still match)."""
        return self.url.copy_with(host=str(address))

    @property
    def host_header(self) -> str:
        return self.url.netloc.decode("ascii")

    @property
    def server_name(self) -> str:
        return self.url.raw_host.decode("ascii")


def is_public(address: Address) -> bool:
    """Globally routable unicast; IPv6 forms embedding an IPv4 address are judged by it."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public(embedded)
    return address.is_global and not (address.is_multicast or address.is_reserved)


def parse(url: str) -> httpx.URL:
    """The URL, when its form may be sent to: http(s), a host, no `user:password@`."""
    if "@" in urlsplit(url).netloc:
        raise TargetRefused("must not carry credentials (user:password@)")
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        raise TargetRefused("is not a valid URL") from None
    if parsed.scheme not in ("http", "https"):
        raise TargetRefused("must be an http or https URL")
    if not parsed.raw_host:
        raise TargetRefused("has no host")
    return parsed


def literal_address(host: str) -> Address | None:
    """The address a host spells out (IPv6, dotted or numeric IPv4), or None for a name."""
    if ":" in host:
        try:
            return ipaddress.IPv6Address(unquote(host).strip("[]"))
        except ValueError:
            raise TargetRefused("has an invalid IPv6 address") from None
    parts = host.split(".")
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()
    if not _IPV4_PART.match(parts[-1]):
        return None  # a name: its last label is not a number
    numbers = [_ipv4_number(p) for p in parts]
    if len(parts) > 4 or None in numbers:
        raise TargetRefused("has an invalid IPv4 address")
    *high, low = [n for n in numbers if n is not None]
    if any(n > 255 for n in high) or low >= 256 ** (4 - len(high)):
        raise TargetRefused("has an invalid IPv4 address")
    return ipaddress.IPv4Address(sum(n << (8 * (3 - i)) for i, n in enumerate(high)) + low)


def _ipv4_number(part: str) -> int | None:
    if part[:2].lower() == "0x":
        digits, base, allowed = part[2:], 16, "0123456789abcdefABCDEF"
    elif len(part) > 1 and part.startswith("0"):
        digits, base, allowed = part[1:], 8, "01234567"
    else:
        digits, base, allowed = part, 10, "0123456789"
    if not all(c in allowed for c in digits):
        return None
    return int(digits, base) if digits else 0


def _normal_name(host: str) -> str:
    return host.strip().lower().rstrip(".")


async def _resolve(host: str, port: int, lookup_seconds: float) -> tuple[Address, ...]:
    loop = asyncio.get_running_loop()
    try:
        found = await asyncio.wait_for(
            loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), lookup_seconds
        )
    except (OSError, TimeoutError, UnicodeError):
        raise Unresolvable("host does not resolve") from None
    addresses = tuple(dict.fromkeys(ipaddress.ip_address(f[4][0]) for f in found))
    if not addresses:
        raise Unresolvable("host does not resolve")
    return addresses


async def check(url: str, allowed: AllowList, lookup_seconds: float) -> Destination:
    """The destination of `url` with every address it resolves to now checked; raises
    TargetRefused (with a fixed reason) or Unresolvable."""
    parsed = parse(url)
    host = parsed.raw_host.decode("ascii")
    literal = literal_address(host)
    if literal is not None:
        addresses: tuple[Address, ...] = (literal,)
    else:
        addresses = await _resolve(host, parsed.port or _default_port(parsed), lookup_seconds)
    if _normal_name(host) not in allowed.hosts:
        for address in addresses:
            if not (is_public(address) or allowed.allows(address)):
                raise TargetRefused(NOT_PUBLIC)
    return Destination(parsed, addresses)


def _default_port(url: httpx.URL) -> int:
    return 443 if url.scheme == "https" else 80
