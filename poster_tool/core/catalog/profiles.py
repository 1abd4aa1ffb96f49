"""Viewer profiles: their rows, genre preferences and viewing histories (the rules, such
as affinity and name checks, live in ``core.personalize.profiles``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from poster_tool.core.catalog.connection import Connection, now

# (title id, watched at, minutes) of one viewing
ViewingRow = tuple[int, str, float]


class ProfileRows(Connection):
    """The ``profiles``, ``profile_prefs`` and ``viewing_history`` tables."""

    def profile_matches(self, name: str) -> list[tuple[int, str]]:
        """``(id, name)`` of the profile called exactly ``name`` first, then those whose
        name differs only in case."""
        return [
            (int(r[0]), r[1])
            for r in self._rows(
                "SELECT id, name FROM profiles WHERE name = ? OR lower(name) = lower(?) "
                "ORDER BY name = ? DESC, id",
                [name, name, name],
            )
        ]

    def profile_names(self) -> list[str]:
        """Every profile's name, sorted."""
        return [r[0] for r in self._rows("SELECT name FROM profiles ORDER BY name")]

    def profile_exists(self, name: str) -> bool:
        """Whether a profile has exactly this name."""
        return self._scalar("SELECT 1 FROM profiles WHERE name = ?", [name]) is not None

    def profile_rows(self) -> list[tuple[int, str, str, bool]]:
        """``(id, name, description, sample)`` of every profile, by name."""
        return [
            (r[0], r[1], r[2], bool(r[3]))
            for r in self._rows("SELECT id, name, description, sample FROM profiles ORDER BY name")
        ]

    def profile_prefs(self) -> dict[int, dict[int, list[str]]]:
        """Profile id -> preference (1 liked, -1 disliked) -> genres."""
        prefs: dict[int, dict[int, list[str]]] = {}
        for pid, genre, pref in self._rows("SELECT profile_id, genre, pref FROM profile_prefs"):
            prefs.setdefault(pid, {1: [], -1: []})[pref].append(genre)
        return prefs

    def viewings(self) -> dict[int, list[ViewingRow]]:
        """Profile id -> its viewings, in the order they were recorded."""
        out: dict[int, list[ViewingRow]] = {}
        for pid, title_id, watched_at, minutes in self._rows(
            "SELECT profile_id, title_id, watched_at, minutes FROM viewing_history ORDER BY id"
        ):
            out.setdefault(pid, []).append((title_id, watched_at, minutes))
        return out

    def viewed_title_genres(self) -> dict[int, list[str]]:
        """Official genres of every title some profile watched."""
        out: dict[int, list[str]] = {}
        for title_id, genre in self._rows(
            "SELECT tg.title_id, tg.genre FROM title_genres tg "
            "WHERE tg.title_id IN (SELECT title_id FROM viewing_history)"
        ):
            out.setdefault(title_id, []).append(genre)
        return out

    def history_rows(self, profile_id: int) -> list[tuple[int, str, float, str]]:
        """``(title id, watched at, minutes, title name)`` of a profile, oldest first."""
        return self._rows(
            "SELECT v.title_id, v.watched_at, v.minutes, t.name FROM viewing_history v "
            "JOIN titles t ON t.id = v.title_id WHERE v.profile_id = ? ORDER BY v.watched_at, v.id",
            [profile_id],
        )

    def add_profile(self, name: str, description: str, sample: bool) -> int:
        """Insert a profile row; return its id (call inside a transaction)."""
        return self._insert(
            "INSERT INTO profiles(name, description, sample, created_at) VALUES (?, ?, ?, ?)",
            [name, description, int(sample), now()],
        )

    def rename_profile(self, profile_id: int, name: str) -> None:
        """Give a profile another name (call inside a transaction)."""
        self._run("UPDATE profiles SET name = ? WHERE id = ?", [name, profile_id])

    def describe_profile(self, profile_id: int, description: str) -> None:
        """Replace a profile's description (call inside a transaction)."""
        self._run("UPDATE profiles SET description = ? WHERE id = ?", [description, profile_id])

    def set_profile_prefs(
        self, profile_id: int, likes: Sequence[str], dislikes: Sequence[str]
    ) -> None:
        """Replace a profile's liked and disliked genres (call inside a transaction)."""
        self._run("DELETE FROM profile_prefs WHERE profile_id = ?", [profile_id])
        self._many(
            "INSERT INTO profile_prefs(profile_id, genre, pref) VALUES (?, ?, ?)",
            [(profile_id, g, 1) for g in likes] + [(profile_id, g, -1) for g in dislikes],
        )

    def remove_profile(self, profile_id: int) -> None:
        """Delete a profile; its preferences and history go with it (foreign keys)."""
        with self.transaction():
            self._run("DELETE FROM profiles WHERE id = ?", [profile_id])

    def replace_viewings(self, profile_id: int, rows: Iterable[ViewingRow]) -> None:
        """Replace a profile's whole viewing history."""
        with self.transaction():
            self._run("DELETE FROM viewing_history WHERE profile_id = ?", [profile_id])
            self._many(
                "INSERT INTO viewing_history(profile_id, title_id, watched_at, minutes) "
                "VALUES (?, ?, ?, ?)",
                [(profile_id, *row) for row in rows],
            )

    def sample_flags(self) -> dict[str, bool]:
        """Profile name -> whether it is one of the sample profiles."""
        return {r[0]: bool(r[1]) for r in self._rows("SELECT name, sample FROM profiles")}
