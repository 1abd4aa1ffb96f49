"""Whether a process of this machine still runs: how stale work of a killed run is told
from work another running process still owns (temporary files, training runs)."""

from __future__ import annotations

import os
import sys


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this machine (``True`` when that cannot be known)."""
    if sys.platform == "win32":  # os.kill(pid, 0) would send CTRL+C there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists but belongs to another user
        return True
    return True
