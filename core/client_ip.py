"""The client's address of a request, behind at most the reverse proxies the settings trust.

django-axes (login lockout) and the activation limit both key on it. A proxy in front (nginx) appends
the address it was connected from to X-Forwarded-For, so the header's right-most entries are the ones
the trusted proxies wrote, and anything to their left is whatever the client sent. The header is read
only when the connection itself comes from a trusted proxy address (``AXES_IPWARE_PROXY_TRUSTED_IPS``);
a client that reaches the application directly, or sends its own X-Forwarded-For through the proxy,
is known by the address it connected from, so nobody can pass for another address (and lock its
accounts) by writing a header. django-ipware parses the header (ports, IPv6 brackets, junk entries)
and picks the hop.
"""

import ipaddress
from functools import lru_cache
from types import SimpleNamespace

from django.conf import settings
from ipware.ip import get_client_ip


@lru_cache(maxsize=8)
def _networks(trusted: tuple) -> tuple:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in trusted if entry.strip())


def _trusted(peer: str) -> bool:
    networks = _networks(tuple(settings.AXES_IPWARE_PROXY_TRUSTED_IPS or ()))
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    return any(address.version == network.version and address in network for network in networks)


def client_ip(request) -> str | None:
    """The address to count and lock: the peer, or the client a trusted proxy forwarded for."""
    peer = request.META.get("REMOTE_ADDR") or ""
    proxies = settings.AXES_IPWARE_PROXY_COUNT or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not proxies or not forwarded or not _trusted(peer):
        return peer or None
    # The chain as the proxies saw it: the header the last proxy sent, then the last proxy itself.
    meta = {"HTTP_X_FORWARDED_FOR": f"{forwarded}, {peer}"}
    address, _routable = get_client_ip(
        SimpleNamespace(META=meta),
        proxy_order="left-most",
        proxy_count=proxies,
        request_header_order=("HTTP_X_FORWARDED_FOR",),
        strict=False,
    )
    return address or peer
