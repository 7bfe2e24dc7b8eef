"""Login throttling in the app process: attempts per user name and overall in a sliding
window, and password checks on one worker thread at the lowest CPU priority, so that a flood
of logins cannot starve survey answers of CPU. Nothing about the caller is kept (no IP
address); the typed names are held only in memory and only for the window."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")
LOWEST_PRIORITY = 19


class Throttled(Exception):
    """Too many attempts: the login is refused before any password is checked."""


@dataclass
class LoginLimiter:
    """Sliding-window limits. Defaults: 10 attempts per user name per 5 minutes (twice the
    lockout threshold, so the lockout still decides for a real account), 60 attempts per
    minute overall, one password check at a time (about 50 ms each: 20 logins a second is
    plenty) at the lowest CPU priority, waiting at most 5 s for it."""

    per_name: int = 10
    name_window: float = 300.0
    overall: int = 60
    overall_window: float = 60.0
    concurrent: int = 1
    wait: float = 5.0
    max_names: int = 10_000
    clock: Callable[[], float] = time.monotonic
    _names: dict[str, deque[float]] = field(default_factory=dict, init=False, repr=False)
    _all: deque[float] = field(default_factory=deque, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _workers: ThreadPoolExecutor | None = field(default=None, init=False, repr=False)

    @staticmethod
    def _expire(times: deque[float], before: float) -> None:
        while times and times[0] <= before:
            times.popleft()

    def allow(self, name: str) -> bool:
        """Count an attempt for ``name``; False when a limit is reached (not counted then)."""
        now = self.clock()
        with self._lock:
            self._expire(self._all, now - self.overall_window)
            if len(self._all) >= self.overall:
                return False
            times = self._names.get(name)
            if times is None:
                if len(self._names) >= self.max_names:
                    self._prune(now)
                times = self._names.setdefault(name, deque())
            self._expire(times, now - self.name_window)
            if len(times) >= self.per_name:
                return False
            times.append(now)
            self._all.append(now)
            return True

    def forget(self) -> None:
        """Drop every counted attempt (a restart does the same; tests start from here)."""
        with self._lock:
            self._names.clear()
            self._all.clear()

    def _prune(self, now: float) -> None:
        for key in list(self._names):
            self._expire(self._names[key], now - self.name_window)
            if not self._names[key]:
                del self._names[key]
        while len(self._names) >= self.max_names:  # a flood of made-up names
            del self._names[next(iter(self._names))]

    def run(self, task: Callable[..., T], *args: object) -> T:
        """Run a password check on the low-priority worker; ``Throttled`` when it has not
        finished within ``wait`` seconds (queued behind others)."""
        with self._lock:
            if self._workers is None:
                self._workers = ThreadPoolExecutor(
                    self.concurrent, thread_name_prefix="bgm-password", initializer=_lower_priority
                )
            workers = self._workers
        future: Future[T] = workers.submit(task, *args)
        try:
            return future.result(timeout=self.wait)
        except FutureTimeout:
            future.cancel()
            raise Throttled from None


def _lower_priority() -> None:
    """Linux lets a thread lower its own priority (nice 19): the scheduler then gives the
    survey's threads the CPU first. Elsewhere, or if refused, nothing changes."""
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOWEST_PRIORITY)


LIMITER = LoginLimiter()
"""The app's limiter (one per server process; with several replicas each has its own, and the
account lockout in the database holds across all)."""
