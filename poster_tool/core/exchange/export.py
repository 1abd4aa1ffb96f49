"""Export approved poster-genre mappings as JSON or CSV (``poster-tool export``).

Only approved posters leave the catalog.  Each carries its final genres and, per genre, where
that genre comes from, by the one rule of :mod:`poster_tool.core.final_genres`: ``curator``,
``source`` (official) or ``model``.  Posters that rule holds for review stay out, counted.

Two exports of the same catalog with the same options are byte-identical: rows come in a
fixed order (titles by catalog id, posters in pool order), JSON keys are sorted, floats are
written as Python's shortest round-trip form, and no clock time enters the file — every
timestamp in it comes from the catalog.  The file is written atomically (see
:mod:`poster_tool.core.exchange.atomic`).  The JSON layout is described by
``resources/export.schema.json`` and, field by field, in ``docs/export.md``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import poster_tool
from poster_tool.core.errors import PosterToolError
from poster_tool.core.exchange.atomic import atomic_output, copy_atomic, sync_folder
from poster_tool.core.final_genres import MODEL, SOURCE, Verdict, verdicts
from poster_tool.core.imaging import FORMATS
from poster_tool.core.progress import Meter, Progress
from poster_tool.core.records import Poster, Title
from poster_tool.core.taxonomy import GENRES
from poster_tool.core.tempfiles import remove_stale
from poster_tool.shipped import shipped

if TYPE_CHECKING:
    from poster_tool.core.catalog.store import PosterStore
    from poster_tool.core.workspace import Workspace

SCHEMA_VERSION = 1
EXPORT_FORMATS: tuple[str, ...] = ("json", "csv")
SENSITIVE_MODES: tuple[str, ...] = ("exclude", "flag")
SCHEMA_PATH = shipped("resources") / "export.schema.json"
CHUNK = 200  # titles gathered per round of queries (and per progress report)

# One row per poster and genre; documented in docs/export.md.  The score columns follow the
# taxonomy's order, which is also the order of the GUI's genre chips.
CSV_COLUMNS: tuple[str, ...] = (
    "title_id",
    "title_key",
    "imdb_id",
    "tmdb_id",
    "title",
    "original_title",
    "year",
    "title_genres",
    "default_poster_id",
    "poster_id",
    "pool_position",
    "sha256",
    "path",
    "source_url",
    "image_file",
    "file_format",
    "width",
    "height",
    "orientation",
    "is_default",
    "sensitive",
    "sensitive_reason",
    "curated_by",
    "genre",
    "provenance",
    "curator",
    "model_score",
    "model_version",
    *(f"score_{g}" for g in GENRES),
)


class ExportError(PosterToolError):
    """An export (or the import of one) cannot be made with what was given."""


@dataclass
class ExportReport:
    """What an export wrote; ``images_missing`` lists ``(poster id, stored path)``."""

    path: str
    format: str
    titles: int = 0
    posters: int = 0
    rows: int = 0
    images_copied: int = 0
    images_present: int = 0
    images_replaced: int = 0  # of those copied: a file of the right name was damaged
    images_missing: list[tuple[int, str]] = field(default_factory=list)
    size: int = 0
    held: list[int] = field(default_factory=list)  # approved, held for review (left out)
    provenance: dict[str, int] = field(default_factory=dict)  # posters carrying each kind

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready summary."""
        return {
            "path": self.path,
            "format": self.format,
            "titles": self.titles,
            "posters": self.posters,
            "rows": self.rows,
            "bytes": self.size,
            "held_for_review": self.held,
            "genres_from": self.provenance,
            "images": {
                "copied": self.images_copied,
                "already_there": self.images_present,
                "replaced": self.images_replaced,
                "missing": [{"poster_id": i, "path": p} for i, p in self.images_missing],
            },
        }

    def lines(self) -> list[str]:
        """A human summary, one fact per line."""
        unit = "rows" if self.format == "csv" else "bytes"
        amount = self.rows if self.format == "csv" else self.size
        out = [
            f"exported {self.posters} approved posters of {self.titles} titles to "
            f"{self.path} ({amount} {unit})"
        ]
        if self.images_copied or self.images_present:
            damaged = (
                f" ({self.images_replaced} of them replacing a damaged file)"
                if self.images_replaced
                else ""
            )
            out.append(
                f"images: {self.images_copied} copied{damaged}, {self.images_present} already there"
            )
        out.extend(
            f"image of poster {i} is missing from the workspace: {p}"
            for i, p in self.images_missing
        )
        out.append(genres_line(self.provenance, len(self.held)))
        return out


def genres_line(provenance: dict[str, int], held: int) -> str:
    """Where the exported genres come from, and how many approved posters wait for review."""
    line = (
        f"genres from: curator on {provenance.get('curator', 0)} posters, official on "
        f"{provenance.get('source', 0)}, model on {provenance.get('model', 0)}"
    )
    if held:
        line += (
            f"; {held} approved posters held back for review (the model is sure an "
            "official genre does not fit: decide their genres to export them)"
        )
    return line


def parse_since(text: str) -> str:
    """``--since`` as a catalog timestamp (UTC ISO-8601), for comparing with ``updated_at``.

    A bare date means midnight UTC; a time without a zone is taken as UTC.

    :raises ExportError: when the text is not a date
    """
    text = text.strip()
    try:
        if len(text) == 10:
            return f"{date.fromisoformat(text).isoformat()}T00:00:00+00:00"
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ExportError(
            f"{text!r} is not a date; write it as YYYY-MM-DD or YYYY-MM-DDTHH:MM"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


IMAGE_NAME = re.compile(r"[0-9a-f]{64}\.\w+")  # what image_name gives


def image_name(sha256: str, file_format: str) -> str:
    """The file name an exported image gets: its content hash and format extension."""
    return f"{sha256}.{FORMATS.get(file_format, 'img')}"


def export(
    workspace: Workspace,
    store: PosterStore,
    fmt: str,
    out: str | os.PathLike[str],
    since: str | None = None,
    include_images: str | os.PathLike[str] | None = None,
    sensitive: str = "exclude",
    reviewed_only: bool = False,
) -> Generator[Progress, None, ExportReport]:
    """Write the approved posters to ``out``; cancel by closing the generator.

    The export reads one snapshot of the catalog: it holds a read transaction on ``store``
    until it ends, so give it a store nobody writes through meanwhile (a worker's own).

    :param fmt: ``"json"`` or ``"csv"``
    :param since: only posters changed on or after this date (see :func:`parse_since`)
    :param include_images: a folder to copy the images into, named by SHA-256
    :param sensitive: ``"exclude"`` leaves sensitive posters out, ``"flag"`` keeps them flagged
    :param reviewed_only: only posters a reviewer accepted or overrode
    :raises ExportError: on a bad option or an unusable output path
    """
    if fmt not in EXPORT_FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; use json or csv")
    if sensitive not in SENSITIVE_MODES:
        raise ExportError(f"unknown sensitive option {sensitive!r}; use exclude or flag")
    out = Path(out).expanduser().absolute()
    if out.is_dir():
        raise ExportError(f"{out} is a folder; name a file, e.g. {out / ('posters.' + fmt)}")
    if not out.parent.is_dir():
        raise ExportError(f"cannot write {out}: the folder {out.parent} does not exist")
    since_key = parse_since(since) if since else None
    images_dir = Path(include_images).expanduser().absolute() if include_images else None
    if images_dir is not None:
        try:
            images_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ExportError(
                f"cannot create the images folder {images_dir}: {exc.strerror or exc}"
            ) from exc
        remove_stale(images_dir, IMAGE_NAME)
    remove_stale(out.parent, re.compile(re.escape(out.name)))  # a killed export's temp file

    # One read transaction: every query sees the same snapshot (WAL), so the counts in the
    # header match the posters written even while curators keep editing.
    with store.snapshot():
        report = yield from _write(
            workspace, store, fmt, out, since_key, images_dir, sensitive, reviewed_only
        )
    report.size = out.stat().st_size
    return report


def _write(
    workspace: Workspace,
    store: PosterStore,
    fmt: str,
    out: Path,
    since_key: str | None,
    images_dir: Path | None,
    sensitive: str,
    reviewed_only: bool,
) -> Generator[Progress, None, ExportReport]:
    changed, held, tally, found = _sort_out(
        store,
        store.approved_posters(
            since_key, include_sensitive=sensitive == "flag", reviewed_only=reviewed_only
        ),
    )
    title_ids = sorted({title_id for title_id, _ in changed})
    report = ExportReport(
        path=str(out),
        format=fmt,
        titles=len(title_ids),
        posters=len(changed),
        held=held,
        provenance=tally,
    )
    meter = Meter(f"export {fmt}", len(changed))
    yield meter.report("selecting posters")
    header = {
        "schema_version": SCHEMA_VERSION,
        "generator": f"Poster Studio {poster_tool.__version__}",
        "options": {
            "status": "approved",
            "since": since_key,
            "sensitive": sensitive,
            "reviewed_only": reviewed_only,
        },
        "genres": list(GENRES),
        "counts": {"titles": report.titles, "posters": report.posters},
        "images_dir": None if images_dir is None else _relative(images_dir, out.parent),
    }
    wanted, held_ids = {poster_id for _, poster_id in changed}, set(held)
    writer: _Writer = _JsonWriter() if fmt == "json" else _CsvWriter()
    try:
        with atomic_output(out) as fh:
            writer.begin(fh, header)
            for start in range(0, len(title_ids), CHUNK):
                chunk = title_ids[start : start + CHUNK]
                for entry in _gather(store, chunk, wanted, held_ids, found, sensitive):
                    if images_dir is not None:
                        _copy_images(workspace, entry["posters"], images_dir, report)
                    report.rows += writer.title(fh, entry)
                    meter.done += len(entry["posters"])
                yield meter.report()
            writer.end(fh)
            if images_dir is not None:
                sync_folder(images_dir)  # before the export that names these files appears
    except OSError as exc:
        raise ExportError(f"cannot write {out}: {exc.strerror or exc}") from exc
    return report


def _relative(folder: Path, base: Path) -> str:
    # Relative when possible, so an export and its images can move together.
    try:
        return Path(os.path.relpath(folder, base)).as_posix()
    except ValueError:  # another drive on Windows
        return folder.as_posix()


@dataclass
class ExportPreview:
    """What an export with these options would write, before writing anything."""

    titles: int
    posters: int
    held: list[int]
    provenance: dict[str, int]

    def to_dict(self) -> dict[str, object]:
        return {
            "titles": self.titles,
            "posters": self.posters,
            "held_for_review": self.held,
            "genres_from": self.provenance,
        }

    def lines(self) -> list[str]:
        return [
            f"would export {self.posters} approved posters of {self.titles} titles",
            genres_line(self.provenance, len(self.held)),
        ]


def preview(
    store: PosterStore,
    since: str | None = None,
    sensitive: str = "exclude",
    reviewed_only: bool = False,
) -> ExportPreview:
    """Count what :func:`export` would write with these options (``export --dry-run``)."""
    changed, held, tally, _ = _sort_out(
        store,
        store.approved_posters(
            parse_since(since) if since else None,
            include_sensitive=sensitive == "flag",
            reviewed_only=reviewed_only,
        ),
    )
    return ExportPreview(len({t for t, _ in changed}), len(changed), held, tally)


def _sort_out(
    store: PosterStore, changed: list[tuple[int, int]]
) -> tuple[list[tuple[int, int]], list[int], dict[str, int], dict[int, Verdict]]:
    """``changed`` without the posters the genre rule holds for review; those held; how
    many of the rest carry curator, official and model genres; and the rest's verdicts,
    which the export writes (the rule is applied to each poster once)."""
    held: set[int] = set()
    tally = {"curator": 0, SOURCE: 0, MODEL: 0}
    kept: dict[int, Verdict] = {}
    ids = [poster_id for _, poster_id in changed]
    for start in range(0, len(ids), CHUNK * 10):
        for poster_id, verdict in verdicts(store, ids[start : start + CHUNK * 10]).items():
            if verdict.held:
                held.add(poster_id)
                continue
            kept[poster_id] = verdict
            for kind in {g.provenance for g in verdict.genres}:
                tally[kind] += 1
    return [(t, p) for t, p in changed if p not in held], sorted(held), tally, kept


def _gather(
    store: PosterStore,
    title_ids: Sequence[int],
    wanted: set[int],
    held: set[int],
    known: dict[int, Verdict],
    sensitive: str,
) -> list[dict[str, Any]]:
    """The export entries of some titles: the title, its pool, its exported posters.

    :param held: the changed posters held for review; ``known``: the verdicts of the others
    """
    titles = store.titles(title_ids)
    sources = store.title_sources(title_ids)
    pools: dict[int, list[Poster]] = {}
    for title in titles:
        pools[title.id] = [
            p
            for p in store.pool(title.id)
            if p.status == "approved"
            and (sensitive == "flag" or not p.sensitive)
            and p.id not in held
        ]
    # Only the approved posters ``--since`` left out are new to the rule here.
    pooled = [p.id for pool in pools.values() for p in pool]
    found = verdicts(store, [i for i in pooled if i not in known])
    # Popped: each is written once, so memory does not hold every verdict to the end.
    found.update((i, known.pop(i)) for i in pooled if i in known)
    for title_id, pool in pools.items():  # held posters are not exported, nor in pools
        pools[title_id] = [p for p in pool if not found[p.id].held]
    ids = [p.id for pool in pools.values() for p in pool if p.id in wanted]
    extras = store.poster_extras(ids)
    labels = store.label_rows(ids)
    return [
        _title_entry(
            title, sources[title.id], pools[title.id], wanted, extras, labels, found, sensitive
        )
        for title in sorted(titles, key=lambda t: t.id)
    ]


def _title_entry(
    title: Title,
    source: str,
    pool: list[Poster],
    wanted: set[int],
    extras: dict[int, tuple],
    labels: dict[int, list[tuple]],
    found: dict[int, Verdict],
    sensitive: str,
) -> dict[str, Any]:
    pool_ids = [p.id for p in pool]
    default = title.default_poster_id if title.default_poster_id in pool_ids else None
    return {
        "id": title.id,
        "key": title.key,
        "name": title.name,
        "original_name": title.original_name,
        "year": title.year,
        "imdb_id": title.imdb_id,
        "tmdb_id": title.tmdb_id,
        "source": source,
        "genres": list(title.genres),
        "default_poster_id": default,
        "pool": pool_ids,
        "posters": [
            _poster_entry(p, position, extras[p.id], labels.get(p.id, []), found[p.id], sensitive)
            for position, p in enumerate(pool, start=1)
            if p.id in wanted
        ],
    }


def _poster_entry(
    poster: Poster,
    position: int,
    extra: tuple,
    labels: list[tuple],
    verdict: Verdict,
    sensitive: str,
) -> dict[str, Any]:
    file_format, file_size, curated_by, curated_at, updated_at, source = extra
    found: dict[str, list[str]] = {"source": [], "curator": [], "model": []}
    scores: dict[str, float] = {}
    model_version = scored_at = None
    for genre, label_source, positive, score, version, _curator, created_at in labels:
        if label_source == "model":
            scores[genre] = score
            model_version, scored_at = version, created_at
        if positive:
            found[label_source].append(genre)
    flagged = sensitive == "flag" and poster.sensitive
    return {
        "id": poster.id,
        "pool_position": position,
        "sha256": poster.sha256,
        "path": poster.path,
        "file_format": file_format,
        "file_size": file_size,
        "source": source,
        "source_url": poster.source_url,
        "image": None,  # set when the image is copied (--include-images)
        "width": poster.width,
        "height": poster.height,
        "orientation": poster.orientation,
        "synthetic": poster.synthetic,
        "is_default": poster.is_default,
        "sensitive": flagged,
        "sensitive_reason": poster.sensitive_reason if flagged else None,
        "curated": poster.curated,
        "curated_by": curated_by,
        "curated_at": curated_at,
        "updated_at": updated_at,
        "genres": [g.to_dict() for g in verdict.genres],
        "source_genres": found["source"],
        "model": None
        if not scores
        else {
            "version": model_version or poster.model_version,
            "scored_at": scored_at,
            "uncertainty": poster.model_uncertainty,
            "scores": scores,
            "genres": found["model"],
        },
    }


def _copy_images(
    workspace: Workspace, posters: list[dict[str, Any]], folder: Path, report: ExportReport
) -> None:
    for poster in posters:
        name = image_name(poster["sha256"], poster["file_format"])
        target = folder / name
        if target.is_file() and target.stat().st_size == poster["file_size"]:
            # Hashed, not trusted by name and size: a damaged copy would break the backup.
            if _file_sha256(target) == poster["sha256"]:
                report.images_present += 1
                poster["image"] = name
                continue
            report.images_replaced += 1
        source = workspace.image_path(poster["path"])
        if not source.is_file():
            report.images_missing.append((poster["id"], poster["path"]))
            continue
        copy_atomic(source, target, sync=False)  # the folder is synced once, at the end
        report.images_copied += 1
        poster["image"] = name


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _json(value: object, **kwargs: Any) -> str:
    # allow_nan=False: NaN is not JSON, and a consumer's parser would choke on it.
    return json.dumps(value, ensure_ascii=False, sort_keys=True, allow_nan=False, **kwargs)


def _score_text(score: float | None) -> str:
    return "" if score is None else repr(float(score))


class _Writer:
    """Streams one export format: a header, one entry per title, an ending."""

    def begin(self, fh: BinaryIO, header: dict[str, Any]) -> None:
        raise NotImplementedError

    def title(self, fh: BinaryIO, entry: dict[str, Any]) -> int:
        """Write one title; return the rows (CSV) or posters (JSON) written."""
        raise NotImplementedError

    def end(self, fh: BinaryIO) -> None:
        """Finish the file."""


class _JsonWriter(_Writer):
    """UTF-8 without BOM (RFC 8259); the header indented, then one title per line."""

    def __init__(self) -> None:
        self._first = True

    def begin(self, fh: BinaryIO, header: dict[str, Any]) -> None:
        head = _json(header, indent=2)
        fh.write((head[:-2] + ',\n  "titles": [').encode())

    def title(self, fh: BinaryIO, entry: dict[str, Any]) -> int:
        sep = "\n    " if self._first else ",\n    "
        self._first = False
        fh.write((sep + _json(entry, separators=(",", ":"))).encode())
        return len(entry["posters"])

    def end(self, fh: BinaryIO) -> None:
        fh.write(b"]\n}\n" if self._first else b"\n  ]\n}\n")


class _CsvWriter(_Writer):
    """UTF-8 with a BOM (so Excel reads Korean titles right), CRLF rows (RFC 4180)."""

    def begin(self, fh: BinaryIO, header: dict[str, Any]) -> None:
        fh.write(("\ufeff" + _csv_text([CSV_COLUMNS])).encode())

    def title(self, fh: BinaryIO, entry: dict[str, Any]) -> int:
        rows = [row for p in entry["posters"] for row in _csv_rows(entry, p)]
        fh.write(_csv_text(rows).encode())
        return len(rows)


def _csv_text(rows: Sequence[Sequence[object]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def _csv_rows(title: dict[str, Any], poster: dict[str, Any]) -> list[list[object]]:
    """One row per final genre; a poster without any genre still gets one row."""
    model = poster["model"] or {"scores": {}, "version": None}
    common = [
        title["id"],
        title["key"],
        title["imdb_id"],
        title["tmdb_id"],
        title["name"],
        title["original_name"],
        title["year"],
        "|".join(title["genres"]),
        title["default_poster_id"],
        poster["id"],
        poster["pool_position"],
        poster["sha256"],
        poster["path"],
        poster["source_url"],
        poster["image"],
        poster["file_format"],
        poster["width"],
        poster["height"],
        poster["orientation"],
        int(poster["is_default"]),
        int(poster["sensitive"]),
        poster["sensitive_reason"],
        poster["curated_by"],
    ]
    scores = [_score_text(model["scores"].get(g)) for g in GENRES]
    labels = poster["genres"] or [{"genre": None, "provenance": None, "curator": None}]
    return [
        [
            *common,
            lab["genre"],
            lab["provenance"],
            lab["curator"],
            _score_text(model["scores"].get(lab["genre"])),
            model["version"],
            *scores,
        ]
        for lab in labels
    ]
