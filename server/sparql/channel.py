"""One end of the Unix socket pair between a server worker and one of its query processes.

A message is a 4-byte length and a pickle, written with one ``sendall`` and usually read with
one ``recv``. Waiting for a message first polls the socket for a short while, giving the CPU
away between polls, and only then sleeps in ``poll(2)``: a query process usually answers in
well under a millisecond, and on a virtual machine the wake-up after a sleep costs as much as
a small query. A deadline, when given, bounds the whole wait (:class:`TimeoutError`).
"""

from __future__ import annotations

import math
import os
import pickle
import select
import socket
import struct
import time
from typing import Any

_LENGTH = struct.Struct("!I")
_CHUNK = 1 << 16


class Channel:
    def __init__(self, sock: socket.socket, *, spin: float = 0.0) -> None:
        self.sock = sock
        self.spin = spin
        self._poller = select.poll()
        self._poller.register(sock, select.POLLIN)

    def send(self, message: Any) -> None:
        payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        self.sock.sendall(_LENGTH.pack(len(payload)) + payload)

    def receive(self, deadline: float | None = None) -> Any:
        """The next message. ``deadline`` is a ``time.monotonic()`` instant; EOFError when
        the other end has gone."""
        data = self._recv(deadline)
        while len(data) < _LENGTH.size:
            data += self._recv(deadline)
        (size,) = _LENGTH.unpack_from(data)
        end = _LENGTH.size + size
        if len(data) >= end:
            return pickle.loads(memoryview(data)[_LENGTH.size : end])
        buffer = bytearray(data[_LENGTH.size :])
        while len(buffer) < size:
            buffer += self._recv(deadline, size - len(buffer))
        return pickle.loads(buffer)

    def wait(self, deadline: float) -> None:
        """Return once a message has started to arrive, or raise :class:`TimeoutError` at
        ``deadline`` (a ``time.monotonic()`` instant); nothing is read."""
        self._wait(deadline)

    def close(self) -> None:
        self.sock.close()

    def _recv(self, deadline: float | None, most: int = _CHUNK) -> bytes:
        self._wait(deadline)
        data = self.sock.recv(min(most, _CHUNK))
        if not data:
            raise EOFError("the other end of the channel has gone")
        return data

    def _wait(self, deadline: float | None) -> None:
        poll = self._poller.poll
        if poll(0):
            return
        if self.spin > 0:
            until = time.perf_counter() + self.spin
            while time.perf_counter() < until:
                os.sched_yield()
                if poll(0):
                    return
        while True:
            if deadline is None:
                timeout = None
            else:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("no message before the deadline")
                timeout = math.ceil(left * 1000)
            if poll(timeout):
                return
