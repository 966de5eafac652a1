"""Count the round trips between the engine and PostgreSQL, on the wire.

``RoundTripCounter`` is a loopback TCP relay in front of the PostgreSQL server: an engine
opened on ``counter.url`` talks to the real server through it, and the relay reads the
protocol messages the client sends. In PostgreSQL's protocol a client waits for the server at
a ``Sync`` (the end of one or more extended-query statements, a whole psycopg pipeline) or a
simple ``Query``: the server answers each with ReadyForQuery. So the round trips are the
number of those two messages. Counting on the wire, not calls in Python, sees everything a
driver does on its own -- the pool's pre-ping, an implicit ``BEGIN``, ``COMMIT``, savepoints
-- and a batch of statements sent in one pipeline counts once, as the network sees it.

The relay's URL disables TLS and GSS encryption (``sslmode=disable``), so the messages can be
read; everything else goes to the server unchanged.

A plain module (not conftest.py) so that tests in any folder import it by one name.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from sqlalchemy.engine import make_url


class RoundTripCounter:
    """A relay on 127.0.0.1 to the server of ``target_url``; ``url`` is ``target_url`` through it."""

    def __init__(self, target_url: str) -> None:
        target = make_url(target_url)
        self._upstream = (target.host or "127.0.0.1", target.port or 5432)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = target.set(
            host="127.0.0.1",
            port=self._listener.getsockname()[1],
            query={**target.query, "sslmode": "disable", "gssencmode": "disable"},
        ).render_as_string(hide_password=False)
        self._lock = threading.Lock()
        self._count = 0
        self._sockets: list[socket.socket] = []
        self._closed = False
        threading.Thread(target=self._accept, daemon=True, name="roundtrip-accept").start()

    @property
    def count(self) -> int:
        with self._lock:
            return self._count

    def reset(self) -> None:
        with self._lock:
            self._count = 0

    @contextmanager
    def counting(self) -> Iterator[list[int]]:
        """``with counter.counting() as trips:`` -- ``trips[0]`` is the round trips made inside."""
        trips = [0]
        self.reset()
        yield trips
        trips[0] = self.count

    def close(self) -> None:
        self._closed = True
        self._listener.close()
        for sock in list(self._sockets):
            with suppress(OSError):
                sock.close()

    # --- relaying ---------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self._upstream)
            for sock in (client, server):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._sockets += [client, server]
            threading.Thread(target=self._pump_client, args=(client, server), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client), daemon=True).start()

    def _pump_client(self, source: socket.socket, sink: socket.socket) -> None:
        """Relay the client's bytes, counting its Sync ('S') and Query ('Q') messages. The
        first message (the startup packet) has no type byte: a length, then its body."""
        buffer = b""
        typed = False
        try:
            while data := source.recv(65536):
                buffer += data
                while True:
                    header = 5 if typed else 4
                    if len(buffer) < header:
                        break
                    length = int.from_bytes(buffer[header - 4 : header], "big")
                    if len(buffer) < header - 4 + length:
                        break
                    if typed and buffer[:1] in (b"S", b"Q"):
                        with self._lock:
                            self._count += 1
                    buffer = buffer[header - 4 + length :]
                    typed = True
                sink.sendall(data)
        except OSError:
            pass
        finally:
            self._shut(source, sink)

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            self._shut(source, sink)

    @staticmethod
    def _shut(*sockets: socket.socket) -> None:
        for sock in sockets:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
