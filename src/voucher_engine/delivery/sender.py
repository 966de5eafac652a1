"""One HTTP POST to a checked target, with the standard library's http.client.

It connects to an address the SSRF guard has already approved (not to a new resolution of the
host name) while the Host header and TLS (SNI and certificate check) still use the host name.
Redirects are not followed: a 3xx is a failed attempt, as a redirect could lead anywhere.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from dataclasses import dataclass

from voucher_engine.delivery.urls import Target

EXCERPT_BYTES = 1024


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    excerpt: str


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self._tls)
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


def post(target: Target, body: bytes, headers: dict[str, str], timeout: float) -> Response:
    """POST ``body``; raises ``OSError`` (refused, timed out, TLS ...) when no answer came."""
    last_error: OSError | None = None
    for address in target.addresses:
        kind = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
        conn = kind(target.host, target.port, address, timeout)
        try:
            conn.request("POST", target.path, body=body, headers=headers)
            response = conn.getresponse()
            excerpt = response.read(EXCERPT_BYTES).decode("utf-8", "replace")
            return Response(response.status, excerpt)
        except ConnectionRefusedError as error:
            last_error = error  # this address is down; the host may have another
        except (OSError, http.client.HTTPException) as error:
            raise OSError(f"{type(error).__name__}: {error}") from error
        finally:
            conn.close()
    raise OSError(f"ConnectionRefusedError: {last_error}")
