"""What training and scoring runs return, without torch: the window reads them from a child
process's JSON (see :mod:`poster_tool.core.jobs`) and never loads the model stack."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from poster_tool.core.ml.metrics import comparison_lines


@dataclass
class TrainResult:
    """What a run produced; ``report`` holds test metrics beside both baselines."""

    version: str
    kind: str
    path: Path | None
    report: dict[str, Any]
    epochs_run: int
    stopped_early: bool
    pretrained: bool
    pretrained_note: str
    device: str
    seconds: float
    activated: bool
    history: list[dict[str, float]] = field(default_factory=list)

    @classmethod
    def of_helper_rank(cls, kind: str, device: str, epochs_run: int = 0) -> TrainResult:
        """What a non-zero rank under torchrun returns: rank 0 registers and reports."""
        return cls("", kind, None, {}, epochs_run, False, False, "", device, 0.0, False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        data = asdict(self)
        data["path"] = None if self.path is None else str(self.path)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainResult:
        """The result ``to_dict`` wrote (a child process's run, say)."""
        return cls(**{**data, "path": None if data["path"] is None else Path(data["path"])})

    def lines(self) -> list[str]:
        """A human summary: the headline metrics beside the baselines."""
        r = self.report
        out = [
            f"model {self.version} ({self.kind}, {self.epochs_run} epochs"
            f"{', stopped early' if self.stopped_early else ''}, {self.seconds / 60:.1f} min on "
            f"{self.device}){' — now active' if self.activated else ''}",
            f"weights: {self.pretrained_note}",
            f"data: {r['n_train']} train ({r['n_curator']} curated) / {r['n_val']} val / "
            f"{r['n_test']} test posters",
            "test split:",
            *comparison_lines(r["model"], r["baselines"]),
        ]
        return out


@dataclass
class Candidate:
    """A trained, registered, not yet active model and how the active one compares.

    :param active: the active model's report on the candidate's test posters
        (``version``, ``n_test``, ``n_seen``, ``model``), or ``None``
    :param note: why there is no comparison, when there is none
    """

    result: TrainResult
    active: dict[str, Any] | None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"result": self.result.to_dict(), "active": self.active, "note": self.note}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Candidate:
        """The candidate ``to_dict`` wrote."""
        return cls(TrainResult.from_dict(data["result"]), data["active"], data["note"])


@dataclass
class ScoreResult:
    """What a catalog scoring run did (``scored``: posters written, by rank 0 under
    torchrun; ``processes``: how many scored them)."""

    version: str
    scored: int
    up_to_date: int
    missing_files: int
    seconds: float
    processes: int = 1

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)

    def line(self) -> str:
        """One human line."""
        rate = self.scored / self.seconds if self.seconds > 0 else 0.0
        return (
            f"model {self.version}: scored {self.scored} posters ({rate:.1f}/s"
            f"{f' in {self.processes} processes' if self.processes > 1 else ''}), "
            f"{self.up_to_date} already scored, {self.missing_files} files missing"
        )
