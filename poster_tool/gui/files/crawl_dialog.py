"""The Crawl dialog: choose a source and limits; the window then runs the crawl job.

Sources are the crawler's own (:mod:`poster_tool.core.crawl`): TMDB (an API key and what
to fetch), a gallery site described by a recipe, or the poster URLs a CSV import queued.
The dialog only builds ``(source, config)``; a refused choice (no API key, say) is shown
in the dialog and it stays open.  For a gallery recipe, *Try on a page* fetches one page
in a worker and shows what each recipe field matches there (``crawl check``).
"""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from poster_tool.core.crawl import (
    CrawlConfig,
    FetchConfig,
    GallerySource,
    QueuedUrls,
    TmdbSource,
    load_recipe,
    shipped_recipes,
)
from poster_tool.core.crawl.check import STAGES, PageCheck, check_page
from poster_tool.core.crawl.tmdb import GENRE_IDS, genre_id
from poster_tool.core.errors import PosterToolError
from poster_tool.core.taxonomy import GENRES
from poster_tool.gui.common import workers

TMDB_WHAT = (
    ("popular", "The popular list"),
    ("query", "Titles found by a search"),
    ("movie_ids", "These TMDB movie ids"),
    ("genre", "A genre (discover)"),
)


class CrawlDialog(QDialog):
    """Crawl options; after ``exec()`` is accepted, ``source`` and ``config`` are set."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Crawl poster pools")
        self.setMinimumWidth(520)
        self.source: Any = None
        self.config: CrawlConfig | None = None

        self.kind = QComboBox()
        self.kind.addItem("TMDB (needs an API key)", "tmdb")
        self.kind.addItem("Gallery site (a recipe)", "gallery")
        self.kind.addItem("Poster URLs queued by a CSV import", "urls")
        self.pages = QStackedWidget()
        self.pages.addWidget(self._tmdb_page())
        self.pages.addWidget(self._gallery_page())
        self.pages.addWidget(
            QLabel("Fetches the posters of CSV rows that gave a url instead of a path.")
        )
        self.kind.currentIndexChanged.connect(self.pages.setCurrentIndex)
        self.kind.currentIndexChanged.connect(self._enable_fields)

        self.max_titles = _spin(0, 100_000, 50, "no limit")
        self.max_posters = _spin(0, 200, 12, "no limit")
        self.rate = QDoubleSpinBox(
            minimum=0.1, maximum=40.0, value=1.0, singleStep=0.5, suffix=" requests/s per host"
        )
        limits = QFormLayout()
        limits.addRow("Titles at most", self.max_titles)
        limits.addRow("Posters per title", self.max_posters)
        limits.addRow("Politeness", self.rate)

        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #ff8a80;")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.start = buttons.addButton("Start crawl", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self._on_start_clicked)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.kind)
        layout.addWidget(self.pages)
        layout.addLayout(limits)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self._enable_fields()

    def _enable_fields(self) -> None:
        """Only the fields the chosen source reads can be edited."""
        tmdb = self.kind.currentData() == "tmdb"
        self.max_titles.setEnabled(self.kind.currentData() != "urls")  # queued: every url
        what = self.what.currentData()
        self.detail.setEnabled(tmdb and what in ("query", "movie_ids"))
        self.detail.setPlaceholderText(
            "search words" if what == "query" else "TMDB movie ids, e.g. 496243, 155"
        )
        self.genre.setEnabled(tmdb and what == "genre")
        self.list_pages.setEnabled(tmdb and what in ("popular", "query", "genre"))

    def _tmdb_page(self) -> QWidget:
        self.api_key = QLineEdit(os.environ.get("TMDB_API_KEY", ""))
        self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.api_key.setPlaceholderText("v3 API key or read access token ($TMDB_API_KEY)")
        self.what = QComboBox()
        for value, text in TMDB_WHAT:
            self.what.addItem(text, value)
        self.what.currentIndexChanged.connect(self._enable_fields)
        self.detail = QLineEdit()
        self.genre = QComboBox()
        self.genre.addItems([g for g in GENRES if g in GENRE_IDS])  # TMDB's genres only
        self.list_pages = _spin(1, 50, 1, None)
        self.image_size = QComboBox()
        self.image_size.addItems(["w342", "w500", "w780", "original"])
        self.image_size.setCurrentText("w500")
        self.languages = QLineEdit("ko,en,null")
        self.languages.setToolTip("Languages of the text on the posters to fetch (null: none)")
        page = QWidget()
        form = QFormLayout(page)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("API key", self.api_key)
        form.addRow("Fetch", self.what)
        form.addRow("Search / ids", self.detail)
        form.addRow("Genre", self.genre)
        form.addRow("List pages", self.list_pages)
        form.addRow("Poster size", self.image_size)
        form.addRow("Poster languages", self.languages)
        return page

    def _gallery_page(self) -> QWidget:
        self.recipe = QComboBox()
        for name, path in shipped_recipes().items():
            self.recipe.addItem(name, str(path))
        choose = QPushButton("Recipe file…")
        choose.clicked.connect(self._on_choose_recipe_clicked)
        row = QHBoxLayout()
        row.addWidget(self.recipe, 1)
        row.addWidget(choose)
        self.start_urls = QPlainTextEdit()
        self.start_urls.setPlaceholderText("Start URLs, one a line (default: the recipe's)")
        self.start_urls.setMaximumHeight(80)
        page = QWidget()
        form = QFormLayout(page)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Recipe", row)
        form.addRow("Start at", self.start_urls)
        form.addRow("Try on a page", self._preview_row())
        form.addRow(self.preview)
        return page

    def _preview_row(self) -> QHBoxLayout:
        self.try_url = QLineEdit()
        self.try_url.setPlaceholderText("a page of the site, e.g. a title page")
        self.try_stage = QComboBox()
        self.try_stage.addItem("any page", None)
        for stage in STAGES:
            self.try_stage.addItem(f"{stage} page", stage)
        self.try_button = QPushButton("Try")
        self.try_button.setToolTip("Fetch this page and show what each recipe field finds there")
        self.try_button.clicked.connect(self._on_try_clicked)
        self.preview = QPlainTextEdit(readOnly=True)
        self.preview.setPlaceholderText(
            "What each recipe field matches on the page, and what the crawl reads from it."
        )
        self.preview.setMinimumHeight(160)
        self._trying: workers.CallWorker | None = None
        row = QHBoxLayout()
        row.addWidget(self.try_url, 1)
        row.addWidget(self.try_stage)
        row.addWidget(self.try_button)
        return row

    def _on_try_clicked(self) -> None:
        url, recipe = self.try_url.text().strip(), self.recipe.currentData()
        if not url or not recipe:
            self.preview.setPlainText("Choose a recipe and type the address of a page to try.")
            return
        stage = self.try_stage.currentData()
        # The fetch can take seconds (robots.txt, a slow site): it runs in a worker.
        worker = workers.CallWorker(lambda: check_page(load_recipe(recipe), url, stage))
        self._trying = worker
        worker.signals.result.connect(lambda report: self._on_try_done(worker, report))
        worker.signals.error.connect(lambda message: self._on_try_done(worker, message))
        self.try_button.setEnabled(False)
        self.preview.setPlainText(f"Fetching {url} …")
        workers.start(worker)

    def _on_try_done(self, worker: workers.CallWorker, outcome: PageCheck | str) -> None:
        if worker is not self._trying:
            return  # an earlier try, overtaken
        self._trying = None
        self.try_button.setEnabled(True)
        if isinstance(outcome, PageCheck):
            self.preview.setPlainText("\n".join(outcome.lines()))
        else:
            self.preview.setPlainText(f"Could not try the page: {outcome}")

    def _on_choose_recipe_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Crawl recipe", "", "Recipes (*.toml *.json)")
        if path:
            self.recipe.addItem(os.path.basename(path), path)
            self.recipe.setCurrentIndex(self.recipe.count() - 1)

    def build(self) -> tuple[Any, CrawlConfig]:
        """The source and limits the fields describe.

        :raises PosterToolError: when they do not describe a crawl (no key, bad ids …)
        """
        kind = self.kind.currentData()
        source: TmdbSource | GallerySource | QueuedUrls
        if kind == "tmdb":
            if not self.api_key.text().strip():
                raise PosterToolError(
                    "Type your TMDB API key (a v3 key or a read access token); "
                    "themoviedb.org gives one with a free account."
                )
            source = self._tmdb_source()
        elif kind == "gallery":
            if not self.recipe.currentData():
                raise PosterToolError("choose a recipe file for the gallery site")
            urls = tuple(u.strip() for u in self.start_urls.toPlainText().splitlines() if u.strip())
            source = GallerySource(load_recipe(self.recipe.currentData()), urls or None)
        else:
            source = QueuedUrls()
        config = CrawlConfig(
            fetch=FetchConfig(rate=self.rate.value()),
            max_titles=self.max_titles.value() or None,
            max_posters_per_title=self.max_posters.value() or None,
        )
        return source, config

    def _tmdb_source(self) -> TmdbSource:
        what, text = self.what.currentData(), self.detail.text().strip()
        options: dict[str, Any] = {
            "pages": self.list_pages.value(),
            "image_size": self.image_size.currentText(),
            "image_languages": self.languages.text().strip() or None,
        }
        if what == "popular":
            options["popular"] = True
        elif what == "query":
            if not text:
                raise PosterToolError("type the search words")
            options["query"] = text
        elif what == "movie_ids":
            parts = [p for p in text.replace(",", " ").split() if p]
            if not parts or not all(p.isdigit() for p in parts):
                raise PosterToolError("give TMDB movie ids as numbers, e.g. 496243, 155")
            options["movie_ids"] = tuple(int(p) for p in parts)
        else:
            options["discover_genre"] = genre_id(self.genre.currentText())
        return TmdbSource(self.api_key.text().strip(), **options)

    def _on_start_clicked(self) -> None:
        try:
            self.source, self.config = self.build()
        except PosterToolError as exc:
            self.error.setText(str(exc))
            return
        self.accept()


def _spin(low: int, high: int, value: int, special: str | None) -> QSpinBox:
    box = QSpinBox(minimum=low, maximum=high, value=value)
    if special:
        box.setSpecialValueText(special)
    return box
