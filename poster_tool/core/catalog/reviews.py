"""The review pass: posters marked "needs review", the queue of curator edits no reviewer
has decided on, and the reviewer's decisions (accept or override), each one audited."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from poster_tool.core.catalog.audit import ACTIONS_SQL, PENDING_SQL, REVIEWED_SQL
from poster_tool.core.catalog.connection import in_clause, now
from poster_tool.core.catalog.edits import CuratorEdits
from poster_tool.core.errors import StoreError
from poster_tool.core.records import AuditEntry

DECISIONS = ("accepted", "overridden")
# An audit entry in the reviewer's queue: a reviewable poster edit nobody decided on.
_WAITING = (
    f"action IN ({ACTIONS_SQL}) AND poster_id IS NOT NULL AND NOT EXISTS "
    "(SELECT 1 FROM reviews r WHERE r.audit_id = audit_log.id)"
)


class ReviewRows(CuratorEdits):
    """The ``reviews`` table: one reviewer decision per decided audit entry."""

    def mark_needs_review(self, ids: Sequence[int], curator: str) -> list[int]:
        """Put posters in the reviewer's queue (even unedited ones), audited; the new audit
        entries' ids (an undo withdraws them)."""
        ids = list(dict.fromkeys(ids))
        with self.transaction():
            self._require_posters(ids)
            first = self.last_change()
            for poster_id in ids:
                self.audit(curator, "needs_review", poster_id, None, None, True)
            return self._entries_since(first, ids)

    def review_queue(
        self,
        curator: str | None = None,
        since: str | None = None,
        until: str | None = None,
        limit: int = 1000,
    ) -> list[AuditEntry]:
        """Curator edits no reviewer has decided on, by curator then date.

        :param since: only edits on or after this ISO date (or time)
        :param until: only edits before this ISO date (or time)
        """
        clauses = [_WAITING]
        params: list[Any] = []
        for clause, value in (("curator = ?", curator), ("at >= ?", since), ("at < ?", until)):
            if value is not None:
                clauses.append(clause)
                params.append(value)
        return self._audit_entries(
            f"{' AND '.join(clauses)} ORDER BY curator, at, id LIMIT ?", [*params, limit]
        )

    def review_curators(self) -> list[str]:
        """The curators with edits in the queue, by name."""
        return [
            r[0]
            for r in self._rows(
                f"SELECT DISTINCT curator FROM audit_log WHERE {_WAITING} ORDER BY 1"
            )
        ]

    def pending_edits(self, ids: Sequence[int]) -> dict[int, list[int]]:
        """Poster id -> ids of its audit entries that wait for a reviewer (posters with none
        are left out)."""
        pending: dict[int, list[int]] = {}
        for poster_id in dict.fromkeys(ids):
            found = [r[0] for r in self._rows(PENDING_SQL.format(poster="?"), [poster_id])]
            if found:
                pending[poster_id] = sorted(found)
        return pending

    def review(self, ids: Sequence[int], decision: str, reviewer: str) -> list[int]:
        """Decide on the waiting edits of posters, audited; the audit ids decided.

        ``overridden`` also puts each poster back as it was before its first waiting edit
        (the reviewer's restoring edits are decided at once, so they never wait).

        :raises StoreError: on an unknown decision or when no poster has a waiting edit
        """
        if decision not in DECISIONS:
            raise StoreError(f"unknown decision {decision!r}; use one of {', '.join(DECISIONS)}")
        with self.transaction():
            pending = self.pending_edits(ids)
            if not pending:
                raise StoreError("nothing to review: these posters have no edit waiting")
            if decision == "overridden":
                first = self.last_change()
                self.put_curation_state(
                    {i: self.state_before(i, entries[0]) for i, entries in pending.items()},
                    reviewer,
                )
                self._decide(self._entries_since(first, list(pending)), decision, reviewer)
            decided = [entry for entries in pending.values() for entry in entries]
            self._decide(decided, decision, reviewer)
            for poster_id, entries in pending.items():
                self.audit(reviewer, "review", poster_id, None, entries, decision)
            return decided

    def undo_review(
        self,
        decided: Sequence[int],
        reviewer: str,
        states: Mapping[int, Mapping[str, Any]] | None = None,
    ) -> None:
        """Take decisions back (the edits wait again), audited; with ``states`` (what
        :meth:`curation_state` read before an override) the posters get them back too."""
        with self.transaction():
            if states:
                first = self.last_change()
                self.put_curation_state(states, reviewer)
                self._decide(self._entries_since(first, list(states)), "withdrawn", reviewer)
            where, params = in_clause("a.id", decided)
            for poster_id, n in self._rows(
                f"SELECT a.poster_id, count(*) FROM audit_log a WHERE {where} GROUP BY a.poster_id",
                params,
            ):
                self.audit(reviewer, "review", poster_id, None, n, None)
            where, params = in_clause("audit_id", decided)
            self._run(f"DELETE FROM reviews WHERE {where}", params)

    def withdraw(self, entries: Sequence[int], reviewer: str) -> None:
        """Take "needs review" marks back (the undo of :meth:`mark_needs_review`)."""
        with self.transaction():
            self._decide(entries, "withdrawn", reviewer)

    def reviewed_posters(self, ids: Sequence[int]) -> set[int]:
        """Which of these posters a reviewer has accepted or overridden, with no edit
        waiting since."""
        where, params = in_clause("p.id", ids)
        return {
            r[0]
            for r in self._rows(
                f"SELECT p.id FROM posters p WHERE {where} AND "
                + REVIEWED_SQL.format(poster="p.id"),
                params,
            )
        }

    def _decide(self, entries: Sequence[int], decision: str, reviewer: str) -> None:
        stamp = now()
        self._many(
            "INSERT INTO reviews(audit_id, decision, reviewer, at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(audit_id) DO UPDATE SET decision = excluded.decision, "
            "reviewer = excluded.reviewer, at = excluded.at",
            [(e, decision, reviewer, stamp) for e in entries],
        )

    def _entries_since(self, last: int, ids: Sequence[int]) -> list[int]:
        """Reviewable audit entries of these posters written after entry ``last``."""
        where, params = in_clause("poster_id", ids)
        return [
            r[0]
            for r in self._rows(
                f"SELECT id FROM audit_log WHERE id > ? AND action IN ({ACTIONS_SQL}) AND {where} "
                "ORDER BY id",
                [last, *params],
            )
        ]
