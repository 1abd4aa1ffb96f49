"""Where the files Poster Studio ships live: the export schema and crawl recipes
(``resources/``) and the default model (``models/``).

In a checkout (and an editable install) they are the repository's top-level folders; a
wheel carries them inside the package, as ``poster_tool/resources`` and
``poster_tool/models`` (see setup.py).
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def shipped(name: str) -> Path:
    """The shipped folder ``name`` (``"resources"`` or ``"models"``)."""
    inside = PACKAGE / name
    return inside if inside.is_dir() else PACKAGE.parent / name
