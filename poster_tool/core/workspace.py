"""A workspace is one folder holding a whole catalog: database, images, thumbnails, models.

The database is the folder's ``catalog.db`` unless the folder's ``workspace.json`` names a
PostgreSQL catalog (``poster-tool init --catalog postgresql://…``): a team's curators each
open the same shared folder, or copies of it on shared storage, and the one server."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from poster_tool.core.catalog.address import checked_url, is_server
from poster_tool.core.errors import StoreError

if TYPE_CHECKING:
    from poster_tool.core.catalog.store import PosterStore

ENV_VAR = "POSTER_TOOL_WORKSPACE"
SETTINGS = "workspace.json"  # the workspace's own settings: where its catalog lives
APP_DIR = "Poster Studio"


def default_root() -> Path:
    """The user's app-data folder for Poster Studio (XDG on Linux, AppData on Windows)."""
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
        return base / APP_DIR / "workspace"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / APP_DIR / "workspace"
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "poster-studio" / "workspace"


def current_file() -> Path:
    """Where the window and the CLI share which workspace was opened last."""
    return default_root().parent / "current-workspace"


def remember(root: Path) -> None:
    """Make ``root`` the workspace that later commands and windows open by default."""
    file = current_file()
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        tmp = file.with_name(f".{file.name}.{os.getpid()}.tmp")
        tmp.write_text(str(root), encoding="utf-8")
        os.replace(tmp, file)
    except OSError:
        pass  # a read-only home only loses the convenience, never the work


def remembered() -> Path | None:
    """The workspace opened last by the window or ``poster-tool --demo``, when it still holds
    a catalog."""
    try:
        text = current_file().read_text(encoding="utf-8").strip()
    except OSError:
        return None
    root = Path(text) if text else None
    return root if root is not None and Workspace(root).exists else None


def resolve_root(explicit: str | os.PathLike[str] | None = None) -> Path:
    """``--workspace`` beats ``POSTER_TOOL_WORKSPACE``, which beats the workspace opened
    last (by the window or the CLI), which beats the default folder."""
    if explicit:
        return Path(explicit).expanduser()
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser()
    return remembered() or default_root()


def origin(explicit: str | os.PathLike[str] | None = None) -> str:
    """Why :func:`resolve_root` chose its folder, in words for a message."""
    if explicit:
        return "from --workspace"
    if os.environ.get(ENV_VAR):
        return f"from ${ENV_VAR}"
    if remembered():
        return "the workspace the window opened last"
    return "the default workspace"


@dataclass(frozen=True)
class Workspace:
    """Paths of one workspace; ``open()`` creates the folders on first use."""

    root: Path

    @property
    def db_path(self) -> Path:
        return self.root / "catalog.db"

    @property
    def images_dir(self) -> Path:
        return self.root / "images"

    @property
    def thumbs_dir(self) -> Path:
        return self.root / "thumbs"

    @property
    def models_dir(self) -> Path:
        return self.root / "models"

    @property
    def settings_path(self) -> Path:
        return self.root / SETTINGS

    @property
    def catalog_address(self) -> str:
        """The catalog this workspace opens: a PostgreSQL URL from ``workspace.json``, else
        the ``catalog.db`` file in the folder.

        :raises StoreError: when ``workspace.json`` cannot be read or names no valid catalog
        """
        address = self._settings().get("catalog")
        if address is None:
            return str(self.db_path)
        if not isinstance(address, str) or not is_server(address):
            raise StoreError(f"{self.settings_path} names no PostgreSQL catalog: {address!r}")
        return checked_url(address)

    @property
    def on_server(self) -> bool:
        """Whether the catalog is a PostgreSQL database rather than the folder's file."""
        return is_server(self.catalog_address)

    @property
    def exists(self) -> bool:
        """Whether a catalog has been created here (or named, on a server)."""
        return self.db_path.exists() or self.settings_path.exists()

    def _settings(self) -> dict:
        try:
            text = self.settings_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise StoreError(f"cannot read {self.settings_path}: {exc.strerror}") from exc
        try:
            data = json.loads(text)
        except ValueError:
            raise StoreError(f"{self.settings_path} is not valid JSON") from None
        if not isinstance(data, dict):
            raise StoreError(f"{self.settings_path} does not hold settings")
        return data

    def set_catalog(self, address: str | None) -> None:
        """Make this workspace open the PostgreSQL catalog at ``address`` (``None``: the
        folder's ``catalog.db`` again); the URL is checked first and never holds a password.

        :raises StoreError: an address with a password or without a server or database
        """
        settings = self._settings()
        if address is None:
            settings.pop("catalog", None)
        else:
            if not is_server(address):
                raise StoreError(f"not a PostgreSQL catalog address: {address}")
            settings["catalog"] = checked_url(address)
        tmp = self.settings_path.with_name(f".{SETTINGS}.{os.getpid()}.tmp")
        try:
            tmp.write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")
            os.replace(tmp, self.settings_path)
        except OSError as exc:
            raise StoreError(f"cannot write {self.settings_path}: {exc.strerror}") from exc

    @classmethod
    def open(cls, root: str | os.PathLike[str] | None = None, create: bool = True) -> Workspace:
        """The workspace at ``root`` (see :func:`resolve_root`).

        :param create: make the folders when missing; otherwise a missing catalog is an error
        :raises StoreError: when the folder cannot be used
        """
        ws = cls(resolve_root(root).resolve())
        if not create and not ws.exists:
            raise StoreError(f"no catalog at {ws.root} (run 'poster-tool init' first)")
        if ws.root.exists() and not ws.root.is_dir():
            raise StoreError(f"{ws.root} is a file, not a workspace folder")
        try:
            for folder in (ws.root, ws.images_dir, ws.thumbs_dir, ws.models_dir):
                folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the workspace at {ws.root}: {exc.strerror}") from exc
        return ws

    def image_path(self, relative: str) -> Path:
        """Absolute path of a stored image from its catalog path."""
        return self.root / relative

    def image_relpath(self, sha256: str, ext: str) -> str:
        """Where an original with this content lives (content-addressed, one file per hash)."""
        return f"images/{sha256[:2]}/{sha256}.{ext}"

    def thumb_path(self, sha256: str) -> Path:
        """Where the grid thumbnail of this content lives."""
        return self.thumbs_dir / sha256[:2] / f"{sha256}.jpg"

    def store(self, mapped: bool = True) -> PosterStore:
        """Open the catalog of this workspace (creating and migrating it as needed).

        :param mapped: read a SQLite catalog through memory-mapped I/O, which speeds a
            long-lived connection's look-ups (an import's); ``False`` for a worker's brief
            read: unmapping a scanned catalog at close takes ~40 ms at a million posters,
            and the window's own reads of the file wait meanwhile
        """
        from poster_tool.core.catalog.store import PosterStore

        return PosterStore(self.catalog_address, mapped)
