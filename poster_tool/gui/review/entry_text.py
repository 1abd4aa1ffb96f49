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
    return str(value)


def change_text(entry: AuditEntry) -> str:
    """``genres: Drama → Horror``; a review says its decision, a mark says nothing more."""
    action = _ACTIONS.get(entry.action, entry.action)
    if entry.action == "needs_review":
        return action
    if entry.action == "profile":
        return _profile_text(entry.before, entry.after)
    if entry.action == "review":
        return f"review: {value_text(entry.after) if entry.after else 'taken back'}"
    before, after = value_text(entry.before, entry.action), value_text(entry.after, entry.action)
    return f"{action}: {before} → {after}"


def when_text(entry: AuditEntry) -> str:
    """The entry's UTC time without seconds and zone: ``2026-12-02 16:43``."""
    return entry.at[:16].replace("T", " ")


def _profile_text(before: object, after: object) -> str:
    """``profile Kim: likes Horror → Drama``: the fields of a profile edit that changed."""
    if not isinstance(before, dict) or not isinstance(after, dict):
        made = after if isinstance(after, dict) else before
        name = made.get("name", "") if isinstance(made, dict) else ""
        return f"profile {name}: {'added' if isinstance(after, dict) else 'deleted'}"
    changed = []
    for key in ("name", "description", "likes", "dislikes"):
        if before.get(key) != after.get(key):
            changed.append(f"{key} {value_text(before.get(key))} → {value_text(after.get(key))}")
    if before.get("viewings") != after.get("viewings"):
        changed.append(
            f"history {len(before.get('viewings', []))} → {len(after.get('viewings', []))} viewings"
        )
    return f"profile {before.get('name', '')}: {'; '.join(changed) or 'unchanged'}"
