"""The crawl dialog builds the crawler's source and limits; the window runs the job."""

from __future__ import annotations

from poster_tool.core.crawl import GallerySource, QueuedUrls, TmdbSource, shipped_recipes
from poster_tool.core.progress import Progress
from poster_tool.gui import main_window
from poster_tool.gui.files import flows
from poster_tool.gui.files.crawl_dialog import CrawlDialog


def choose(combo, value) -> None:
    combo.setCurrentIndex(combo.findData(value))


def test_tmdb_choices_become_a_tmdb_source_with_limits(qtbot) -> None:
    dialog = CrawlDialog()
    qtbot.addWidget(dialog)
    dialog.api_key.setText("k" * 32)
    choose(dialog.what, "movie_ids")
    dialog.detail.setText("496243, 155")
    dialog.max_titles.setValue(0)  # no limit
    dialog.max_posters.setValue(5)
    source, config = dialog.build()
    assert isinstance(source, TmdbSource) and source.movie_ids == (496243, 155)
    assert (config.max_titles, config.max_posters_per_title) == (None, 5)


def test_a_refused_choice_is_explained_and_the_dialog_stays_open(qtbot) -> None:
    dialog = CrawlDialog()
    qtbot.addWidget(dialog)
    dialog.api_key.setText("")
    dialog.start.click()
    assert "API key" in dialog.error.text() and dialog.source is None
    assert "--" not in dialog.error.text()  # the window's words, not the command line's
    dialog.api_key.setText("key")
    choose(dialog.what, "movie_ids")
    dialog.detail.setText("parasite")
    dialog.start.click()
    assert "ids as numbers" in dialog.error.text()


def test_only_the_fields_the_chosen_source_reads_can_be_edited(qtbot) -> None:
    dialog = CrawlDialog()
    qtbot.addWidget(dialog)
    choose(dialog.what, "popular")
    assert not dialog.detail.isEnabled() and not dialog.genre.isEnabled()
    assert dialog.list_pages.isEnabled()
    choose(dialog.what, "movie_ids")
    assert dialog.detail.isEnabled() and not dialog.list_pages.isEnabled()
    choose(dialog.what, "genre")
    assert dialog.genre.isEnabled() and not dialog.detail.isEnabled()
    choose(dialog.kind, "urls")  # every queued url is fetched: no title limit applies
    assert not dialog.max_titles.isEnabled() and dialog.max_posters.isEnabled()
    choose(dialog.kind, "gallery")
    assert dialog.max_titles.isEnabled()


def test_gallery_and_queued_url_sources(qtbot) -> None:
    dialog = CrawlDialog()
    qtbot.addWidget(dialog)
    choose(dialog.kind, "urls")
    assert isinstance(dialog.build()[0], QueuedUrls)
    if shipped_recipes():
        choose(dialog.kind, "gallery")
        dialog.start_urls.setPlainText("http://127.0.0.1:1/list\n")
        source = dialog.build()[0]
        assert isinstance(source, GallerySource)
        assert source.start_urls == ("http://127.0.0.1:1/list",)


def test_the_crawl_menu_runs_the_chosen_crawl_as_a_job(
    qtbot, catalog, settings, monkeypatch
) -> None:
    seen: dict[str, object] = {}

    def fake_crawl(workspace, store, source, config):
        seen["source"], seen["config"] = source, config
        yield Progress("crawl", 1, 1)
        return "crawled"

    def accept(self):
        choose(self.kind, "urls")
        self.source, self.config = self.build()
        return True

    monkeypatch.setattr("poster_tool.core.crawl.crawl", fake_crawl)
    monkeypatch.setattr(CrawlDialog, "exec", accept)
    monkeypatch.setattr(
        flows.JobDialog,
        "run",
        lambda self: (
            qtbot.waitUntil(lambda: self._done, timeout=10_000),
            self.close(),
            self.result_value,
        )[2],
    )
    win = main_window.MainWindow(catalog.workspace, settings)
    qtbot.addWidget(win)
    assert win.act.crawl.isEnabled()
    win.act.crawl.trigger()
    assert isinstance(seen["source"], QueuedUrls)
    assert (seen["config"].max_titles, seen["config"].max_posters_per_title) == (50, 12)


def test_try_on_a_page_previews_the_recipe_in_a_worker(qtbot) -> None:
    from tests.core.crawl_helpers import PortalTitle, Site, build_portal

    dialog = CrawlDialog()
    qtbot.addWidget(dialog)
    choose(dialog.kind, "gallery")
    dialog.recipe.setCurrentIndex(dialog.recipe.findText("portal"))
    with Site(latency=0.3) as site:
        build_portal(
            site, [PortalTitle(601, "1917", "1917", 2019, ["전쟁"], [b"x"], released=2020)]
        )
        dialog.try_url.setText(site.url("/movie/bi/mi/basic.nhn?code=601"))
        dialog.try_button.click()
        # The click returns while the page is still on its way: the window never waits.
        assert "Fetching" in dialog.preview.toPlainText()
        assert not dialog.try_button.isEnabled()
        qtbot.waitUntil(dialog.try_button.isEnabled, timeout=10_000)
        text = dialog.preview.toPlainText()
        assert "title.name: 1 matched, 1 value" in text and "-> year 2019" in text
        assert "every required field matched" in text

        choose(dialog.try_stage, "gallery")
        dialog.try_url.setText(site.url("/movie/bi/mi/basic.nhn?code=601"))
        dialog.try_button.click()
        qtbot.waitUntil(dialog.try_button.isEnabled, timeout=10_000)
        assert "MISSING gallery.posters" in dialog.preview.toPlainText()

        dialog.try_url.setText(site.url("/gone"))
        dialog.try_button.click()
        qtbot.waitUntil(dialog.try_button.isEnabled, timeout=10_000)
        assert dialog.preview.toPlainText().startswith("Could not try the page:")
        assert "HTTP 404" in dialog.preview.toPlainText()
