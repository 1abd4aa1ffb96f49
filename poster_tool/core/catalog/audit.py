"""The audit log: every curator edit, appended in the transaction of the edit."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from poster_tool.core.catalog.connection import Connection, in_clause, now
from poster_tool.core.records import AuditEntry

# The curator edits a reviewer decides on (the decisions and profile edits are not).
REVIEWED_ACTIONS = ("status", "genres", "sensitive", "default", "needs_review")
ACTIONS_SQL = ", ".join(f"'{a}'" for a in REVIEWED_ACTIONS)
# Edits of a poster no reviewer has decided on yet.
PENDING_SQL = (
    f"SELECT a.id FROM audit_log a WHERE a.poster_id = {{poster}} AND a.action IN ({ACTIONS_SQL}) "
    "AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.audit_id = a.id)"
)
# A reviewed poster: a reviewer accepted or overrode its edits, and none waits since.
REVIEWED_SQL = (
    "(EXISTS (SELECT 1 FROM audit_log a JOIN reviews r ON r.audit_id = a.id "
    "WHERE a.poster_id = {poster} AND r.decision IN ('accepted', 'overridden')) "
    "AND NOT EXISTS (" + PENDING_SQL + "))"
)


class AuditLog(Connection):
    """The ``audit_log`` table (append-only: triggers refuse updates and deletes)."""

    def audit(
        self,
        curator: str,
        action: str,
        poster_id: int | None,
        title_id: int | None,
        before: object,
        after: object,
    ) -> None:
        """Append one entry to the audit log (call inside the transaction of the change)."""
        self.audit_many(curator, action, [(poster_id, title_id, before, after)])

    def audit_many(
        self,
        curator: str,
        action: str,
        entries: Iterable[tuple[int | None, int | None, object, object]],
    ) -> None:
        """Append the entries ``(poster id, title id, before, after)`` of one edit, stamped
        alike, in one statement (call inside the transaction of the change)."""
        stamp = now()
        self._many(
            "INSERT INTO audit_log(at, curator, action, poster_id, title_id, before, after) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    stamp,
                    curator,
                    action,
                    poster_id,
                    title_id,
                    json.dumps(before, ensure_ascii=False),
                    json.dumps(after, ensure_ascii=False),
                )
                for poster_id, title_id, before, after in entries
            ],
        )

    def audit_log(
        self,
        poster_id: int | None = None,
        limit: int = 100,
        *,
        curator: str | None = None,
        action: str | None = None,
    ) -> list[AuditEntry]:
        """The newest audit entries: of one poster (or of the whole catalog), of one
        curator (or of all), of one action (or of all)."""
        clauses, params = [], []
        for column, value in (("poster_id", poster_id), ("curator", curator), ("action", action)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        where = " AND ".join(clauses) or "TRUE"
        return self._audit_entries(f"{where} ORDER BY id DESC LIMIT ?", [*params, limit])

    def posters_history(
        self, ids: Sequence[int], *, profiles: bool = False, limit: int = 500
    ) -> list[AuditEntry]:
        """The newest audit entries of these posters (and with ``profiles``, of every viewer
        profile), newest first: what the History dock lists."""
        where, params = in_clause("poster_id", ids)
        if profiles:
            where = f"({where} OR action = 'profile')"
        return self._audit_entries(f"{where} ORDER BY id DESC LIMIT ?", [*params, limit])

    def curator_labellings(self) -> dict[str, dict[int, list[str]]]:
        """Curator -> poster id -> the genres that curator last gave it (from the audit log,
        since the catalog keeps one set of curator labels per poster); posters whose labels
        the curator last withdrew are left out."""
        last: dict[str, dict[int, list[str] | None]] = {}
        for who, poster_id, after in self._rows(
            "SELECT curator, poster_id, after FROM audit_log "
            "WHERE action = 'genres' AND poster_id IS NOT NULL ORDER BY id"
        ):
            last.setdefault(who, {})[poster_id] = json.loads(after or "null")
        return {
            who: {p: genres for p, genres in posters.items() if genres is not None}
            for who, posters in last.items()
        }

    def _audit_entries(self, where: str, params: Sequence[Any]) -> list[AuditEntry]:
        return [
            AuditEntry(
                entry_id,
                at,
                who,
                action,
                poster,
                title,
                json.loads(before or "null"),
                json.loads(after or "null"),
            )
            for entry_id, at, who, action, poster, title, before, after in self._rows(
                "SELECT id, at, curator, action, poster_id, title_id, before, after "
                f"FROM audit_log WHERE {where}",
                params,
            )
        ]
