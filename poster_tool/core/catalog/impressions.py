"""Imported impression logs of poster experiments (``impression_logs``, ``impressions``),
and the look-ups an import needs (title and poster references), so the import itself is
plain Python over dictionaries."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from poster_tool.core.catalog.audit import AuditLog
from poster_tool.core.catalog.connection import now


@dataclass(frozen=True)
class LogInfo:
    """One imported impression log."""

    id: int
    file_name: str
    file_sha256: str
    encoding: str
    rows: int
    plays: int
    skipped: int  # repeated rows left out (in the file or already in the catalog)
    imported_at: str
    curator: str

    def to_dict(self) -> dict[str, object]:
        """JSON-ready."""
        return dict(self.__dict__)


_LOG_COLUMNS = "id, file_name, file_sha256, encoding, rows, plays, skipped, imported_at, curator"


@dataclass(frozen=True)
class StoredImpressions:
    """Impressions of some logs, oldest first, as arrays (``profile`` '' when none)."""

    title_id: np.ndarray
    poster_id: np.ndarray
    propensity: np.ndarray
    played: np.ndarray
    viewer: list[str]
    profile: list[str]
    arm: list[str]


class ImpressionRows(AuditLog):
    """The ``impression_logs`` and ``impressions`` tables."""

    def title_refs(self) -> dict[str, int]:
        """Every way a log may name a title (catalog id, key, IMDb id, TMDB id) -> title id."""
        refs: dict[str, int] = {}
        for tid, key, imdb, tmdb in self._run("SELECT id, key, imdb_id, tmdb_id FROM titles"):
            refs[key] = tid
            if imdb:
                refs[imdb] = tid
            if tmdb is not None:
                refs.setdefault(str(tmdb), tid)
        for (tid,) in self._run("SELECT id FROM titles"):
            refs[str(tid)] = tid  # the catalog id wins over a TMDB id that looks the same
        return refs

    def poster_refs(self) -> tuple[dict[int, int], dict[str, int]]:
        """Poster id -> its title id, and sha256 (lower case) -> poster id."""
        titles: dict[int, int] = {}
        shas: dict[str, int] = {}
        for pid, tid, sha in self._run("SELECT id, title_id, sha256 FROM posters"):
            titles[pid] = tid
            shas.setdefault(sha.lower(), pid)
        return titles, shas

    def find_log(self, file_sha256: str) -> LogInfo | None:
        """The log imported from a file with this content, if any."""
        row = self._run(
            f"SELECT {_LOG_COLUMNS} FROM impression_logs WHERE file_sha256 = ?", [file_sha256]
        ).fetchone()
        return None if row is None else LogInfo(*row)

    def insert_log(
        self,
        info: LogInfo,
        rows: Sequence[tuple],
    ) -> LogInfo:
        """Store a log and its impressions in one transaction, audited; return it as stored.

        :param info: the file's name, hash, encoding, curator and the repeats skipped in it

        :param rows: ``(shown_at, viewer, profile, title_id, poster_id, propensity, arm, played,
            minutes)``; rows already in the catalog (same viewer, title, poster and time) are
            left out
        """
        with self.transaction():
            log_id = self._insert(
                "INSERT INTO impression_logs(file_name, file_sha256, encoding, rows, plays, "
                "skipped, imported_at, curator) VALUES (?, ?, ?, 0, 0, 0, ?, ?)",
                [info.file_name, info.file_sha256, info.encoding, now(), info.curator],
            )
            last_id = self._run("SELECT coalesce(max(id), 0) FROM impressions").fetchone()[0]
            inserted = self._many(
                "INSERT INTO impressions(log_id, shown_at, viewer, profile, "
                "title_id, poster_id, propensity, arm, played, minutes) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                ((log_id, *row) for row in rows),
            )
            # The new rows are the ids after the last one: a range, not a scan of every log.
            plays = self._run(
                "SELECT coalesce(sum(played), 0) FROM impressions WHERE id > ?", [last_id]
            ).fetchone()[0]
            self._run(
                "UPDATE impression_logs SET rows = ?, plays = ?, skipped = ? WHERE id = ?",
                [inserted, plays, info.skipped + len(rows) - inserted, log_id],
            )
            self.audit(
                info.curator,
                "import impressions",
                None,
                None,
                None,
                {"log": log_id, "file": info.file_name, "rows": inserted},
            )
        stored = self.find_log(info.file_sha256)
        assert stored is not None  # just committed
        return stored

    def list_logs(self) -> list[LogInfo]:
        """Every imported log, oldest first."""
        return [
            LogInfo(*row)
            for row in self._run(f"SELECT {_LOG_COLUMNS} FROM impression_logs ORDER BY id")
        ]

    def delete_log(self, log_id: int, curator: str) -> bool:
        """Remove a log and its impressions, audited; False when there is no such log."""
        with self.transaction():
            gone = self._run("DELETE FROM impression_logs WHERE id = ?", [log_id]).rowcount
            if gone:
                self.audit(curator, "delete impressions", None, None, {"log": log_id}, None)
        return bool(gone)

    def load_impressions(self, log_ids: Sequence[int] | None = None) -> StoredImpressions:
        """The impressions of these logs (all when ``None``), oldest first."""
        where, params = "", []
        if log_ids is not None:
            where, params = (
                "WHERE log_id IN (SELECT value FROM json_each(?))",
                [json.dumps(log_ids)],
            )
        rows = self._run(
            "SELECT title_id, poster_id, propensity, played, viewer, coalesce(profile, ''), "
            f"coalesce(arm, '') FROM impressions {where} ORDER BY shown_at, id",
            params,
        ).fetchall()
        columns = list(zip(*rows, strict=True)) if rows else [()] * 7
        return StoredImpressions(
            np.array(columns[0], np.int64),
            np.array(columns[1], np.int64),
            np.array(columns[2], np.float64),
            np.array(columns[3], bool),
            list(columns[4]),
            list(columns[5]),
            list(columns[6]),
        )
