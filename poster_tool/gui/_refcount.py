"""Work around PySide6 dropping references to ``None``, ``True`` and ``False`` on Python < 3.12.

PySide6 6.12 returns these singletons from bound C++ calls without taking a reference
(``QPainter.save()``, ``QWidget.update()``, ``Signal.emit()`` …: one reference lost per
call), which is harmless from Python 3.12 on, where they are immortal (PEP 683), but on
3.11 makes the interpreter abort with "Fatal Python error: none_dealloc" after a few
thousand calls, i.e. within seconds of scrolling the grid.  Giving the three singletons a
reference count no process can wear down emulates their 3.12 immortality.
"""

from __future__ import annotations

import ctypes
import platform
import sys

# Far more calls than a process makes in its lifetime, far below Py_ssize_t's limit.
_RESERVE = 1 << 48


def protect_singletons() -> bool:
    """Make ``None``, ``True`` and ``False`` immortal on CPython < 3.12; True when applied."""
    if sys.version_info >= (3, 12) or platform.python_implementation() != "CPython":
        return False
    if hasattr(sys, "gettotalrefcount"):  # a debug build: another object header layout
        return False
    for singleton in (None, True, False):
        refcount = ctypes.c_ssize_t.from_address(id(singleton))  # ob_refcnt is first
        if refcount.value < _RESERVE:
            refcount.value += _RESERVE
    return True
