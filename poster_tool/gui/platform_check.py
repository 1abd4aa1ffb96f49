"""Before Qt starts on Linux/X11: are the system libraries of its xcb plugin installed?

Without them Qt aborts the process with a message that names the wrong library
("xcb-cursor0 … is needed") whatever is missing, so a new user cannot find the cause.  This
module asks the dynamic loader (``ldd``) which libraries the plugin cannot find and names
the Debian/Ubuntu packages that provide them.  It never imports Qt: it runs before Qt would
abort.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

# The packages the README's one apt-get line installs (Debian 12, Ubuntu 22.04 and later).
XCB_PACKAGES = (
    "libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 "
    "libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0 libxcb-randr0 libegl1 libgl1 "
    "libfontconfig1 libdbus-1-3"
)
_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.MULTILINE)


def debian_package(soname: str) -> str:
    """The Debian package that ships a library, by Debian's naming rule: ``libxcb-icccm.so.4``
    -> ``libxcb-icccm4``, ``libxkbcommon-x11.so.0`` -> ``libxkbcommon-x11-0``."""
    name, _, version = soname.partition(".so.")
    name = name.lower()
    version = version.split(".")[0]
    if not version:
        return name
    return f"{name}-{version}" if name[-1].isdigit() else f"{name}{version}"


def not_found(ldd_output: str) -> list[str]:
    """The libraries ``ldd`` reports as not found, each once, in its order."""
    return list(dict.fromkeys(_NOT_FOUND.findall(ldd_output)))


def xcb_plugin() -> Path | None:
    """PySide6's xcb platform plugin, when PySide6 ships one."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations)))
    for candidate in (
        root / "Qt" / "plugins" / "platforms" / "libqxcb.so",
        root / "plugins" / "platforms" / "libqxcb.so",
    ):
        if candidate.is_file():
            return candidate
    return None


def wants_xcb(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether Qt is about to use its xcb (X11) platform here."""
    if not sys.platform.startswith("linux"):
        return False
    chosen = environ.get("QT_QPA_PLATFORM", "")
    if chosen:
        return chosen.split(":")[0].split(";")[0] == "xcb"
    wayland = environ.get("WAYLAND_DISPLAY") and environ.get("XDG_SESSION_TYPE") == "wayland"
    return not wayland


def problem(environ: Mapping[str, str] = os.environ) -> str | None:
    """One message saying why the window cannot open here, or ``None`` when it can."""
    if not wants_xcb(environ):
        return None
    if not environ.get("DISPLAY") and not environ.get("QT_QPA_PLATFORM"):
        return (
            "no display to open the window on ($DISPLAY is not set). Run it on a desktop, "
            "under a virtual screen (xvfb-run python main.py …), or with "
            "QT_QPA_PLATFORM=offscreen for --screenshot."
        )
    plugin = xcb_plugin()
    ldd = shutil.which("ldd")
    if plugin is None or ldd is None:
        return None
    try:
        output = subprocess.run(
            [ldd, str(plugin)], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    missing = not_found(output)
    if not missing:
        return None
    packages = " ".join(dict.fromkeys(debian_package(m) for m in missing))
    return (
        f"Qt's X11 plugin needs system libraries that are not installed: {', '.join(missing)}. "
        f"On Debian or Ubuntu: sudo apt-get install {packages} "
        f"(or all the window needs at once: sudo apt-get install {XCB_PACKAGES})."
    )
