"""The SSRF guard: a webhook URL is given by a tenant, so before the engine connects to it
(when the endpoint is created AND before every delivery, as DNS answers change), every address
its host resolves to must be a public one, unless the settings allow it.

Delivery then connects to one of the addresses checked here, never to a fresh resolution of
the name, so a DNS answer that changes between check and connect (rebinding) cannot slip by.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from voucher_engine.delivery.errors import UnsafeWebhookUrl
from voucher_engine.delivery.settings import DeliverySettings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]

MAX_URL_LENGTH = 2048


@dataclass(frozen=True, slots=True)
class Target:
    """A checked URL: where to connect, and what to say the host is (Host header, TLS SNI)."""

    scheme: str
    host: str
    port: int
    path: str  # path and query, as sent in the request line
    addresses: tuple[str, ...]


def system_resolver(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise UnsafeWebhookUrl(f"the host {host!r} does not resolve: {error}") from error
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def parse_url(url: str) -> tuple[str, str, int, str]:
    """Scheme, host, port and request path of a webhook URL, or ``UnsafeWebhookUrl``."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH:
        raise UnsafeWebhookUrl(f"a webhook URL is 1 to {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise UnsafeWebhookUrl(f"not a valid URL: {error}") from error
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UnsafeWebhookUrl(f"a webhook URL is http or https, not {scheme or 'schemeless'!r}")
    if not parts.hostname:
        raise UnsafeWebhookUrl("a webhook URL names a host")
    if parts.username is not None or parts.password is not None:
        # Credentials in a URL end up in logs and error messages; the signature authenticates.
        raise UnsafeWebhookUrl("a webhook URL carries no user name or password")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return scheme, parts.hostname, port or (443 if scheme == "https" else 80), path


def refusal(address: IPAddress) -> str | None:
    """Why the guard refuses ``address``, or ``None`` for a public address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return refusal(address.ipv4_mapped)
    # Most specific first: Python counts loopback, link-local and 0.0.0.0 as "private" too.
    for reason in ("loopback", "link_local", "unspecified", "multicast", "reserved", "private"):
        if getattr(address, f"is_{reason}"):
            return reason.replace("_", "-")
    if not address.is_global:
        return "not global"
    return None


def _allowed_networks(settings: DeliverySettings) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(n, strict=False) for n in settings.allowed_networks]


def check_address(address: str, settings: DeliverySettings) -> None:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone index
    if settings.allow_private_addresses:
        return
    reason = refusal(ip)
    if reason is None or any(ip in network for network in _allowed_networks(settings)):
        return
    raise UnsafeWebhookUrl(f"webhook URLs may not point at {reason} addresses ({ip})", address=str(ip))


def check_url(url: str, settings: DeliverySettings, resolve: Resolver = system_resolver) -> Target:
    """Parse ``url`` and resolve its host; refuse it unless every address passes the guard."""
    scheme, host, port, path = parse_url(url)
    addresses = resolve(host, port)
    if not addresses:
        raise UnsafeWebhookUrl(f"the host {host!r} does not resolve")
    for address in addresses:
        check_address(address, settings)
    return Target(scheme, host, port, path, tuple(addresses))
