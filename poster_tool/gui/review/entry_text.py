"""An audit entry in words, for the review queue and the History dock."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from poster_tool.core.records import AuditEntry

_ACTIONS = {
    "genres": "genres",
    "status": "status",
    "sensitive": "sensitive",
    "default": "default",
    "needs_review": "marked for review",
    "review": "review",
    "profile": "profile",
}


def value_text(value: object, action: str = "") -> str:
    """One side of a change: genres joined, ``None`` as a dash (for genres: the official
    ones, which a poster without curator genres exports)."""
    if value is None:
        return "official genres" if action == "genres" else "—"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "(no genre)"
    if isinstance(value, dict):  # a whole profile: its name is what a reader recognises
        return str(value.get("name", ""))
    return str(value)


def change_text(entry: AuditEntry) -> str:
    """``genres: Drama → Horror``; a review says its decision, a mark says nothing more."""
    action = _ACTIONS.get(entry.action, entry.action)
    if entry.action == "needs_review":
        return action
    if entry.action == "review":
        return f"review: {value_text(entry.after) if entry.after else 'taken back'}"
    before, after = value_text(entry.before, entry.action), value_text(entry.after, entry.action)
    return f"{action}: {before} → {after}"


def when_text(entry: AuditEntry) -> str:
    """The entry's UTC time without seconds and zone: ``2026-12-02 16:43``."""
    return entry.at[:16].replace("T", " ")
