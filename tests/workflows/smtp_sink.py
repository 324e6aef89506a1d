"""A minimal SMTP server on a free loopback port that keeps what it receives: enough of the
protocol for smtplib to deliver to it, so the SMTP adapter is tested over a real socket."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from email.message import Message


class _Session(socketserver.StreamRequestHandler):
    server: _SinkServer

    def handle(self) -> None:
        self._reply("220 sink ready")
        while line := self.rfile.readline():
            command = line.decode().strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self._reply("250 sink")
            elif command == "DATA":
                self._reply("354 end with <CRLF>.<CRLF>")
                self.server.received.append(message_from_bytes(self._read_data()))
                self._reply("250 queued")
            elif command == "QUIT":
                self._reply("221 bye")
                return
            else:  # MAIL FROM, RCPT TO, RSET, NOOP
                self._reply("250 ok")

    def _read_data(self) -> bytes:
        lines = []
        while (line := self.rfile.readline()) not in (b".\r\n", b""):
            lines.append(line[1:] if line.startswith(b"..") else line)
        return b"".join(lines)

    def _reply(self, text: str) -> None:
        self.wfile.write(f"{text}\r\n".encode())


class _SinkServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    received: list[Message]


@contextmanager
def smtp_sink() -> Iterator[tuple[int, list[Message]]]:
    """Yields the port and the list that collects every message delivered."""
    with _SinkServer(("127.0.0.1", 0), _Session) as server:
        server.received = []
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield server.server_address[1], server.received
        finally:
            server.shutdown()
            thread.join()
