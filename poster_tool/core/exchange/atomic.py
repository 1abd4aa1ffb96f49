"""Atomic file output: a temporary file beside the target, fsync, then one rename.

A reader (or a crash) therefore sees either the previous file or the complete new one, never
half a file; a failure or a cancel before the rename removes the temporary file.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from poster_tool.core.tempfiles import temp_name


def sync_folder(folder: Path) -> None:
    """Make the renames in ``folder`` durable (a no-op where folders cannot be synced)."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_output(path: str | os.PathLike[str], sync: bool = True) -> Iterator[BinaryIO]:
    """A binary file that replaces ``path`` only when the ``with`` block ends without error.

    The temporary file is created with ``os.open(..., 0o666)`` so the result gets the
    user's usual permissions (``mkstemp`` would make it private).

    :param sync: also sync the folder; many files written to one folder can skip it and
        call :func:`sync_folder` once at the end (it costs as much as the file's own fsync)
    """
    path = Path(path)
    tmp = temp_name(path, secrets.token_hex(4))
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if sync:
        sync_folder(path.parent)


def copy_atomic(source: Path, target: Path, sync: bool = True) -> None:
    """Copy a file so that ``target`` appears complete or not at all."""
    with source.open("rb") as src, atomic_output(target, sync) as out:
        shutil.copyfileobj(src, out, 1 << 20)
