"""Saved views: named filter sets every curator of the workspace sees, kept in ``meta``."""

from __future__ import annotations

import json

from poster_tool.core.catalog.audit import AuditLog
from poster_tool.core.errors import StoreError
from poster_tool.core.records import PosterQuery

_PREFIX = "view:"  # meta keys of saved views: "view:<name>"
MAX_NAME = 60  # a view's name fits a menu


class ViewRows(AuditLog):
    """Saved views in the ``meta`` table, each change audited (action ``view``)."""

    def saved_views(self) -> dict[str, PosterQuery]:
        """Every saved view by name, in name order (case-insensitive)."""
        rows = self._rows(
            "SELECT substr(key, ?), value FROM meta WHERE substr(key, 1, ?) = ? "
            "ORDER BY lower(key)",
            [len(_PREFIX) + 1, len(_PREFIX), _PREFIX],
        )
        return {name: PosterQuery.from_view(json.loads(value)) for name, value in rows}

    def put_view(
        self, name: str | None, new_name: str | None, query: PosterQuery | None, curator: str
    ) -> None:
        """Create (``name=None``), change or rename (``new_name``), or delete (``query=None``)
        a saved view, audited, in one transaction.

        :raises StoreError: an empty, overlong or taken name; a view that is not there
        """
        with self.transaction():
            views = self.saved_views()
            before = None
            if name is not None:
                if name not in views:
                    raise StoreError(f"no saved view named {name!r}")
                before = {"name": name, "filters": views[name].to_view()}
                self._run("DELETE FROM meta WHERE key = ?", [_PREFIX + name])
            after = None
            if query is not None:
                final = _checked(new_name if new_name is not None else name or "")
                taken = [v for v in views if v != name and v.casefold() == final.casefold()]
                if taken:
                    raise StoreError(f"a saved view named {taken[0]!r} exists already")
                after = {"name": final, "filters": query.to_view()}
                self._run(
                    "INSERT INTO meta(key, value) VALUES (?, ?)",
                    [_PREFIX + final, json.dumps(after["filters"], ensure_ascii=False)],
                )
            if before != after:
                self.audit(curator, "view", None, None, before, after)


def _checked(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise StoreError("a saved view needs a name")
    if len(name) > MAX_NAME:
        raise StoreError(f"a view's name has at most {MAX_NAME} characters")
    return name
