"""A small pool of query worker processes with a hard deadline per query.

pyoxigraph has no way to cancel a running query, so every user query runs in a worker
process (server/sparql/query_worker.py). If the answer is not back by the deadline the worker is
killed, a fresh one takes its place, and the caller gets :class:`QueryTimeout` at once. When
every worker is busy for longer than ``wait`` seconds the caller gets :class:`Overloaded`
(503 with Retry-After) rather than queueing without bound.

Every user query runs there, never in the server process: a query that crashes the engine
(a stack overflow on absurdly nested text) takes down only its worker, and is answered 400.
"""

from __future__ import annotations

import multiprocessing
import queue
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph.remote import RemoteUnavailable
from server.errors import (
    NotAcceptable,
    Overloaded,
    QueryRefused,
    QuerySyntaxError,
    QueryTimeout,
    TooManyRows,
)
from server.sparql import query_worker
from server.sparql.channel import Channel

_ERRORS = {
    "syntax": QuerySyntaxError,
    "not-acceptable": NotAcceptable,
    "row-cap": TooManyRows,
    "failed": Overloaded,
    "unavailable": RemoteUnavailable,
}


def unpack(reply: tuple[Any, ...]) -> Any:
    """The payload of a worker reply, or the matching error raised."""
    if reply[0] == "ok":
        return reply[1]
    raise _ERRORS[reply[1]](reply[2])


def _timeout(deadline: float) -> QueryTimeout:
    return QueryTimeout(
        f"the query ran past the {deadline:g} s deadline and was stopped; make it more "
        "selective (more specific patterns, LIMIT) and try again"
    )


def _crashed(signal_number: int) -> QueryRefused:
    return QueryRefused(
        f"the query stopped the query engine (signal {signal_number}): it nests or chains "
        "too deeply (thousands of operators, UNIONs, OPTIONALs or FILTERs) or needs too much "
        "memory; simplify it or split it into several queries"
    )


#: How long a new query worker may take to start and open the store. Not part of any query's
#: deadline: on a cold or busy machine starting Python and pyoxigraph alone can take seconds.
STARTUP = 60.0


#: How long the server polls for a query process's reply before sleeping (most replies
#: come sooner; see server/sparql/channel.py).
SPIN = 0.0003


@dataclass
class _Worker:
    process: Any
    channel: Channel
    ready: bool = False

    def stop(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.channel.close()


class QueryRunner:
    def __init__(
        self,
        store_path: Path | str,
        *,
        processes: int,
        timeout: float,
        row_cap: int,
        memory_quads: int = 0,
        wait: float = 5.0,
    ) -> None:
        self.store_path = str(store_path)
        self.processes = processes
        self.timeout = timeout
        self.row_cap = row_cap
        self.memory_quads = memory_quads
        self.wait = wait
        self._context = multiprocessing.get_context("spawn")
        # Last in, first out: the most recently used process is the one still polling (hot).
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._all: list[_Worker] = []
        self._lock = threading.Lock()
        self._started = False

    def _spawn(self) -> _Worker:
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        process = self._context.Process(
            target=query_worker.main,
            args=(child, self.store_path, self.row_cap, self.memory_quads),
            daemon=True,
            name="metakg-query",
        )
        process.start()
        child.close()
        worker = _Worker(process, Channel(parent, spin=SPIN))
        self._all.append(worker)
        return worker

    def start(self) -> None:
        with self._lock:
            if not self._started:
                for _ in range(self.processes):
                    self._idle.put(self._spawn())
                self._started = True

    def close(self) -> None:
        with self._lock:
            for worker in self._all:
                worker.stop()
            self._all.clear()
            self._started = False

    def _retire(self, worker: _Worker) -> _Worker:
        worker.stop()
        with self._lock:
            if worker in self._all:
                self._all.remove(worker)
        return self._spawn()

    @staticmethod
    def _ready(worker: _Worker) -> bool:
        """Wait until a new worker answers a ping (it has started and opened the store)."""
        try:
            worker.channel.send(("ping",))
            worker.channel.receive(time.monotonic() + STARTUP)
            worker.ready = True
        except (EOFError, OSError):  # TimeoutError is an OSError
            pass
        return worker.ready

    def call(self, message: tuple[Any, ...], *, timeout: float | None = None) -> Any:
        """Send ``message`` to an idle worker and return its payload, or raise."""
        self.start()
        deadline = self.timeout if timeout is None else timeout
        try:
            worker = self._idle.get(timeout=self.wait)
        except queue.Empty:
            raise Overloaded(
                f"all {self.processes} query workers are busy; retry in a moment"
            ) from None
        try:
            if not worker.ready and not self._ready(worker):
                worker = self._retire(worker)
                raise Overloaded("a query worker could not start; retry in a moment")
            worker.channel.send(message)
            try:
                reply = worker.channel.receive(time.monotonic() + deadline)
            except TimeoutError:
                worker = self._retire(worker)
                raise _timeout(deadline) from None
        except (EOFError, OSError):
            worker.process.join(timeout=1)
            ended_by = -(worker.process.exitcode or 0)  # the signal that ended it, if any
            worker = self._retire(worker)
            if ended_by > 0 and message[0] == "sparql":
                # It died answering this query (a stack overflow in the engine, or the
                # out-of-memory killer): the query did it, and a retry would do it again.
                raise _crashed(ended_by) from None
            raise Overloaded("a query worker stopped unexpectedly; retry the query") from None
        finally:
            self._idle.put(worker)
        return unpack(reply)

    def sparql(self, request: query_worker.SparqlRequest) -> query_worker.SparqlAnswer:
        return self.call(("sparql", request))

    def named(self, bound: Any) -> list[dict[str, str]]:
        return self.call(("named", bound))
