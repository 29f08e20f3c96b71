"""What happens to a request before the SCIM layer sees it: rate limits and injected faults."""

from __future__ import annotations

import math
import random
import threading
import time

from .config import EmulatorConfig

RATE_LIMIT_NAME = "scim_api"
# A fault 429 asks for a short wait: it tests that the client waits and retries, not that
# the test suite can sit through a whole rate-limit window.
FAULT_429_RESET_SECONDS = 1


class RateLimiter:
    """Fixed windows of ``period`` seconds, each allowing ``limit`` requests."""

    def __init__(self, limit: int, period: float, clock=time.monotonic) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self.configure(limit, period)

    def configure(self, limit: int, period: float) -> None:
        with self._lock:
            self.limit = limit
            self.period = period
            self._window_start = self.clock()
            self._used = 0

    def take(self) -> tuple[bool, dict[str, str]]:
        """Count one request; return whether it is allowed and the headers of its answer."""
        with self._lock:
            self._roll_window()
            allowed = self._used < self.limit
            if allowed:
                self._used += 1
            return allowed, self._headers()

    def peek(self) -> dict[str, str]:
        """The headers of an answer that does not count against the limit."""
        with self._lock:
            self._roll_window()
            return self._headers()

    def _roll_window(self) -> None:
        now = self.clock()
        if now - self._window_start >= self.period:
            elapsed_windows = math.floor((now - self._window_start) / self.period)
            self._window_start += elapsed_windows * self.period
            self._used = 0

    def _headers(self) -> dict[str, str]:
        until_reset = self._window_start + self.period - self.clock()
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Period": str(_whole_or_float(self.period)),
            "X-RateLimit-Remaining": str(max(0, self.limit - self._used)),
            "X-RateLimit-Reset": str(max(1, math.ceil(until_reset))),
            "X-RateLimit-Name": RATE_LIMIT_NAME,
        }


class FaultInjector:
    """Draws, for each SCIM request, which fault (if any) it meets; seeded for repeatability."""

    KINDS = ("5xx", "429", "drop", "lost")

    def __init__(self, seed: int | None) -> None:
        self._lock = threading.Lock()
        self.reseed(seed)

    def reseed(self, seed: int | None) -> None:
        with self._lock:
            self._random = random.Random(seed)

    def draw(self, method: str, config: EmulatorConfig) -> str | None:
        rates = (config.fault_5xx, config.fault_429, config.fault_drop, config.fault_lost)
        if method not in config.fault_methods or not any(rates):
            return None
        with self._lock:
            roll = self._random.random()
        threshold = 0.0
        for kind, rate in zip(self.KINDS, rates, strict=True):
            threshold += rate
            if roll < threshold:
                return kind
        return None

    def server_error_status(self) -> int:
        with self._lock:
            return self._random.choice((500, 502, 503))


def _whole_or_float(number: float) -> int | float:
    return int(number) if float(number).is_integer() else number
