"""Provides the hand-written chunked transfer encoding of streamed responses (watches, followed logs).

Written by hand rather than left to a framework so that fault injection controls every byte: a chunk can be
announced and left unfinished, a stream can stop without its terminator, an event can be split into tiny
chunks. Never decides *what* to send; callers and fault actions do.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import Any, BinaryIO


class StreamEnd(Exception):
    """Raised to end a streamed body cleanly (terminating zero-length chunk)."""


class StreamAbort(Exception):
    """Raised to cut the connection without the terminator (the client sees a broken stream)."""


@dataclass
class ChunkedWriter:
    """Writes HTTP/1.1 chunks to a connection; every write goes straight to the socket (no buffering)."""

    wfile: BinaryIO
    sock: socket.socket
    request: Any = None  # the request log record this stream answers
    api: Any = None  # the KubeAPI serving it (fault actions read its state)
    bytes_sent: int = field(default=0)

    def chunk(self, data: bytes) -> None:
        """One complete chunk; empty data is skipped (an empty chunk would end the body)."""
        if data:
            self._write(b"%X\r\n" % len(data) + data + b"\r\n")

    def partial(self, data: bytes, declared: int) -> None:
        """Announce a chunk of `declared` bytes but send only `data` (a cut mid-chunk follows)."""
        self._write(b"%X\r\n" % declared + data)

    def raw(self, data: bytes) -> None:
        """Bytes outside the chunk framing (to corrupt the framing itself)."""
        self._write(data)

    def terminate(self) -> None:
        """The zero-length chunk that ends the body; the connection stays usable (keep-alive)."""
        self._write(b"0\r\n\r\n")

    def abort(self) -> None:
        """Shut the socket down in both directions without finishing the body."""
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _write(self, data: bytes) -> None:
        self.wfile.write(data)
        self.wfile.flush()
        self.bytes_sent += len(data)
