"""Catalog scoring as seen from outside the model code: its result, and a child-process run.

Kept free of torch, so the window can import it without loading the model stack.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from poster_tool.core.child import run_command

if TYPE_CHECKING:
    from poster_tool.core.progress import Progress
    from poster_tool.core.workspace import Workspace


@dataclass
class ScoreResult:
    """What a catalog scoring run did."""

    version: str
    scored: int
    up_to_date: int
    missing_files: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)

    def line(self) -> str:
        """One human line."""
        rate = self.scored / self.seconds if self.seconds > 0 else 0.0
        return (
            f"model {self.version}: scored {self.scored} posters ({rate:.1f}/s), "
            f"{self.up_to_date} already scored, {self.missing_files} files missing"
        )


def score_catalog_in_child(
    workspace: Workspace, version: str | None = None, rescore: bool = False, device: str = "auto"
) -> Generator[Progress, None, ScoreResult]:
    """``score_catalog`` run by a child ``poster-tool predict`` (see :mod:`core.child`).

    For callers that must stay responsive (the window): torch runs in the child, so it never
    holds the caller's GIL.  Cancelling stops the child; the chunks it wrote are kept.
    """
    argv = ["--workspace", str(workspace.root), "predict", "--json", "--device", device]
    if version:
        argv += ["--model", version]
    if rescore:
        argv.append("--all")
    result = yield from run_command(argv)
    return ScoreResult(**result)
