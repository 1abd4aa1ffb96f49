"""QSettings keys and typed accessors.

``gui/app.py`` sets the organisation and application names once, so everywhere else a bare
``QSettings()`` finds the user's settings; tests pass an INI-file ``QSettings`` instead.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from poster_tool.core import workspace

CURATOR = "curator/name"
WORKSPACE = "workspace/last"
RECENT_WORKSPACES = "workspace/recent"
GEOMETRY = "window/geometry"
WINDOW_STATE = "window/state"
ZOOM = "grid/zoom"
SORT = "grid/sort"
AUTO_SCORE = "model/auto_score"

ZOOM_MIN, ZOOM_DEFAULT, ZOOM_MAX = 96, 136, 320  # grid thumbnail width in pixels
MAX_RECENT = 8


class _BytesSetting:
    """A ``QByteArray`` setting (window geometry and dock layout), ``None`` when unset."""

    def __init__(self, key: str) -> None:
        self.key = key

    def __get__(self, settings: Settings, owner: type | None = None) -> QByteArray | None:
        value = settings.qsettings.value(self.key)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def __set__(self, settings: Settings, value: QByteArray) -> None:
        settings.qsettings.setValue(self.key, value)


class Settings:
    """Typed access to the window's settings.

    :param qsettings: the store to use; ``None`` means the user's (``QSettings()``)
    """

    geometry = _BytesSetting(GEOMETRY)  # the main window's size and place
    window_state = _BytesSetting(WINDOW_STATE)  # its toolbar and dock layout

    def __init__(self, qsettings: QSettings | None = None) -> None:
        self.qsettings = qsettings if qsettings is not None else QSettings()
        # The user's own settings share the last workspace with the command line; an
        # injected store (tests, screenshots) keeps it to itself.
        self.shares_workspace = qsettings is None

    def _str(self, key: str) -> str:
        value = self.qsettings.value(key, "")
        return value if isinstance(value, str) else ""

    @property
    def curator(self) -> str:
        """The curator name written to the audit log ('' until asked)."""
        return self._str(CURATOR).strip()

    @curator.setter
    def curator(self, name: str) -> None:
        self.qsettings.setValue(CURATOR, name.strip())

    @property
    def workspace(self) -> str:
        """The workspace folder opened last ('' when none)."""
        if self.shares_workspace:
            root = workspace.remembered()
            # Before the shared record existed, the window kept it here alone.
            return str(root) if root else self._str(WORKSPACE)
        return self._str(WORKSPACE)

    @workspace.setter
    def workspace(self, path: str) -> None:
        if self.shares_workspace:
            workspace.remember(Path(path))
        else:
            self.qsettings.setValue(WORKSPACE, path)
        recent = [path, *(p for p in self.recent_workspaces if p != path)][:MAX_RECENT]
        self.qsettings.setValue(RECENT_WORKSPACES, recent)

    @property
    def recent_workspaces(self) -> list[str]:
        """Workspaces opened recently, newest first."""
        value = self.qsettings.value(RECENT_WORKSPACES, [])
        if isinstance(value, str):  # an INI file stores a one-item list as a plain string
            return [value]
        return [str(v) for v in value] if isinstance(value, list) else []

    @property
    def zoom(self) -> int:
        """Grid thumbnail width in pixels."""
        try:
            value = int(str(self.qsettings.value(ZOOM, ZOOM_DEFAULT)))
        except ValueError:
            value = ZOOM_DEFAULT
        return min(ZOOM_MAX, max(ZOOM_MIN, value))

    @zoom.setter
    def zoom(self, value: int) -> None:
        self.qsettings.setValue(ZOOM, int(value))

    @property
    def sort(self) -> str:
        """The grid's sort order (a ``PosterQuery.sort`` value)."""
        return self._str(SORT) or "title"

    @sort.setter
    def sort(self, value: str) -> None:
        self.qsettings.setValue(SORT, value)

    @property
    def auto_score(self) -> bool:
        """Whether posters new to the catalog are scored by the active model on their own."""
        return str(self.qsettings.value(AUTO_SCORE, "true")).lower() != "false"

    @auto_score.setter
    def auto_score(self, value: bool) -> None:
        self.qsettings.setValue(AUTO_SCORE, "true" if value else "false")

    def sync(self) -> None:
        """Write pending changes to disk now."""
        self.qsettings.sync()
