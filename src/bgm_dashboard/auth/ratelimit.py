"""Login throttling in the app process: attempts per user name and overall in a sliding
window, and at most a few password hashes computed at once. Nothing about the caller is kept
(no IP address); the typed names are held only in memory and only for the window."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


class Throttled(Exception):
    """Too many attempts: the login is refused before any password is checked."""


@dataclass
class LoginLimiter:
    """Sliding-window limits. Defaults: 10 attempts per user name per 5 minutes (twice the
    lockout threshold, so the lockout still decides for a real account), 60 attempts per
    minute overall, 2 password checks at once (one per core), waiting at most 5 s for one."""

    per_name: int = 10
    name_window: float = 300.0
    overall: int = 60
    overall_window: float = 60.0
    concurrent: int = 2
    wait: float = 5.0
    max_names: int = 10_000
    clock: Callable[[], float] = time.monotonic
    _names: dict[str, deque[float]] = field(default_factory=dict, init=False, repr=False)
    _all: deque[float] = field(default_factory=deque, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _slots: threading.BoundedSemaphore = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._slots = threading.BoundedSemaphore(self.concurrent)

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

    def _prune(self, now: float) -> None:
        for key in list(self._names):
            self._expire(self._names[key], now - self.name_window)
            if not self._names[key]:
                del self._names[key]
        while len(self._names) >= self.max_names:  # a flood of made-up names
            del self._names[next(iter(self._names))]

    @contextmanager
    def hashing(self) -> Iterator[None]:
        """Hold one of the few slots for a password check, or raise ``Throttled``."""
        if not self._slots.acquire(timeout=self.wait):
            raise Throttled
        try:
            yield
        finally:
            self._slots.release()


LIMITER = LoginLimiter()
"""The app's limiter (one per server process; with several replicas each has its own, and the
account lockout in the database holds across all)."""
