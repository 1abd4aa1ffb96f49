"""Load a JSON export into a workspace (``poster-tool import-export``): the round trip.

Titles come back with their keys, ids and official genres; posters come back approved, with
their default and sensitive flags, their curator genres (curator names and time kept), their
source genres and their model scores (version, positives and time kept).  Catalog ids are
new in the target workspace; titles and posters are matched by title key and SHA-256.

Images go through the shared intake, found in this order: the ``images`` folder given, the
folder the export names in ``images_dir`` (relative to the export file), then the stored
path inside ``source_workspace``.  A poster whose image is found nowhere, or whose file no
longer has the exported SHA-256, is listed in the report with the reason, never dropped
silently.  Restoring is not a curator edit, so it writes the exported state as it was and
adds one ``import-export`` entry per poster to the audit log; a poster already in the
workspace is left as it is.  The whole file is validated first
(:mod:`poster_tool.core.exchange.export_file`), so a malformed one writes nothing.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from poster_tool.core.catalog.connection import now
from poster_tool.core.catalog.labels import LabelRow
from poster_tool.core.errors import IntakeError
from poster_tool.core.exchange.export import image_name
from poster_tool.core.exchange.export_file import read_export
from poster_tool.core.imaging import CheckedImage, check_file
from poster_tool.core.importers import ImportReport
from poster_tool.core.intake import Intake
from poster_tool.core.progress import Meter, Progress
from poster_tool.core.records import TitleIn

if TYPE_CHECKING:
    from poster_tool.core.catalog.store import PosterStore
    from poster_tool.core.workspace import Workspace


@dataclass(frozen=True)
class _Model:
    version: str | None
    scored_at: str | None
    uncertainty: float | None
    scores: Mapping[str, float]
    genres: tuple[str, ...]


@dataclass(frozen=True)
class _PosterIn:
    """One exported poster, checked and typed before anything touches the catalog."""

    exported_id: int
    sha256: str
    path: str
    file_format: str
    source: str
    source_url: str | None
    synthetic: bool
    is_default: bool
    sensitive_reason: str | None  # None: not sensitive
    curated: bool
    curated_by: str | None
    curated_at: str | None
    updated_at: str
    curator_genres: tuple[tuple[str, str | None], ...]  # (genre, curator)
    source_genres: tuple[str, ...]
    model: _Model | None


def import_export(
    workspace: Workspace,
    store: PosterStore,
    file: str | os.PathLike[str],
    images: str | os.PathLike[str] | None = None,
    source_workspace: Workspace | None = None,
    curator: str = "import-export",
) -> Generator[Progress, None, ImportReport]:
    """Load a JSON export into ``store``; one transaction per title.

    :param images: a folder of images named by SHA-256 (what ``--include-images`` wrote)
    :param source_workspace: the workspace the export came from, to read stored images
    :param curator: who ran the import, for the audit log
    :raises ExportError: when the file is not a readable export of a known schema version
    """
    file = Path(file)
    data = yield from read_export(file)
    titles = _load(data)
    folders = [Path(images)] if images else []
    named = data.get("images_dir")
    if isinstance(named, str) and (file.parent / named).is_dir():
        folders.append(file.parent / named)
    report = ImportReport(rows=sum(len(posters) for _, posters in titles))
    meter = Meter("import export", report.rows)
    intake = Intake(workspace, store)
    yield meter.report("reading the export")
    for title, posters in titles:
        found = [(p, _find_image(p, folders, source_workspace)) for p in posters]
        checked = [(p, _check(p, path, report)) for p, path in found]
        meter.count("refused", sum(image is None for _, image in checked))
        with store.transaction():
            title_id, created = store.upsert_title(title)
            report.count_title(created)
            for poster, image in checked:
                if image is None:
                    continue
                outcome = intake.ingest(
                    image,
                    title_id=title_id,
                    source=poster.source,
                    source_url=poster.source_url,
                    synthetic=poster.synthetic,
                )
                report.count_poster(outcome.kind)
                meter.count(outcome.kind)
                # A poster already here keeps its state (and its audit log stays as it
                # was): a re-run changes nothing, and later edits are never overwritten.
                if outcome.kind != "existing":
                    _restore(store, outcome.poster_id, title_id, poster, curator, file.name)
        meter.done += len(posters)
        yield meter.report()
    return report


# Fields an export holds under the same name as the record that takes them.
_TITLE_FIELDS = ("key", "name", "year", "original_name", "imdb_id", "tmdb_id", "source")
_POSTER_FIELDS = (
    "sha256",
    "path",
    "file_format",
    "source",
    "source_url",
    "synthetic",
    "is_default",
    "curated",
    "curated_by",
    "curated_at",
    "updated_at",
)


def _load(data: dict[str, Any]) -> list[tuple[TitleIn, list[_PosterIn]]]:
    """The export's titles and posters, typed (``data`` is valid against the schema)."""
    return [
        (
            TitleIn(**{f: t[f] for f in _TITLE_FIELDS}, genres=tuple(t["genres"])),
            [_poster(p) for p in t["posters"]],
        )
        for t in data["titles"]
    ]


def _poster(p: dict[str, Any]) -> _PosterIn:
    model = p["model"]
    return _PosterIn(
        **{f: p[f] for f in _POSTER_FIELDS},
        exported_id=p["id"],
        sensitive_reason=(p["sensitive_reason"] or "sensitive") if p["sensitive"] else None,
        curator_genres=tuple(
            (g["genre"], g["curator"]) for g in p["genres"] if g["provenance"] == "curator"
        ),
        source_genres=tuple(p["source_genres"]),
        model=None
        if model is None
        else _Model(
            version=model["version"],
            scored_at=model["scored_at"],
            uncertainty=model["uncertainty"],
            scores={g: float(s) for g, s in model["scores"].items()},
            genres=tuple(model["genres"]),
        ),
    )


def _find_image(
    poster: _PosterIn, folders: list[Path], source_workspace: Workspace | None
) -> Path | str:
    """The image file of a poster, or why it cannot be found.

    Only the exported content address is looked for in the images folders, and a stored
    path only inside the source workspace's images: a hostile export must not read, or
    learn whether there is, any other file.
    """
    name = image_name(poster.sha256, poster.file_format)
    candidates = [folder / name for folder in folders]
    if source_workspace is not None:
        stored = source_workspace.image_path(poster.path)
        if not _inside(stored, source_workspace.images_dir):
            return f"its stored path {poster.path!r} is outside the source workspace's images"
        candidates.append(stored)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    hint = f"; its original URL is {poster.source_url}" if poster.source_url else ""
    if not candidates:
        return f"image not found: give the images folder or the source workspace{hint}"
    return f"image not found (looked for {', '.join(map(str, candidates))}){hint}"


def _inside(path: Path, folder: Path) -> bool:
    """Whether ``path``, with links and ``..`` resolved, lies inside ``folder``."""
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):  # a symlink loop
        return False


def _check(poster: _PosterIn, found: Path | str, report: ImportReport) -> CheckedImage | None:
    """The checked image, or ``None`` after listing the poster as refused."""
    item = f"poster {poster.exported_id} ({poster.sha256[:12]})"
    if isinstance(found, str):
        report.refused.append((item, found))
        return None
    try:
        image = check_file(found)
    except IntakeError as exc:
        report.refused.append((item, str(exc)))
        return None
    if image.sha256 != poster.sha256:
        report.refused.append(
            (item, f"{found} differs from the exported image (SHA-256 {image.sha256[:12]}…)")
        )
        return None
    return image


def _restore(
    store: PosterStore,
    poster_id: int,
    title_id: int,
    poster: _PosterIn,
    curator: str,
    file_name: str,
) -> None:
    """Write the exported state of one poster (inside the caller's transaction)."""
    stamp = now()
    rows: list[LabelRow] = [(g, "source", 1, None, None, None, stamp) for g in poster.source_genres]
    rows += [
        (g, "curator", 1, None, None, name or poster.curated_by, poster.curated_at or stamp)
        for g, name in poster.curator_genres
    ]
    if poster.model is not None:
        m = poster.model
        rows += [
            (g, "model", int(g in m.genres), s, m.version, None, m.scored_at or stamp)
            for g, s in m.scores.items()
        ]
    store.replace_labels(poster_id, rows)
    store.restore_approved(
        poster_id,
        title_id,
        is_default=poster.is_default,
        sensitive_reason=poster.sensitive_reason,
        curated_at=(poster.curated_at or stamp) if poster.curated else None,
        curated_by=poster.curated_by if poster.curated else None,
        model_version=poster.model.version if poster.model else None,
        model_uncertainty=poster.model.uncertainty if poster.model else None,
        updated_at=poster.updated_at,
    )
    # Columns derived from the labels are the store's to compute, as after any label edit;
    # its audit writer gives the entry the same shape as every curator edit's.
    store.refresh_genre_mask([poster_id])
    store.refresh_disagreement(poster_id)
    store.audit(
        curator,
        "import-export",
        poster_id,
        title_id,
        None,
        {"file": file_name, "exported_id": poster.exported_id},
    )
