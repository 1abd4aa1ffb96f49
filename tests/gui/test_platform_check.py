"""Before Qt aborts on a machine without its X11 libraries, the user learns which to install."""

from __future__ import annotations

import subprocess
from types import SimpleNamespace

import pytest

from poster_tool.gui import app, platform_check
from poster_tool.gui.platform_check import debian_package, not_found, problem

LDD = """\
\tlinux-vdso.so.1 (0x00007ffd)
\tlibxcb-cursor.so.0 => /lib/x86_64-linux-gnu/libxcb-cursor.so.0 (0x00007efd)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibxkbcommon-x11.so.0 => not found
\tlibxcb-icccm.so.4 => not found
"""


def test_sonames_map_to_debian_package_names() -> None:
    assert debian_package("libxcb-icccm.so.4") == "libxcb-icccm4"
    assert debian_package("libxkbcommon-x11.so.0") == "libxkbcommon-x11-0"
    assert debian_package("libX11-xcb.so.1") == "libx11-xcb1"
    assert debian_package("libdbus-1.so.3") == "libdbus-1-3"
    assert not_found(LDD) == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxkbcommon-x11.so.0"]


@pytest.fixture
def linux_x11(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(platform_check.sys, "platform", "linux")
    monkeypatch.setattr(platform_check.shutil, "which", lambda name: "/usr/bin/ldd")
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: SimpleNamespace(stdout=LDD))


@pytest.mark.usefixtures("linux_x11")
def test_missing_x11_libraries_are_named_with_their_packages() -> None:
    message = problem({"DISPLAY": ":0"})
    assert message is not None
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1, libxkbcommon-x11.so.0" in message
    assert "sudo apt-get install libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0 " in message
    # Other platforms need no X11 library.
    assert problem({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}) is None
    assert problem({"WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"}) is None


@pytest.mark.usefixtures("linux_x11")
def test_no_display_is_said_in_words() -> None:
    message = problem({})
    assert message is not None and "$DISPLAY is not set" in message and "xvfb-run" in message


@pytest.mark.usefixtures("linux_x11")
def test_the_window_refuses_to_start_with_one_line_instead_of_a_qt_abort(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setenv("DISPLAY", ":0")
    assert app.run(["poster-studio", "--demo"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("poster-studio: cannot open the window: Qt's X11 plugin needs")
    assert len(err.splitlines()) == 1
