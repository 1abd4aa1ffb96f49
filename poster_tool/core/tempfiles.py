"""Temporary files written beside their target and renamed into place, and the removal of
those a killed or failed run left behind.

Every such file is named ``.<target name>.<pid>.<suffix>.tmp``: hidden, and naming the
process that writes it, so a later run removes only files whose writer is gone.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from poster_tool.core.processes import alive

if TYPE_CHECKING:
    from pathlib import Path

_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[0-9a-f]+\.tmp$")


def temp_name(path: Path, suffix: str) -> Path:
    """The temporary file for ``path`` of this process; ``suffix`` (hex digits) tells
    apart several written at once."""
    return path.with_name(f".{path.name}.{os.getpid()}.{suffix}.tmp")


def remove_stale(folder: Path, target: re.Pattern[str] | None = None) -> int:
    """Remove the temporary files in ``folder`` whose writing process is gone.

    :param target: only those whose target name matches it (all when ``None``)
    :returns: how many were removed
    """
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:  # no folder yet, or unreadable: nothing of ours to clean
        return 0
    for entry in entries:
        match = _TEMP.match(entry.name) if entry.name.startswith(".") else None
        if match is None or int(match["pid"]) == os.getpid() or alive(int(match["pid"])):
            continue
        if target is None or target.fullmatch(match["name"]):
            try:
                os.unlink(entry.path)
                removed += 1
            except OSError:  # removed meanwhile by another run, or not ours to remove
                pass
    return removed
