"""A time budget for work done in rounds (batches, tries): a round starts only while time is
left, so a job that works through a backlog stops well inside its time-out and the next run
goes on from where it stopped."""

from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Budget:
    """Seconds left until `ends_at`, on the monotonic clock."""

    ends_at: float

    @classmethod
    def of(cls, seconds: float) -> Budget:
        """A budget of `seconds` from now; zero or less is spent at once (one round still
        runs: callers check it after each round)."""
        return cls(time.monotonic() + seconds)

    @classmethod
    def unlimited(cls) -> Budget:
        return cls(float("inf"))

    def capped(self, seconds: float) -> Budget:
        """This budget, ending within `seconds` from now at the latest."""
        return Budget(min(self.ends_at, time.monotonic() + seconds))

    def left(self) -> float:
        return max(0.0, self.ends_at - time.monotonic())

    @property
    def spent(self) -> bool:
        return time.monotonic() >= self.ends_at
