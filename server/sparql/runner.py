"""Query worker processes with a hard deadline per query, in two classes, per release.

pyoxigraph has no way to cancel a running query, so every query runs in a worker process
(server/sparql/query_worker.py). If the answer is not back by the deadline the worker is
killed, the caller gets :class:`QueryTimeout` at once, and a fresh worker is started in the
background (it takes queries once it has opened the store, so nobody waits for its start-up).

Admission by class (:class:`QueryRunner`): user SPARQL queries (``/sparql`` and the exports'
``construct``), whose cost nobody knows in advance, run on ``user_slots`` workers of their own,
and one that is still running after :data:`DEMOTE_AFTER` seconds has its process's CPU
priority lowered (``user_nice``); named queries, whose cost is known and small, run on
``processes`` reserved workers. So however many runaway queries are in flight, named queries
find a worker and the server's own threads get the CPU first. A user query that finds every
user worker busy for ``wait`` seconds gets :class:`Overloaded` (503 with Retry-After) rather
than queueing (and holding a server thread) without bound.

Every user query runs there, never in the server process: a query that crashes the engine
(a stack overflow on absurdly nested text) takes down only its worker, and is answered 400.

Releases (:class:`ReleasePools`): a pool's workers open one concrete release directory, so a
request answers every route from the release it read. When a new release is published the
next request starts a pool for it; the previous pool is closed once no request that read its
release is still running (no query in flight is ever killed by a switch). At most ``limit``
pools exist at once.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import socket
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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

log = logging.getLogger("metakg.server")

_ERRORS = {
    "syntax": QuerySyntaxError,
    "not-acceptable": NotAcceptable,
    "row-cap": TooManyRows,
    "failed": Overloaded,
    "unavailable": RemoteUnavailable,
}

#: The two classes of query: user SPARQL (unknown cost) and named queries (known cost).
USER, NAMED = "user", "named"


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

#: How long a named query waits for a reserved worker (they answer in milliseconds, so this
#: is only reached when the machine is overwhelmed).
NAMED_WAIT = 5.0

#: How long a user query runs at normal CPU priority before its process is demoted.
DEMOTE_AFTER = 0.5

#: How many times in a row a replacement worker may fail to start before its slot is given up
#: (it is tried again when the pool is next started).
RESPAWN_TRIES = 3


#: How long the server polls for a query process's reply before sleeping (most replies
#: come sooner; see server/sparql/channel.py).
SPIN = 0.0003


@dataclass
class _Worker:
    process: Any
    channel: Channel
    kind: str
    #: Its CPU priority was lowered while it ran a long query.
    demoted: bool = False

    def stop(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.channel.close()


class QueryRunner:
    """The query workers of one store (a release directory or a remote store's URL).

    ``processes`` workers answer named queries, ``user_slots`` (default: as many) answer
    user SPARQL (a long one at CPU priority ``user_nice``); ``wait`` is how long a user query waits
    for a free worker before :class:`Overloaded`."""

    def __init__(
        self,
        store_path: Path | str,
        *,
        processes: int,
        timeout: float,
        row_cap: int,
        memory_quads: int = 0,
        wait: float = 5.0,
        user_slots: int | None = None,
        user_nice: int = 0,
    ) -> None:
        self.store_path = str(store_path)
        self.processes = processes
        self.user_slots = processes if user_slots is None else user_slots
        self.timeout = timeout
        self.row_cap = row_cap
        self.memory_quads = memory_quads
        self.wait = wait
        self.user_nice = user_nice
        self._context = multiprocessing.get_context("spawn")
        # Last in, first out: the most recently used process is the one still polling (hot).
        # Only workers that have answered their first ping (started, store open) are here.
        self._idle: dict[str, queue.LifoQueue[_Worker]] = {
            USER: queue.LifoQueue(),
            NAMED: queue.LifoQueue(),
        }
        self._all: list[_Worker] = []
        self._lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._started = False
        self._closed = False
        self._starting: Counter[str] = Counter()
        self._in_flight = 0

    def size(self, kind: str) -> int:
        return self.user_slots if kind == USER else self.processes

    @property
    def in_flight(self) -> int:
        """Queries being answered now."""
        return self._in_flight

    def pids(self) -> list[int]:
        """The process ids of the workers (running or starting)."""
        with self._lock:
            return [w.process.pid for w in self._all if w.process.pid is not None]

    def _spawn(self, kind: str) -> _Worker:
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        process = self._context.Process(
            target=query_worker.main,
            args=(child, self.store_path, self.row_cap, self.memory_quads),
            daemon=True,
            name=f"metakg-query-{kind}",
        )
        process.start()
        child.close()
        worker = _Worker(process, Channel(parent, spin=SPIN), kind)
        with self._lock:
            self._all.append(worker)
        return worker

    def _forget(self, worker: _Worker) -> None:
        worker.stop()
        with self._lock:
            if worker in self._all:
                self._all.remove(worker)

    @staticmethod
    def _answers_ping(worker: _Worker) -> bool:
        try:
            return worker.channel.receive(time.monotonic() + STARTUP) == ("ok", "pong")
        except (EOFError, OSError):  # TimeoutError is an OSError
            return False

    def start(self) -> None:
        """Start every worker and wait until each has opened the store (at most
        :data:`STARTUP`); returns at once when already started. A worker that does not
        start is replaced in the background."""
        if self._started:
            return
        with self._start_lock:
            if self._started:
                return
            if self._closed:
                raise Overloaded("the query processes of this release were closed; retry")
            workers = [
                self._spawn(kind) for kind in (NAMED, USER) for _ in range(self.size(kind))
            ]
            for worker in workers:
                try:
                    worker.channel.send(("ping", worker.kind))
                except OSError:
                    pass
            for worker in workers:
                if self._answers_ping(worker):
                    self._idle[worker.kind].put(worker)
                else:
                    log.warning("a query worker for %s did not start", self.store_path)
                    self._replace(worker)
            self._started = True

    def close(self) -> None:
        """Stop every worker (a query in flight gets an error: close a pool only when it has
        none, as :class:`ReleasePools` does)."""
        with self._lock:
            self._closed = True
            workers, self._all = list(self._all), []
        for worker in workers:
            worker.stop()
        for idle in self._idle.values():
            while not idle.empty():
                idle.get_nowait()
        self._started = False

    def _replace(self, worker: _Worker) -> None:
        """Stop ``worker`` and start another of its class in the background; it takes queries
        once it has answered a ping."""
        self._forget(worker)
        with self._lock:
            if self._closed:
                return
            self._starting[worker.kind] += 1
        threading.Thread(
            target=self._respawn, args=(worker.kind,), daemon=True, name="metakg-respawn"
        ).start()

    def _respawn(self, kind: str) -> None:
        try:
            for attempt in range(RESPAWN_TRIES):
                if self._closed:
                    return
                worker = self._spawn(kind)
                try:
                    worker.channel.send(("ping", worker.kind))
                    ready = self._answers_ping(worker)
                except OSError:
                    ready = False
                with self._lock:
                    closed = self._closed
                if ready and not closed:
                    self._idle[kind].put(worker)
                    return
                self._forget(worker)
                if closed:
                    return
                time.sleep(0.2 * (attempt + 1))
            log.error("a query worker for %s could not start %d times; giving up its slot",
                      self.store_path, RESPAWN_TRIES)
        finally:
            with self._lock:
                self._starting[kind] -= 1

    def _busy(self, kind: str, *, long: bool = False) -> Overloaded:
        size = self.size(kind)
        what = "SPARQL" if kind == USER else "named"
        why = (
            " with long queries" if long
            else " (some are restarting after a stopped query)" if self._starting[kind]
            else ""
        )
        return Overloaded(
            f"all {size} query processes for {what} queries are busy{why}; each runs one "
            f"query at a time, for at most the {self.timeout:g} s deadline; retry in a moment"
        )

    def _take(self, kind: str) -> _Worker:
        """An idle worker of class ``kind``. Waits ``wait`` seconds (named queries: at least
        :data:`NAMED_WAIT`), and longer only while a worker of the class is being restarted
        (it will be free as soon as it is up). A user query is refused at once when every
        user worker is busy with a long query (one already demoted): none is likely to be
        free soon, and waiting would hold a server thread for nothing."""
        now = time.monotonic()
        until = now + (self.wait if kind == USER else max(self.wait, NAMED_WAIT))
        latest = now + STARTUP
        idle = self._idle[kind]
        while True:
            left = until - time.monotonic()
            try:
                return idle.get(timeout=min(left, 0.05) if left > 0 else 0.05)
            except queue.Empty:
                now = time.monotonic()
                starting = self._starting[kind] > 0
                if kind == USER and not starting and self._all_long():
                    raise self._busy(kind, long=True) from None
                if now >= until and (not starting or now >= latest):
                    raise self._busy(kind) from None

    def _all_long(self) -> bool:
        with self._lock:
            return sum(1 for w in self._all if w.kind == USER and w.demoted) >= self.user_slots

    def call(
        self, message: tuple[Any, ...], *, timeout: float | None = None, kind: str | None = None
    ) -> Any:
        """Send ``message`` to an idle worker of its class (``sparql``: user, else named) and
        return its payload, or raise."""
        self.start()
        kind = kind or (USER if message[0] == "sparql" else NAMED)
        deadline = self.timeout if timeout is None else timeout
        worker = self._take(kind)
        with self._lock:
            self._in_flight += 1
        replaced = False
        try:
            worker.channel.send(message)
            try:
                reply = self._receive(worker, time.monotonic() + deadline)
            except TimeoutError:
                replaced = True
                self._replace(worker)
                raise _timeout(deadline) from None
        except (EOFError, OSError):
            worker.process.join(timeout=1)
            ended_by = -(worker.process.exitcode or 0)  # the signal that ended it, if any
            replaced = True
            self._replace(worker)
            if ended_by > 0 and message[0] == "sparql":
                # It died answering this query (a stack overflow in the engine, or the
                # out-of-memory killer): the query did it, and a retry would do it again.
                raise _crashed(ended_by) from None
            raise Overloaded("a query worker stopped unexpectedly; retry the query") from None
        finally:
            if not replaced and worker.demoted and not self._promote(worker):
                replaced = True
                self._replace(worker)
            if not replaced:
                self._idle[kind].put(worker)
            with self._lock:
                self._in_flight -= 1
        return unpack(reply)

    def _receive(self, worker: _Worker, end: float) -> Any:
        """The worker's reply, by ``end``. A user query still running after
        :data:`DEMOTE_AFTER` seconds has its process's CPU priority lowered by ``user_nice``:
        whatever it costs, it then takes only the CPU that lookups and named queries leave."""
        if worker.kind == USER and self.user_nice > 0:
            try:
                worker.channel.wait(min(end, time.monotonic() + DEMOTE_AFTER))
            except TimeoutError:
                if time.monotonic() >= end:
                    raise
                self._demote(worker)
        return worker.channel.receive(end)

    def _demote(self, worker: _Worker) -> None:
        try:
            os.setpriority(os.PRIO_PROCESS, worker.process.pid, self.user_nice)
            worker.demoted = True
        except OSError:  # it has just ended: the reply (or EOF) says what happened
            pass

    @staticmethod
    def _promote(worker: _Worker) -> bool:
        """Back to normal priority; False where that is not allowed (only privileged
        processes may raise a priority): then the worker is replaced."""
        try:
            os.setpriority(os.PRIO_PROCESS, worker.process.pid, 0)
        except OSError:
            return False
        worker.demoted = False
        return True

    def sparql(self, request: query_worker.SparqlRequest) -> query_worker.SparqlAnswer:
        return self.call(("sparql", request))

    def named(self, bound: Any) -> list[dict[str, str]]:
        return self.call(("named", bound))


class ReleasePools:
    """One :class:`QueryRunner` per release, made by ``make(source)`` on first use.

    Requests *pin* the release they read (:meth:`pin` / :meth:`unpin`, or :meth:`lease` for
    one call). The newest release seen is current; a pool of an older release is closed as
    soon as nothing pins it, so its queries in flight always finish. At most ``limit`` pools
    exist: a request that needs another waits (at most ``switch_wait`` seconds, then
    :class:`Overloaded`) until an older pool is closed.
    """

    def __init__(
        self,
        make: Callable[[str], QueryRunner],
        *,
        limit: int = 2,
        switch_wait: float = 30.0,
    ) -> None:
        self._make = make
        self.limit = limit
        self.switch_wait = switch_wait
        self._pools: dict[str, QueryRunner] = {}
        self._pins: Counter[str] = Counter()
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._newest: str | None = None
        self._cond = threading.Condition()
        self._wait: float | None = None

    @property
    def wait(self) -> float | None:
        """How long a user query waits for a free worker (None: the runners' default)."""
        return self._wait

    @wait.setter
    def wait(self, value: float) -> None:
        with self._cond:
            self._wait = value
            for runner in self._pools.values():
                runner.wait = value

    def runners(self) -> dict[str, QueryRunner]:
        """The pools that exist now, by release key."""
        with self._cond:
            return dict(self._pools)

    def pin(self, key: str) -> None:
        with self._cond:
            self._pins[key] += 1
            if key not in self._seen:
                self._seen[key] = None
                while len(self._seen) > 64:
                    self._seen.popitem(last=False)
                self._newest = key
            retired = self._retire()
        _close(retired)

    def unpin(self, key: str) -> None:
        with self._cond:
            self._pins[key] -= 1
            if self._pins[key] <= 0:
                del self._pins[key]
            retired = self._retire()
        _close(retired)

    @contextmanager
    def lease(self, key: str, source: str) -> Iterator[QueryRunner]:
        """The started pool of release ``key`` (query processes opening ``source``), pinned
        while the block runs."""
        self.pin(key)
        try:
            runner = self._runner(key, source)
            runner.start()
            yield runner
        finally:
            self.unpin(key)

    def _runner(self, key: str, source: str) -> QueryRunner:
        until = time.monotonic() + self.switch_wait
        with self._cond:
            while True:
                runner = self._pools.get(key)
                if runner is not None:
                    return runner
                if len(self._pools) < self.limit:
                    runner = self._make(source)
                    if self._wait is not None:
                        runner.wait = self._wait
                    self._pools[key] = runner
                    return runner
                left = until - time.monotonic()
                if left <= 0:
                    raise Overloaded(
                        "the knowledge base was rebuilt several times in a row and the query "
                        "processes of earlier releases are still answering; retry in a moment"
                    )
                self._cond.wait(left)

    def _retire(self) -> list[QueryRunner]:
        """Pools no request needs any more (called with the condition held)."""
        retired = [
            self._pools.pop(key)
            for key in list(self._pools)
            if key != self._newest and self._pins.get(key, 0) <= 0
        ]
        if retired:
            self._cond.notify_all()
        return retired

    def close(self) -> None:
        with self._cond:
            pools, self._pools = list(self._pools.values()), {}
            self._cond.notify_all()
        _close(pools)


def _close(runners: list[QueryRunner]) -> None:
    for runner in runners:
        runner.close()
