"""Curator edits of posters: status, genres, sensitivity, default; each one audited."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from poster_tool.core.catalog.changes import ChangeFeed
from poster_tool.core.catalog.connection import in_clause, now
from poster_tool.core.catalog.posters import PosterRows
from poster_tool.core.errors import StoreError
from poster_tool.core.records import STATUSES
from poster_tool.core.taxonomy import GENRES, ordered


class CuratorEdits(PosterRows, ChangeFeed):
    """What a curator changes on posters, each change with its audit row in one transaction."""

    def _require_posters(self, ids: Iterable[int]) -> None:
        ids = list(ids)
        where, params = in_clause("id", ids)
        found = {r[0] for r in self._rows(f"SELECT id FROM posters WHERE {where}", params)}
        missing = [i for i in ids if i not in found]
        if missing:
            raise StoreError(f"no poster with id {', '.join(map(str, missing[:5]))}")

    def curation_state(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """What an undo needs to restore: status, curator genres (or None), sensitivity."""
        if not ids:
            return {}
        where, params = in_clause("id", ids)
        state = {
            r[0]: {"status": r[1], "sensitive": r[2], "genres": None if r[3] is None else []}
            for r in self._rows(
                "SELECT id, status, CASE WHEN sensitive = 1 THEN coalesce(sensitive_reason, '') "
                f"END, curated_at FROM posters WHERE {where}",
                params,
            )
        }
        where, params = in_clause("l.poster_id", ids)
        for poster_id, genre in self._rows(
            "SELECT l.poster_id, l.genre FROM poster_labels l JOIN genres g ON g.name = l.genre "
            f"WHERE l.source = 'curator' AND l.positive = 1 AND {where} ORDER BY g.position",
            params,
        ):
            if state[poster_id]["genres"] is not None:
                state[poster_id]["genres"].append(genre)
        return state

    def set_status(self, changes: Mapping[int, str], curator: str) -> None:
        """Set each poster's status (pending / approved / rejected), audited."""
        for status in changes.values():
            if status not in STATUSES:
                raise StoreError(f"unknown status {status!r}; use one of {', '.join(STATUSES)}")
        with self.transaction():
            self._require_posters(changes)
            before = self.curation_state(list(changes))
            changed = [
                (poster_id, before[poster_id]["status"], status)
                for poster_id, status in changes.items()
                if before[poster_id]["status"] != status
            ]
            # One statement a part: a large edit spends its time in SQLite, not in Python.
            stamp = now()

            def write(part: Sequence[tuple[int, str, str]]) -> None:
                self._many(
                    "UPDATE posters SET status = ?, updated_at = ? WHERE id = ?",
                    [(status, stamp, poster_id) for poster_id, _, status in part],
                )
                self.audit_many(curator, "status", [(i, None, old, new) for i, old, new in part])

            self._in_parts(changed, write)

    def set_genres(self, changes: Mapping[int, Sequence[str] | None], curator: str) -> None:
        """Set each poster's curator genres, audited.

        ``None`` withdraws the curator's labels, so the poster falls back to its source's.
        """
        for genres in changes.values():
            unknown = [g for g in genres or () if g not in GENRES]
            if unknown:
                raise StoreError(f"unknown genre {unknown[0]!r}; see 'poster-tool genres'")
        with self.transaction():
            self._require_posters(changes)
            before = self.curation_state(list(changes))
            where, params = in_clause("id", list(changes))
            labelled_by = dict(
                self._rows(f"SELECT id, curated_by FROM posters WHERE {where}", params)
            )
            changed = []
            for poster_id, genres in changes.items():
                new = None if genres is None else ordered(genres)
                old = before[poster_id]["genres"]
                # Another curator giving the same genres is recorded: it is their labelling
                # too, which agreement between curators counts.
                if old != new or (new is not None and labelled_by[poster_id] != curator):
                    changed.append((poster_id, old, new))
            stamp = now()

            def write(part: Sequence[tuple[int, list[str] | None, list[str] | None]]) -> None:
                ids = [poster_id for poster_id, _, _ in part]
                self._many(
                    "DELETE FROM poster_labels WHERE poster_id = ? AND source = 'curator'",
                    [(poster_id,) for poster_id in ids],
                )
                self._many(
                    "INSERT INTO poster_labels(poster_id, genre, source, positive, curator, "
                    "created_at) VALUES (?, ?, 'curator', 1, ?, ?)",
                    [(i, g, curator, stamp) for i, _, new in part for g in new or ()],
                )
                self._many(  # withdrawn (None): no longer curated
                    "UPDATE posters SET curated_at = ?, curated_by = ?, updated_at = ? "
                    "WHERE id = ?",
                    [
                        (None, None, stamp, i) if new is None else (stamp, curator, stamp, i)
                        for i, _, new in part
                    ],
                )
                self.audit_many(curator, "genres", [(i, None, old, new) for i, old, new in part])
                self.refresh_genre_mask(ids)
                self.refresh_disagreements(ids)

            self._in_parts(changed, write)

    def genre_toggle(self, ids: Sequence[int], genre: str) -> tuple[bool, dict[int, list[str]]]:
        """What flipping one genre gives each poster (nothing written): on for all unless
        all have it, then off; ``(turned on, poster id -> genres in taxonomy order)``."""
        current = self.effective_genres(list(dict.fromkeys(ids)))
        turn_on = not all(genre in genres for genres in current.values())
        return turn_on, {
            i: ordered([g for g in genres if g != genre] + ([genre] if turn_on else []))
            for i, genres in current.items()
        }

    def toggle_genre(self, ids: Sequence[int], genre: str, curator: str) -> None:
        """Flip one genre on the given posters (see :meth:`genre_toggle`), audited."""
        self.set_genres(self.genre_toggle(ids, genre)[1], curator)

    def set_sensitive(self, changes: Mapping[int, str | None], curator: str) -> None:
        """Mark posters sensitive with a reason (``None`` clears the flag), audited."""
        for reason in changes.values():
            if reason is not None and not reason.strip():
                raise StoreError("a sensitive poster needs a reason (e.g. 'religious imagery')")
        with self.transaction():
            self._require_posters(changes)
            before = self.curation_state(list(changes))
            changed = []
            for poster_id, reason in changes.items():
                new = None if reason is None else reason.strip()
                if before[poster_id]["sensitive"] != new:
                    changed.append((poster_id, before[poster_id]["sensitive"], new))
            stamp = now()

            def write(part: Sequence[tuple[int, str | None, str | None]]) -> None:
                self._many(
                    "UPDATE posters SET sensitive = ?, sensitive_reason = ?, updated_at = ? "
                    "WHERE id = ?",
                    [(int(new is not None), new, stamp, i) for i, _, new in part],
                )
                self.audit_many(curator, "sensitive", [(i, None, old, new) for i, old, new in part])

            self._in_parts(changed, write)

    def set_default(self, poster_id: int | None, curator: str, title_id: int | None = None) -> None:
        """Make a poster its title's default (``None`` with ``title_id`` clears it), audited."""
        with self.transaction():
            if poster_id is not None:
                self._require_posters([poster_id])
                title_id = int(
                    self._scalar("SELECT title_id FROM posters WHERE id = ?", [poster_id])
                )
            if title_id is None:
                raise StoreError("clearing a default poster needs the title")
            old = self._scalar(
                "SELECT id FROM posters WHERE title_id = ? AND is_default = 1", [title_id]
            )
            if old == poster_id:
                return
            self._run(
                "UPDATE posters SET is_default = 0, updated_at = ? "
                "WHERE title_id = ? AND is_default = 1",
                [now(), title_id],
            )
            if poster_id is not None:
                self._run(
                    "UPDATE posters SET is_default = 1, updated_at = ? WHERE id = ?",
                    [now(), poster_id],
                )
            self.audit(curator, "default", poster_id, title_id, old, poster_id)

    def state_before(self, poster_id: int, entry_id: int) -> dict[str, Any]:
        """The poster's status, curator genres and sensitivity as they were just before audit
        entry ``entry_id`` (what "revert to this point" and a reviewer's override restore).

        Each field changed from that entry on takes the ``before`` of its first such change;
        the others keep their current value.
        """
        state = self.curation_state([poster_id])
        if not state:
            raise StoreError(f"no poster with id {poster_id}")
        restored = state[poster_id]
        for action, before in self._rows(
            "SELECT action, before FROM audit_log a WHERE poster_id = ? AND id >= ? "
            "AND action IN ('status', 'genres', 'sensitive') AND id = (SELECT min(id) "
            "FROM audit_log b WHERE b.poster_id = a.poster_id AND b.action = a.action "
            "AND b.id >= ?)",
            [poster_id, entry_id, entry_id],
        ):
            restored[action] = json.loads(before or "null")
        return restored

    def state_after(self, poster_id: int, entry_id: int) -> dict[str, Any]:
        """The poster's curation state as it was right after audit entry ``entry_id`` of its
        history (what "revert to this point" restores).

        :raises StoreError: when the entry is not one of this poster's
        """
        if not self._scalar(
            "SELECT 1 FROM audit_log WHERE id = ? AND poster_id = ?", [entry_id, poster_id]
        ):
            raise StoreError(f"entry {entry_id} is not in the history of poster {poster_id}")
        return self.state_before(poster_id, entry_id + 1)

    def put_curation_state(self, states: Mapping[int, Mapping[str, Any]], curator: str) -> None:
        """Give posters a whole curation state (as :meth:`curation_state` reads it) in one
        transaction, each changed field audited."""
        told = self.on_progress

        def phase(n: int) -> None:  # each of the three writes is a third of the progress
            if told is not None:
                self.on_progress = lambda done, total: told(n * total + done, 3 * total)

        try:
            with self.transaction():
                phase(0)
                self.set_status({i: s["status"] for i, s in states.items()}, curator)
                phase(1)
                self.set_genres({i: s["genres"] for i, s in states.items()}, curator)
                phase(2)
                # A flag set without a reason (older data) comes back with a placeholder.
                self.set_sensitive(
                    {
                        i: None if s["sensitive"] is None else (s["sensitive"] or "unspecified")
                        for i, s in states.items()
                    },
                    curator,
                )
        finally:
            self.on_progress = told
