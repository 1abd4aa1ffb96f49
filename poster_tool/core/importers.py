"""Importers: a CSV manifest (``id,title,year,genres,path``) and a folder per title.

Both are generators of :class:`~poster_tool.core.progress.Progress` returning an
:class:`ImportReport`.  They are idempotent (a second run adds nothing: rows already
imported are recognised by their source file before it is read), they commit in small
batches (a killed import leaves whole posters only, and a re-run completes the rest), and
one bad file never stops them: it is listed in the report with the reason.
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from collections.abc import Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from poster_tool.core.errors import IntakeError, ManifestError, StoreError
from poster_tool.core.imaging import CheckedImage, check_file, read_regular
from poster_tool.core.intake import Intake, IntakeTally, store_files
from poster_tool.core.progress import Meter, Progress
from poster_tool.core.records import TitleIn
from poster_tool.core.taxonomy import resolve_all, split_genres

if TYPE_CHECKING:
    from poster_tool.core.catalog.store import PosterStore
    from poster_tool.core.workspace import Workspace

REQUIRED_COLUMNS = ("id", "title", "year", "genres")
BATCH = 64  # posters per transaction: small enough that a kill loses little work
MAX_MANIFEST_BYTES = 1 << 30  # a million-row manifest is ~100 MB
MAX_GENRES_BYTES = 1 << 16  # a genres.txt names a few genres
NOT_UTF8 = "the name is not valid UTF-8; rename it and import again"
ENCODINGS = ("utf-8-sig", "cp949")  # UTF-8 first; Korean catalogs are often CP949/EUC-KR
IMDB_ID = re.compile(r"^tt\d{5,10}$")
FOLDER_NAME = re.compile(r"^(?P<name>.+?)\s*\((?P<year>\d{4})\)\s*$")


@dataclass(kw_only=True)
class ImportReport(IntakeTally):
    """What an import did; ``refused`` lists ``(file or row, reason)``."""

    rows: int = 0
    queued_urls: int = 0
    encoding: str = "utf-8"
    untitled: list[str] = field(default_factory=list)  # ids that stand in for empty titles

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready summary."""
        return {
            "rows": self.rows,
            "titles": {"new": self.titles_new, "existing": self.titles_existing},
            "posters": self.poster_counts(),
            "queued_urls": self.queued_urls,
            "refused": [{"item": item, "reason": reason} for item, reason in self.refused],
            "unknown_genres": dict(self.unknown_genres),
            "untitled": list(self.untitled),
            "encoding": self.encoding,
        }

    def lines(self) -> list[str]:
        """A human summary, one fact per line."""
        out = [
            f"titles: {self.titles_new} new, {self.titles_existing} already in the catalog",
            f"posters: {self.posters_new} new, {self.posters_existing} already imported, "
            f"{self.duplicates} duplicates, {self.near_duplicates} near-duplicates, "
            f"{len(self.refused)} refused",
        ]
        if self.queued_urls:
            out.append(f"{self.queued_urls} poster URLs queued: run 'poster-tool crawl urls'")
        if self.untitled:
            shown = ", ".join(one_line(i) for i in self.untitled[:5])
            shown += " …" if len(self.untitled) > 5 else ""
            out.append(
                f"{len(self.untitled)} rows had an empty title: named by their id "
                f"({shown}); fix the names in the manifest and import it again"
            )
        unknown = self.unknown_genres_line()
        if unknown:
            out.append(unknown)
        out.extend(f"refused {item}: {reason}" for item, reason in self.refused)
        return out


@dataclass(frozen=True)
class _Item:
    title: TitleIn
    file: Path
    unknown: tuple[str, ...] = ()


def read_manifest_text(path: Path, encoding: str | None = None) -> tuple[str, str]:
    """The manifest's text and the encoding that decoded it.

    :raises ManifestError: when the file is missing or in none of the accepted encodings
    """
    try:
        raw = read_regular(path, MAX_MANIFEST_BYTES)
    except OSError as exc:
        raise ManifestError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        return decode_text(raw, encoding)
    except ValueError as exc:
        raise ManifestError(
            f"{path} is {exc}; save it as UTF-8 or name its encoding with --encoding"
        ) from None


def decode_text(raw: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Text in ``encoding``, else in the first of :data:`ENCODINGS` that decodes it.

    :raises ManifestError: for an unknown ``encoding``
    :raises ValueError: ``not <encodings> text (byte 0x.. on line N)``
    """
    for enc in (encoding,) if encoding else ENCODINGS:
        try:
            return raw.decode(enc), enc.replace("-sig", "")
        except UnicodeDecodeError as exc:
            error = exc
        except LookupError as exc:
            raise ManifestError(f"unknown encoding {encoding!r}") from exc
    line = raw[: error.start].count(b"\n") + 1
    tried = encoding or " or ".join(e.replace("-sig", "") for e in ENCODINGS)
    raise ValueError(f"not {tried} text (byte 0x{raw[error.start]:02x} on line {line})")


def shown(path: Path) -> str:
    """A path as text that can always be printed and stored on one line: undecodable bytes
    of a file name (kept by Python as surrogates) appear as ``\\xNN``, control characters
    (a newline in a manifest's path) as escapes."""
    return one_line(
        str(path).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    )


def one_line(text: str) -> str:
    """``text`` with control characters (a newline inside a CSV field) as escapes."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _refuse_undecodable(folder: Path) -> None:
    if _undecodable(folder):
        raise ManifestError(f"{shown(folder)}: the folder's path is not valid UTF-8; rename it")


def _undecodable(path: Path) -> bool:
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _title_from_row(row: dict[str, str], line: int) -> tuple[TitleIn, list[str]]:
    ident = (row.get("id") or "").strip()
    if not ident:
        raise ManifestError(f"line {line}: the id is empty")
    name = (row.get("title") or "").strip() or ident  # real catalogs have gaps
    year_text = (row.get("year") or "").strip()
    year = int(float(year_text)) if re.fullmatch(r"[0-9]{4}(\.0)?", year_text) else None
    resolution = resolve_all(split_genres(row.get("genres") or ""))
    imdb_id = (row.get("imdb_id") or "").strip() or (ident if IMDB_ID.match(ident) else None)
    tmdb_text = (row.get("tmdb_id") or "").strip()
    # At most 18 digits: the id must fit SQLite's 64-bit INTEGER.
    tmdb_ok = re.fullmatch(r"[0-9]{1,18}(\.0)?", tmdb_text)
    tmdb_id = int(tmdb_text.split(".")[0]) if tmdb_ok else None
    key = f"imdb:{imdb_id}" if imdb_id and imdb_id == ident else f"csv:{ident}"
    title = TitleIn(
        key=key,
        name=name,
        year=year,
        imdb_id=imdb_id,
        tmdb_id=tmdb_id,
        genres=tuple(resolution.genres),
        source="csv",
    )
    return title, resolution.unknown


def import_csv(
    workspace: Workspace, store: PosterStore, manifest: str | Path, encoding: str | None = None
) -> Generator[Progress, None, ImportReport]:
    """Import a CSV manifest; paths are relative to the manifest's folder, or absolute.

    Rows with a ``url`` instead of a ``path`` create their title and queue the URL for
    the crawler (``poster-tool crawl urls``).
    """
    manifest = Path(manifest)
    _refuse_undecodable(manifest.resolve().parent)  # relative poster paths start there
    text, used = read_manifest_text(manifest, encoding)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        columns = [c.strip() for c in reader.fieldnames or []]
    except csv.Error as exc:
        raise ManifestError(f"{manifest}: the header line cannot be read ({exc})") from exc
    reader.fieldnames = columns
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if "path" not in columns and "url" not in columns:
        missing.append("path (or url)")
    if missing:
        raise ManifestError(
            f"{manifest} lacks the column(s) {', '.join(missing)}; a manifest needs "
            "id,title,year,genres and path or url (found: " + (", ".join(columns) or "none") + ")"
        )
    report = ImportReport(encoding=used)
    items: list[_Item] = []
    for line, row in _rows(reader, manifest.name, report):
        report.rows += 1
        try:
            title, unknown = _title_from_row(row, line)
        except ManifestError as exc:
            report.refused.append((f"{manifest.name} line {line}", str(exc).split(": ", 1)[-1]))
            continue
        if not (row.get("title") or "").strip():
            report.untitled.append(title.name)
        path_text = (row.get("path") or "").strip()
        url = (row.get("url") or "").strip()
        if "\0" in path_text:  # no file system allows it; Python refuses it with ValueError
            report.refused.append((f"{manifest.name} line {line}", "the path holds a NUL byte"))
        elif path_text:
            file = Path(path_text)
            items.append(
                _Item(title, file if file.is_absolute() else manifest.parent / file, tuple(unknown))
            )
        elif url:
            report.unknown_genres.update(unknown)
            _queue_url(store, report, title, url)
        else:
            report.refused.append((f"{manifest.name} line {line}", "neither a path nor a url"))
    return (yield from _ingest_items(workspace, store, items, "csv", report))


def _rows(
    reader: csv.DictReader[str], name: str, report: ImportReport
) -> Iterator[tuple[int, dict[str, str]]]:
    """The manifest's rows with their line numbers; a row the CSV reader refuses (a field
    over its 131,072-character limit) is listed in the report and the next row follows."""
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            report.rows += 1
            report.refused.append((f"{name} line {line}", f"the row cannot be read ({exc})"))
            continue
        yield line, row


def _queue_url(store: PosterStore, report: ImportReport, title: TitleIn, url: str) -> None:
    title_id, created = store.upsert_title(title)
    report.count_title(created)
    report.queued_urls += sum(store.queue_tasks("urls", [(url, "poster", {"title_id": title_id})]))


def import_dir(
    workspace: Workspace, store: PosterStore, folder: str | Path
) -> Generator[Progress, None, ImportReport]:
    """Import a folder holding one sub-folder per title, named like ``Parasite (2019)``.

    A title folder may hold ``genres.txt`` (``Drama|Thriller``); every other file is a
    poster candidate, checked by content.  A folder with images and no sub-folders is
    taken as a single title.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ManifestError(f"{shown(folder)} is not a folder")
    _refuse_undecodable(folder.resolve())
    report = ImportReport()
    subdirs = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    title_dirs = subdirs or [folder]
    if subdirs:
        for loose in sorted(p for p in folder.iterdir() if p.is_file()):
            if not loose.name.startswith("."):
                report.refused.append((shown(loose), "not inside a title folder"))
    items: list[_Item] = []
    for title_dir in title_dirs:
        if _undecodable(title_dir):
            report.refused.append((shown(title_dir), NOT_UTF8))
            continue
        match = FOLDER_NAME.match(title_dir.name)
        name, year = (match["name"], int(match["year"])) if match else (title_dir.name, None)
        resolution = resolve_all(_folder_genres(title_dir / "genres.txt", report))
        title = TitleIn(
            key=f"dir:{title_dir.name}",
            name=name.strip(),
            year=year,
            genres=tuple(resolution.genres),
            source="dir",
        )
        files = []
        for p in sorted(title_dir.iterdir()):
            if not p.is_file() or p.name == "genres.txt" or p.name.startswith("."):
                continue
            if _undecodable(p):
                report.refused.append((shown(p), NOT_UTF8))
            else:
                files.append(p)
        report.rows += len(files)
        items.extend(_Item(title, f, tuple(resolution.unknown)) for f in files)
        if not files:
            report.refused.append((str(title_dir), "the folder holds no files"))
    return (yield from _ingest_items(workspace, store, items, "dir", report))


def _folder_genres(file: Path, report: ImportReport) -> list[str]:
    """The genre names of a title folder's ``genres.txt`` (UTF-8 or CP949), or none."""
    if not file.exists():
        return []
    try:
        return split_genres(decode_text(read_regular(file, MAX_GENRES_BYTES))[0])
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else str(exc)
        report.refused.append((str(file), f"{reason}; the title is imported without genres"))
        return []


def _checked(workspace: Workspace, file: Path) -> CheckedImage | IntakeError:
    # Runs in worker threads: decoding and file writes release the GIL.
    try:
        image = check_file(file)
        store_files(workspace, image)
    except IntakeError as exc:
        return exc
    except OSError as exc:  # a full disk: this poster waits for a re-run, the rest go on
        return IntakeError(f"{file}: cannot store the image ({exc.strerror or exc})")
    return image


@contextmanager
def full_disk_stops() -> Iterator[None]:
    """Turn SQLite's "database or disk is full" into one line: nothing more can be written,
    so the job stops, and what earlier transactions committed stays."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        if "full" not in str(exc):
            raise
        raise StoreError(
            "the disk is full, so the catalog cannot be written; free some space and run "
            "the same command again to finish (what was imported so far is kept)"
        ) from exc


def _ingest_items(
    workspace: Workspace, store: PosterStore, items: list[_Item], source: str, report: ImportReport
) -> Generator[Progress, None, ImportReport]:
    meter = Meter(f"import {source}", len(items))
    title_ids: dict[str, int] = {}
    intake = Intake(workspace, store)
    todo: list[tuple[_Item, int]] = []
    for item in items:
        if item.title.key not in title_ids:
            title_id, created = store.upsert_title(item.title)
            title_ids[item.title.key] = title_id
            report.count_title(created)
            report.unknown_genres.update(item.unknown)
        title_id = title_ids[item.title.key]
        ref = f"file:{item.file.resolve()}"
        if store.find_poster(title_id=title_id, source_ref=ref) is not None:
            report.posters_existing += 1
            meter.done += 1
            continue
        todo.append((item, title_id))
    yield meter.report("checking what is already imported")
    batches = [todo[start : start + BATCH] for start in range(0, len(todo), BATCH)]
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="intake") as pool:

        def check(batch: list[tuple[_Item, int]]) -> list[Future[CheckedImage | IntakeError]]:
            return [pool.submit(_checked, workspace, item.file) for item, _ in batch]

        ahead = check(batches[0]) if batches else []
        for n, batch in enumerate(batches):
            # Checked before the transaction, so the write lock is held for the inserts
            # only and an edit in the window never waits for image decoding; the next
            # batch is checked while this one is written, so a big catalog's slower
            # writes hide behind the decoding.
            results = [future.result() for future in ahead]
            ahead = check(batches[n + 1]) if n + 1 < len(batches) else []
            with full_disk_stops(), store.transaction():
                for (item, title_id), result in zip(batch, results, strict=True):
                    meter.done += 1
                    if isinstance(result, IntakeError):
                        report.refused.append((shown(item.file), str(result).split(": ", 1)[-1]))
                        meter.count("refused")
                        continue
                    outcome = intake.ingest(
                        result,
                        title_id=title_id,
                        source=source,
                        source_ref=f"file:{item.file.resolve()}",
                    )
                    report.count_poster(outcome.kind)
                    meter.count(outcome.kind)
            yield meter.report()
    return report
