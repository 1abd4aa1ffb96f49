"""Small catalogs for the personalisation tests, built through the real intake path."""

from __future__ import annotations

from typing import TYPE_CHECKING

from poster_tool.cli import main
from poster_tool.core.imaging import check_bytes
from poster_tool.core.intake import Intake
from poster_tool.core.records import TitleIn
from tests.synthetic import jpeg_bytes

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import pytest

    from poster_tool.core.catalog.store import PosterStore
    from poster_tool.core.workspace import Workspace

CURATOR = "tester"


def run(capsys: pytest.CaptureFixture[str], ws: Workspace, *argv: str) -> tuple[int, str, str]:
    """Run ``poster-tool`` on the workspace: exit code, stdout, stderr."""
    code = main(["--workspace", str(ws.root), *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


class CatalogBuilder:
    """Adds titles and posters with the status, labels and flags a test needs."""

    def __init__(self, workspace: Workspace, store: PosterStore) -> None:
        self.store = store
        self.intake = Intake(workspace, store)
        self._pattern = 0

    def title(self, name: str, genres: Sequence[str], year: int = 2000) -> int:
        title_id, _ = self.store.upsert_title(
            TitleIn(key=f"test:{name}", name=name, year=year, genres=tuple(genres))
        )
        return title_id

    def poster(
        self,
        title_id: int,
        *,
        status: str = "approved",
        curated: Sequence[str] | None = None,
        model: Mapping[str, float] | None = None,
        sensitive: str | None = None,
        default: bool = False,
        image: bytes | None = None,
    ) -> int:
        """One poster; ``curated`` sets curator genres, ``model`` writes model scores."""
        self._pattern += 1
        data = image or jpeg_bytes(
            colour=(30 + self._pattern * 23 % 200, 90, 160), pattern=self._pattern
        )
        poster_id = self.intake.ingest(
            check_bytes(data), title_id=title_id, source="test"
        ).poster_id
        if status != "pending":
            self.store.set_status({poster_id: status}, CURATOR)
        if curated is not None:
            self.store.set_genres({poster_id: list(curated)}, CURATOR)
        if model is not None:
            self.store.write_model_scores("test-model", {poster_id: dict(model)}, {})
        if sensitive is not None:
            self.store.set_sensitive({poster_id: sensitive}, CURATOR)
        if default:
            self.store.set_default(poster_id, CURATOR)
        return poster_id
