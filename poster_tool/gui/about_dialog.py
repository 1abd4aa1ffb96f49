"""Help → About: the version, the workspace, and the active model's card."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

import poster_tool
from poster_tool.core.errors import PosterToolError

if TYPE_CHECKING:
    from poster_tool.core.catalog.store import PosterStore
    from poster_tool.core.workspace import Workspace


def model_card(workspace: Workspace, store: PosterStore) -> str:
    """The active model's card as Markdown, or a sentence saying why there is none."""
    try:
        from poster_tool.core.ml.registry import CARD, Registry  # no torch: registry is light
    except ImportError:
        return "_The model registry is not available in this installation._"
    try:
        info = Registry(workspace, store).active()
    except PosterToolError as exc:
        return f"_The active model cannot be read: {exc}_"
    if info is None:
        return (
            "_No model yet._ Posters show their official and curator genres only; "
            "train one with **Model → Retrain** or `poster-tool train`."
        )
    card = info.path / CARD
    if card.exists():
        return card.read_text(encoding="utf-8")
    return f"Model **{info.version}** ({info.backbone}) has no card."


class AboutDialog(QDialog):
    """Version, workspace and model card in one scrollable page."""

    def __init__(
        self, workspace: Workspace | None, store: PosterStore | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Poster Studio")
        self.resize(640, 560)
        text = [
            f"# Poster Studio {poster_tool.__version__}",
            "Desktop curation of personalized movie poster pools.",
            "",
        ]
        if workspace is not None and store is not None:
            text += [
                f"Workspace: `{workspace.root}`",
                "",
                "## Active model",
                "",
                model_card(workspace, store),
            ]
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        self.browser.setMarkdown("\n".join(text))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
