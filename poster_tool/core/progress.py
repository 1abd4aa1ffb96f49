"""Progress reports for long jobs, which are plain generators.

A job is ``def job(...) -> Generator[Progress, None, Result]``: it yields ``Progress``
between units of work and returns its result.  The CLI prints the reports, the GUI's
worker turns them into signals, and cancellation is ``generator.close()`` between yields,
so a job's ``finally`` blocks clean up and nothing half-done is committed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from poster_tool.core.errors import Cancelled

R = TypeVar("R")
Job = Generator["Progress", None, R]


@dataclass(frozen=True)
class Progress:
    """One report from a long job.

    :param stage: what the job is doing now, e.g. ``"import"`` or ``"epoch 3/10"``
    :param done: units finished so far
    :param total: units in all, or ``None`` when unknown
    :param message: a short line for a status bar or log
    :param rate: units per second so far
    :param eta: seconds left, when it can be estimated
    :param counts: named counters (``{"new": 10, "refused": 1}``)
    :param data: job-specific payload (e.g. per-epoch metrics for a chart)
    """

    stage: str
    done: int = 0
    total: int | None = None
    message: str = ""
    rate: float | None = None
    eta: float | None = None
    counts: Mapping[str, int] = field(default_factory=dict)
    data: Mapping[str, object] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; ``data`` keeps what JSON can carry (numbers, text, lists, dicts)."""
        data = {}
        for key, value in self.data.items():
            try:
                json.dumps(value)
            except (TypeError, ValueError):
                continue  # a tensor, an array: for in-process listeners only
            data[key] = value
        return {
            "stage": self.stage,
            "done": self.done,
            "total": self.total,
            "message": self.message,
            "rate": self.rate,
            "eta": self.eta,
            "counts": dict(self.counts),
            "data": data,
        }

    @classmethod
    def from_dict(cls, fields: Mapping[str, Any]) -> Progress:
        """The report ``to_dict`` wrote."""
        return cls(**fields)

    @property
    def fraction(self) -> float | None:
        """Share of the work done (0..1), or ``None`` when the total is unknown."""
        if not self.total:
            return None
        return min(1.0, self.done / self.total)

    def line(self) -> str:
        """One human-readable line: ``import 120/300 (40%) 55.1/s ETA 3s new=118``."""
        parts = [self.stage]
        if self.total:
            parts.append(f"{self.done}/{self.total} ({100 * self.done // self.total}%)")
        elif self.done:
            parts.append(str(self.done))
        if self.rate:
            parts.append(f"{self.rate:.1f}/s")
        if self.eta is not None:
            parts.append(f"ETA {format_seconds(self.eta)}")
        parts.extend(f"{k}={v}" for k, v in self.counts.items() if v)
        if self.message:
            parts.append(self.message)
        return " ".join(parts)


def format_seconds(seconds: float) -> str:
    """``75`` -> ``"1m15s"``."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


class Meter:
    """Builds ``Progress`` reports with rate and ETA for a job of known or unknown size."""

    def __init__(self, stage: str, total: int | None = None) -> None:
        self.stage = stage
        self.total = total
        self.done = 0
        self.counts: dict[str, int] = {}
        self._start = time.monotonic()

    def count(self, name: str, n: int = 1) -> None:
        """Add ``n`` to the named counter."""
        self.counts[name] = self.counts.get(name, 0) + n

    def report(self, message: str = "", **data: object) -> Progress:
        """A snapshot of the meter as a ``Progress``."""
        elapsed = time.monotonic() - self._start
        rate = self.done / elapsed if elapsed > 0 and self.done else None
        eta = None
        if rate and self.total:
            eta = max(0.0, (self.total - self.done) / rate)
        return Progress(
            self.stage, self.done, self.total, message, rate, eta, dict(self.counts), data
        )


def run_job(
    job: Generator[Progress, None, R],
    on_progress: Callable[[Progress], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> R:
    """Drive a job to its end and return its result.

    :param on_progress: called with every report
    :param should_cancel: polled after every report; when it answers true the job is
        closed (its ``finally`` blocks run) and ``Cancelled`` is raised
    """
    try:
        while True:
            report = next(job)
            if on_progress is not None:
                on_progress(report)
            if should_cancel is not None and should_cancel():
                job.close()
                raise Cancelled(f"{report.stage}: cancelled by the user")
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
