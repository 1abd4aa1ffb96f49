"""Importing an impression log: ``timestamp, viewer, title, poster, propensity, arm, played,
minutes`` as a streaming service writes it.

The whole file is checked before anything is stored: one bad row (an unknown title or
poster, a poster of another title, a missing, zero or impossible propensity, a played value
that is not 0 or 1, a row that repeats another with a different outcome) refuses the file,
with every bad row listed by line, so a log is in the catalog entirely or not at all.
Exact repeats of a row are harmless (logs are often exported with overlaps): they are
skipped and counted, in the file and against logs already imported.  The same file cannot
be imported twice.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from poster_tool.core.catalog.impressions import LogInfo
from poster_tool.core.errors import PosterToolError
from poster_tool.core.importers import read_manifest_text
from poster_tool.core.progress import Meter

if TYPE_CHECKING:
    from poster_tool.core.catalog.store import PosterStore
    from poster_tool.core.progress import Job

REQUIRED = ("timestamp", "viewer", "title", "poster", "propensity", "played")  # in _row order
OPTIONAL = ("arm", "minutes", "profile")
REPORT_EVERY = 50_000  # rows between progress reports
LISTED = 20  # bad rows named in the error; the rest are counted
_TRUE, _FALSE = {"1", "true", "yes"}, {"0", "false", "no"}


class LogError(PosterToolError):
    """An impression log that cannot be imported; ``problems`` lists every bad row."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = problems or []
        shown = "".join(f"\n  {p}" for p in self.problems[:LISTED])
        more = len(self.problems) - LISTED
        super().__init__(message + shown + (f"\n  … and {more} more" if more > 0 else ""))


@dataclass
class LogImport:
    """What an import stored."""

    log_id: int
    file_name: str
    encoding: str
    rows: int
    repeats_in_file: int
    already_imported: int
    plays: int
    columns_ignored: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready."""
        return dict(self.__dict__)

    def line(self) -> str:
        """One line for a terminal or a status bar."""
        skipped = self.repeats_in_file + self.already_imported
        return (
            f"log #{self.log_id} ({self.file_name}, {self.encoding}): {self.rows} impressions, "
            f"{self.plays} plays"
            + (
                f"; {skipped} repeated rows skipped ({self.repeats_in_file} in the file, "
                f"{self.already_imported} already imported)"
                if skipped
                else ""
            )
        )


def import_log(
    store: PosterStore, path: Path, curator: str, encoding: str | None = None
) -> Job[LogImport]:
    """Check a log file row by row, then store all of it in one transaction.

    :param encoding: the file's encoding (default: UTF-8, else CP949)
    :raises LogError: when the file is unreadable, has been imported, lacks a column or has
        bad rows (nothing is stored then)
    """
    meter = Meter("read log")
    yield meter.report(path.name)
    text, used = read_manifest_text(path, encoding)
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    earlier = store.find_log(sha)
    if earlier is not None:
        raise LogError(
            f"{path.name} was already imported as log #{earlier.id} on {earlier.imported_at[:10]}"
        )
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise LogError(
            f"{path.name} lacks the column(s) {', '.join(missing)}; a log needs "
            f"{', '.join(REQUIRED)} (and may have {', '.join(OPTIONAL)})"
        )
    # Column positions; a missing optional column reads the empty cell appended to each row.
    width = len(header)
    positions = [header.index(name) if name in header else width for name in _FIELDS]
    lookups = _Lookups(
        store.title_refs(),
        *store.poster_refs(),
        set(store.profile_names()) if "profile" in header else None,
    )
    total = text.count("\n")
    meter = Meter("check log", total)
    rows: list[tuple] = []
    seen: dict[tuple, tuple[int, tuple]] = {}
    problems: list[str] = []
    repeats = 0
    for line, cells in enumerate(reader, start=2):
        if line % REPORT_EVERY == 0:
            meter.done = line
            yield meter.report(f"{len(rows)} good rows, {len(problems)} bad")
        if not cells or (not cells[0] and not "".join(cells).strip()):
            continue  # a blank line, or one of only commas as spreadsheets write them
        cells += [""] * (width + 1 - len(cells))
        try:
            row = _row([cells[i].strip() for i in positions], lookups)
        except ValueError as exc:
            problems.append(f"line {line}: {exc}")
            continue
        key = (row[1], row[3], row[4], row[0])  # viewer, title, poster, time
        first = seen.get(key)
        if first is None:
            seen[key] = (line, row)
            rows.append(row)
        elif first[1] == row:
            repeats += 1
        else:
            problems.append(
                f"line {line}: repeats line {first[0]} (same viewer, title, poster and time) "
                "with another outcome"
            )
    if problems:
        raise LogError(f"{path.name}: {len(problems)} bad rows, nothing imported", problems)
    if not rows:
        raise LogError(f"{path.name} holds no impressions")
    # The last chance to cancel: once storing starts, the log goes in whole (no yield after).
    yield Meter("store log", len(rows)).report(f"{len(rows)} impressions")
    info = LogInfo(0, path.name, sha, used, 0, 0, repeats, "", curator)
    stored = store.insert_log(info, rows)
    return LogImport(
        stored.id,
        path.name,
        used,
        stored.rows,
        repeats,
        len(rows) - stored.rows,
        stored.plays,
        [h for h in header if h not in _FIELDS],
    )


@dataclass(frozen=True)
class _Lookups:
    """The catalog's references a row is checked against."""

    titles: dict[str, int]  # any title reference -> title id
    poster_title: dict[int, int]  # poster id -> title id
    by_sha: dict[str, int]  # sha256 -> poster id
    profiles: set[str] | None  # profile names, when the log has a profile column


_FIELDS = REQUIRED + OPTIONAL


def _row(cells: list[str], known: _Lookups) -> tuple:
    """One checked row as stored; ``ValueError`` says what is wrong with it.

    :param cells: the stripped values of ``_FIELDS``, in that order
    """
    stamp, viewer, title_ref, poster_ref, p_text, played, arm, minutes_text, profile = cells
    try:
        datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"timestamp {stamp!r} is not ISO-8601 (2025-05-01T20:15:00)") from None
    if not viewer:
        raise ValueError("the viewer is empty")
    title_id = known.titles.get(title_ref)
    if title_id is None:
        raise ValueError(f"unknown title {title_ref!r}")
    poster_id = int(poster_ref) if poster_ref.isdigit() else known.by_sha.get(poster_ref.lower())
    if poster_id is None or poster_id not in known.poster_title:
        raise ValueError(f"unknown poster {poster_ref!r} (give a poster id or its sha256)")
    if known.poster_title[poster_id] != title_id:
        raise ValueError(f"poster {poster_ref!r} belongs to another title than {title_ref!r}")
    if not p_text:
        raise ValueError("the propensity is missing")
    try:
        propensity = float(p_text)
    except ValueError:
        raise ValueError(f"propensity {p_text!r} is not a number") from None
    if propensity == 0:
        raise ValueError("the propensity is 0: a poster that could not be shown was shown")
    if not 0 < propensity <= 1:
        raise ValueError(f"propensity {p_text} is not a probability (0 < p <= 1)")
    flag = played.lower()
    if flag not in _TRUE and flag not in _FALSE:
        raise ValueError(f"played {played!r} is not 0 or 1")
    minutes = None
    if minutes_text:
        try:
            minutes = float(minutes_text)
        except ValueError:
            raise ValueError(f"minutes {minutes_text!r} is not a number") from None
        if minutes < 0:
            raise ValueError(f"minutes {minutes_text} is negative")
    if profile and known.profiles is not None and profile not in known.profiles:
        raise ValueError(f"unknown profile {profile!r}")
    return (
        stamp,
        viewer,
        profile or None,
        title_id,
        poster_id,
        propensity,
        arm or None,
        int(flag in _TRUE),
        minutes,
    )
