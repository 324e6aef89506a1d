"""Where webhooks may be sent: only to the public internet, over https, so that a
subscription cannot make the service call its own network (server-side request forgery).

A subscription's URL is checked when it is made (https, no user:password, no private
address written literally), and the address its host resolves to is checked again at every
attempt, which is then sent to that very address: a name that resolves, or comes to
resolve, to an internal address is refused however it was subscribed.
`SCORE_WEBHOOKS_ALLOW_PRIVATE` lifts both checks, for a local receiver in development.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from domain.errors import InvalidInput

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud metadata services answer on link-local addresses (refused as such) and, on some
# clouds, on these: refused by name too, whatever the resolver says.
METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata", "instance-data"})


class DestinationRefused(Exception):
    """The subscriber's host is, or resolves to, an address webhooks may not reach."""


class HostNotFound(Exception):
    """The subscriber's host does not resolve now (a failed attempt, tried again later)."""


def check_subscription_url(url: str, allow_private: bool) -> None:
    """Refuse a URL no delivery could be sent to (InvalidInput: the caller answers 422). Each
    refusal has its code and parameters, so the pages say it in the reader's language."""
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None:
        raise InvalidInput(
            "A webhook URL may not hold a user name or password: "
            "deliveries are signed, verify their webhook-signature instead.",
            code="webhook_url_with_credentials",
        )
    if allow_private:
        return
    if parts.scheme != "https":
        raise InvalidInput("A webhook URL must start with https://.", code="webhook_url_not_https")
    literal = _literal_address(parts.hostname or "")
    if literal is not None and (kind := kind_of(literal)) is not None:
        raise InvalidInput(
            f"A webhook URL must reach a public address: {literal} is a {kind} address.",
            code="webhook_url_not_public",
            params={"address": str(literal), "kind": kind},
        )
    if literal is None and (refusal := _metadata_refusal(parts.hostname)) is not None:
        raise InvalidInput(
            f"A webhook URL must reach a public address: {refusal}.",
            code="webhook_url_metadata_host",
            params={"host": parts.hostname or ""},
        )


def public_address(host: str, port: int) -> str:
    """The address to send to: the first the host resolves to, once every one is public."""
    if (refusal := _metadata_refusal(host)) is not None:
        raise DestinationRefused(refusal)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as failure:
        raise HostNotFound(f"{host} does not resolve ({failure})") from None
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found]
    for address in addresses:
        if (refusal := refusal_of(address)) is not None:
            raise DestinationRefused(f"{host} resolves to {refusal}")
    return str(addresses[0])


def refusal_of(address: Address) -> str | None:
    """Why webhooks may not reach this address, or None for a public one."""
    kind = kind_of(address)
    return None if kind is None else f"{address} is a {kind} address"


def kind_of(address: Address) -> str | None:
    """The kind of address webhooks may not reach that this one is, or None for a public
    one: loopback, link-local, multicast, reserved or private."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return kind_of(address.ipv4_mapped)
    kinds = (
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),  # 169.254.169.254: cloud metadata
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved or address.is_unspecified),
        ("private", address.is_private or not address.is_global),
    )
    for kind, matches in kinds:
        if matches:
            return kind
    return None


def _literal_address(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _metadata_refusal(host: str | None) -> str | None:
    if host is not None and host.rstrip(".").lower() in METADATA_HOSTS:
        return f"{host} is a cloud metadata service"
    return None
