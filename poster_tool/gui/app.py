"""Start Poster Studio: ``python main.py [--workspace DIR] [--demo] [--screenshot PNG]``.

Qt and the window are imported inside :func:`run`, so importing this module,
or ``poster-tool --help``, stays instant.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication, QWidget

    from poster_tool.core.workspace import Workspace
    from poster_tool.gui.main_window import MainWindow

ORGANIZATION = "Poster Studio"
APPLICATION = "Poster Studio"
SCREENSHOT_TIMEOUT_S = 60.0
SCREENSHOT_SIZE = (1500, 940)


def build_parser() -> argparse.ArgumentParser:
    """The GUI's command line."""
    parser = argparse.ArgumentParser(prog="poster-studio", description="The Poster Studio window.")
    parser.add_argument(
        "--workspace",
        metavar="DIR",
        help="workspace folder (default: $POSTER_TOOL_WORKSPACE, else the last "
        "one opened, else the app-data folder)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="open the synthetic demo workspace, building it the first time",
    )
    parser.add_argument(
        "--screenshot",
        metavar="PNG",
        help="save a screenshot once the visible thumbnails have loaded, then exit (0 on success)",
    )
    parser.add_argument(
        "--action",
        action="append",
        default=[],
        metavar="NAME",
        help="with --screenshot: trigger this window action first (e.g. loupe, compare), as "
        "its key would; the picture then shows the window it opened",
    )
    return parser


def choose_workspace(args: argparse.Namespace, last: str) -> Workspace:
    """``--demo``, else ``--workspace``, else the environment, else the last one, else default."""
    from poster_tool.core.workspace import ENV_VAR, Workspace

    if args.demo:
        from poster_tool.core.demo import demo_root

        return Workspace.open(demo_root())
    if args.workspace or os.environ.get(ENV_VAR):
        return Workspace.open(args.workspace)
    if last and Workspace(Path(last)).exists:
        return Workspace.open(last)
    return Workspace.open(None)


def run(argv: Sequence[str] | None = None) -> int:
    """Start the window; return the exit code.

    :param argv: the full command line including the program name (default ``sys.argv``)
    """
    argv = list(sys.argv if argv is None else argv)
    args = build_parser().parse_args(argv[1:])

    from poster_tool.gui.platform_check import problem

    if cause := problem():
        sys.stderr.write(f"poster-studio: cannot open the window: {cause}\n")
        return 1

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from poster_tool.core.errors import PosterToolError
    from poster_tool.gui.common import theme
    from poster_tool.gui.common.dialogs import default_curator, show_error
    from poster_tool.gui.settings import Settings

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(APPLICATION)
    theme.apply(app)
    if args.screenshot:
        # A picture must not depend on (or change) the user's own window settings.
        scratch = Path(tempfile.mkdtemp(prefix="poster-studio-shot-")) / "settings.ini"
        settings = Settings(QSettings(str(scratch), QSettings.Format.IniFormat))
        settings.curator = default_curator() or "curator"
    else:
        settings = Settings()
    install_excepthook()

    try:
        workspace = choose_workspace(args, settings.workspace)
    except PosterToolError as exc:
        show_error(None, str(exc))
        return 1
    from poster_tool.gui.main_window import MainWindow

    window = MainWindow(workspace, settings)
    if args.screenshot:
        window.resize(*SCREENSHOT_SIZE)
        if args.demo:
            window.ensure_demo(interactive=False)
    window.show()
    if not settings.curator:
        window.ask_curator_first_time()
    if args.demo and not args.screenshot:
        window.ensure_demo(interactive=True)  # a progress dialog over the window
    if args.screenshot:
        code = screenshot(app, window, Path(args.screenshot), args.action)
        shutil.rmtree(scratch.parent, ignore_errors=True)
        return code
    return app.exec()


def screenshot(
    app: QApplication, window: MainWindow, path: Path, actions: Sequence[str] = ()
) -> int:
    """Wait until the visible thumbnails are in, save the window to ``path``, return 0.

    :param actions: window actions triggered once it has loaded; a window one of them opens
        is what is saved, once its own pictures are in
    """
    import time

    from PySide6.QtCore import QTimer

    deadline = time.monotonic() + SCREENSHOT_TIMEOUT_S
    outcome: list[int] = []
    pending = list(actions)

    def opened() -> list[QWidget]:
        return [w for w in app.topLevelWidgets() if w.isVisible() and w is not window]

    def poll() -> None:
        shown = [window, *opened()]
        loaded = all(getattr(w, "loaded", lambda: True)() for w in shown)
        if loaded and pending:
            window.act.all[pending.pop(0)].trigger()
            loaded = False
        if not loaded and time.monotonic() < deadline:
            QTimer.singleShot(100, poll)
            return
        app.processEvents()
        path.parent.mkdir(parents=True, exist_ok=True)
        saved = shown[-1].grab().save(str(path))
        if not saved:
            sys.stderr.write(f"poster-studio: could not write {path}\n")
        elif not loaded:
            sys.stderr.write(
                f"poster-studio: thumbnails still loading after "
                f"{SCREENSHOT_TIMEOUT_S:.0f} s; saved {path} anyway\n"
            )
        outcome.append(0 if saved and loaded else 1)
        window.close()
        app.quit()

    QTimer.singleShot(300, poll)  # let the first layout and paint happen
    app.exec()
    return outcome[0] if outcome else 1


def install_excepthook() -> None:
    """Show unexpected errors in plain words instead of dying (they are also printed)."""
    import traceback

    from poster_tool.gui.common.dialogs import show_error
    from poster_tool.gui.common.workers import error_message

    showing: list[bool] = []  # one message at a time: a failing paint must not stack dialogs

    def hook(kind: type[BaseException], exc: BaseException, tb: object) -> None:
        traceback.print_exception(exc)
        if isinstance(exc, KeyboardInterrupt):
            sys.exit(130)
        if showing:
            return
        showing.append(True)
        try:
            show_error(
                None,
                error_message(exc) + "\n\nYour saved edits are safe; the "
                "details were printed to the terminal.",
            )
        finally:
            showing.clear()

    sys.excepthook = hook
