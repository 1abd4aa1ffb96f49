"""The change feed: what other curators changed since a point of the audit log, and the check
that refuses an edit based on a view they have changed since.

A point is the id of the last audit entry a view of the catalog has taken in (0: none).
Audit ids only grow, so "what changed since N?" is one read of the log by its key.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from poster_tool.core.catalog.audit import AuditLog
from poster_tool.core.catalog.connection import in_clause
from poster_tool.core.errors import EditConflict
from poster_tool.core.records import AuditEntry

# The audit actions that change what a curator sees of a poster (reviewer decisions and
# "needs review" marks do not; an override is audited as the edits it makes).
EDIT_ACTIONS_SQL = "'status', 'genres', 'sensitive', 'default'"


def changed_posters(entries: Iterable[AuditEntry]) -> list[int]:
    """The posters these audit entries changed, in order: a new default also changes the
    title's previous default."""
    ids: dict[int, None] = {}
    for entry in entries:
        if entry.poster_id is not None:
            ids[entry.poster_id] = None
        if entry.action == "default" and isinstance(entry.before, int):
            ids[entry.before] = None
    return list(ids)


def local_time(at: str) -> str:
    """An audit time (UTC, ISO-8601) as the reader's local hours and minutes."""
    return datetime.fromisoformat(at).astimezone().strftime("%H:%M")


class ChangeFeed(AuditLog):
    """What changed in the catalog since a point of the audit log."""

    def last_change(self) -> int:
        """The catalog's current point: the id of its newest audit entry (0: none yet)."""
        return int(self._scalar("SELECT coalesce(max(id), 0) FROM audit_log"))

    def changes_since(self, point: int, limit: int = 10_000) -> list[AuditEntry]:
        """The audit entries after ``point``, oldest first (at most ``limit``: read on from
        the last one's id for the rest)."""
        return self._audit_entries("id > ? ORDER BY id LIMIT ?", [point, limit])

    @contextmanager
    def based_on(
        self, point: int, ids: Sequence[int], curator: str, *, reverting: bool = False
    ) -> Iterator[None]:
        """One write transaction for an edit of posters ``ids`` by ``curator`` based on the
        view at ``point``: refused when another curator has edited one of them since.

        :param reverting: the edit takes back the curator's own edit made at ``point``
            (an undo), so the refusal says it would overwrite the newer edit
        :raises EditConflict: saying who changed which poster when
        """
        with self.transaction():
            if ids:  # two curators' checks of the same posters (or title) take turns
                posters, params = in_clause("id", ids)
                self._lock("posters", posters, params)
                titles = f"id IN (SELECT title_id FROM posters WHERE {posters})"
                self._lock("titles", titles, params)
            newer = self._newer_edit(point, ids, curator)
            if newer is not None:
                what = (
                    f"Poster {newer.poster_id}"
                    if newer.poster_id in ids or newer.action != "default"
                    else f"The default poster of title {newer.title_id}"
                )
                tail = (
                    "after your edit, which would overwrite it"
                    if reverting
                    else "since you looked: look again"
                )
                raise EditConflict(
                    f"{what} was changed by {newer.curator} at {local_time(newer.at)} {tail}."
                )
            yield

    def _newer_edit(self, point: int, ids: Sequence[int], curator: str) -> AuditEntry | None:
        """Another curator's newest edit after ``point`` of these posters (or of the default
        of their titles)."""
        if not ids:
            return None
        posters, params = in_clause("poster_id", ids)
        titles, title_params = in_clause("id", ids)
        found = self._audit_entries(
            f"id > ? AND curator <> ? AND action IN ({EDIT_ACTIONS_SQL}) AND ({posters} OR "
            f"(action = 'default' AND title_id IN (SELECT title_id FROM posters WHERE {titles})))"
            " ORDER BY id DESC LIMIT 1",
            [point, curator, *params, *title_params],
        )
        return found[0] if found else None
