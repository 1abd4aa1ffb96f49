"""The audit log: every curator edit, appended in the transaction of the edit."""

from __future__ import annotations

import json

from poster_tool.core.catalog.connection import Connection, now
from poster_tool.core.records import AuditEntry


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
        self._db.execute(
            "INSERT INTO audit_log(at, curator, action, poster_id, title_id, before, after) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                now(),
                curator,
                action,
                poster_id,
                title_id,
                json.dumps(before, ensure_ascii=False),
                json.dumps(after, ensure_ascii=False),
            ],
        )

    def audit_log(
        self, poster_id: int | None = None, limit: int = 100, *, curator: str | None = None
    ) -> list[AuditEntry]:
        """The newest audit entries: of one poster (or of the whole catalog), of one
        curator (or of all)."""
        clauses, params = [], []
        for column, value in (("poster_id", poster_id), ("curator", curator)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        entries = []
        for entry_id, at, who, action, poster, title, before, after in self._rows(
            f"SELECT id, at, curator, action, poster_id, title_id, before, after "
            f"FROM audit_log {where} ORDER BY id DESC LIMIT ?",
            [*params, limit],
        ):
            entries.append(
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
            )
        return entries
