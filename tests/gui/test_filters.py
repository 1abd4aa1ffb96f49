"""Each filter of the bar narrows the grid; near-duplicate and similar-poster lists."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from poster_tool.core.imaging import check_bytes
from poster_tool.core.intake import Intake
from poster_tool.gui.main_window import MainWindow
from tests.gui.conftest import fill


@pytest.fixture
def window(qtbot, catalog, settings) -> MainWindow:
    win = MainWindow(catalog.workspace, settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def shown(win: MainWindow) -> list[int]:
    win.model.fetch_all()
    return [win.model.poster_id(r) for r in range(win.model.rowCount())]


def titles_shown(win: MainWindow) -> set[str]:
    return {win.model.poster_at(r).title_name for r in range(len(shown(win)))}


def choose(combo, value) -> None:
    combo.setCurrentIndex(combo.findData(value))


def test_text_search_matches_english_and_korean_titles(window) -> None:
    window.filter_bar.search.setText("para")
    window.filter_bar.flush()
    assert titles_shown(window) == {"Parasite"}
    window.filter_bar.search.setText("괴물")  # The Host's original title
    window.filter_bar.flush()
    assert titles_shown(window) == {"The Host"}
    window.filter_bar.search.setText("")
    window.filter_bar.flush()
    assert len(shown(window)) == 8


def test_genre_and_status_filters(window, catalog) -> None:
    choose(window.filter_bar.genre, "Horror")
    assert titles_shown(window) == {"Alien", "The Host"}
    catalog.store.set_status({catalog.posters["Alien"][0]: "approved"}, "tester")
    choose(window.filter_bar.status, "approved")
    assert shown(window) == [catalog.posters["Alien"][0]]
    choose(window.filter_bar.genre, None)
    choose(window.filter_bar.status, "pending")
    assert len(shown(window)) == 7


def test_the_choices_count_the_grid_shown_and_stop_counting_one_left(qtbot, window) -> None:
    bar = window.filter_bar
    horror = bar.genre.findData("Horror")
    qtbot.waitUntil(lambda: bar.genre.itemText(horror) == "Horror (5)")  # of all 8 posters
    choose(bar.status, "approved")
    left = window._facets
    choose(bar.status, "pending")  # before the approved posters' counts came in
    assert left is not None and left.cancelled  # its core goes to the new query
    qtbot.waitUntil(lambda: bar.status.itemText(bar.status.findData("pending")) == "Pending (8)")
    assert bar.genre.itemText(horror) == "Horror (5)"


def test_source_filter_lists_the_sources_present(qtbot, window, catalog) -> None:
    extra = fill(
        catalog.workspace,
        catalog.store,
        titles=(("Okja", "옥자", 2017, ("Adventure",), [(10, 200, 120)]),),
        source="crawl",
    )
    window.act.refresh.trigger()
    sources = [
        window.filter_bar.source.itemData(i) for i in range(1, window.filter_bar.source.count())
    ]
    assert sources == ["crawl", "test"]
    choose(window.filter_bar.source, "crawl")
    assert shown(window) == extra["Okja"]


def test_model_disagrees_and_least_certain_first(window, catalog) -> None:
    parasite, alien = catalog.posters["Parasite"][0], catalog.posters["Alien"][0]
    thresholds = {"Drama": 0.5, "Thriller": 0.5, "Horror": 0.5, "Sci-Fi": 0.5}
    catalog.store.write_model_scores(
        "m1",
        {
            parasite: {"Drama": 0.9, "Thriller": 0.8, "Horror": 0.1, "Sci-Fi": 0.05},  # agrees
            alien: {"Drama": 0.9, "Thriller": 0.45, "Horror": 0.55, "Sci-Fi": 0.9},  # sure of Drama
        },
        thresholds,
    )
    window.filter_bar.disagrees.setChecked(True)
    assert shown(window) == [alien]
    window.filter_bar.disagrees.setChecked(False)
    choose(window.filter_bar.sort, "uncertain")
    order = shown(window)
    assert order[:2] == [alien, parasite]  # Alien's Thriller 0.45 is nearest a coin flip
    assert window.settings.sort == "uncertain"
    # The queue says where the curator is, and every card shows how unsure the model is.
    window.grid.select_row(1)
    assert "2 of 8 in the least-certain queue" in window.status.counts.text()
    assert window.grid.delegate.always_uncertainty
    choose(window.filter_bar.sort, "title")
    assert not window.grid.delegate.always_uncertainty
    assert "in the least-certain queue" not in window.status.counts.text()


def test_clear_filters_resets_every_filter_at_once_and_keeps_the_sort(qtbot, window) -> None:
    bar = window.filter_bar
    assert not bar.clear.isEnabled()  # nothing to clear
    choose(bar.sort, "newest")
    bar.search.setText("para")
    bar.flush()
    choose(bar.genre, "Thriller")
    bar.undecided.setChecked(True)
    assert bar.clear.isEnabled() and titles_shown(window) == {"Parasite"}
    with qtbot.waitSignal(bar.query_changed) as changed:
        bar.clear.click()
    assert changed.args[0].sort == "newest" and not changed.args[0].filtered
    assert len(shown(window)) == 8 and bar.search.text() == "" and not bar.clear.isEnabled()


def test_no_choice_of_the_bar_is_clipped(window) -> None:
    for combo in (window.filter_bar.sort, window.filter_bar.genre, window.filter_bar.status):
        widest = max(
            combo.fontMetrics().horizontalAdvance(combo.itemText(i)) for i in range(combo.count())
        )
        assert combo.sizeHint().width() > widest, combo.itemText(combo.count() - 1)


def test_no_curator_labels_filter(window, catalog) -> None:
    curated = catalog.posters["Paddington"][0]
    catalog.store.set_genres({curated: ["Family"]}, "tester")
    window.filter_bar.undecided.setChecked(True)
    assert curated not in shown(window) and len(shown(window)) == 7


def reencoded(data: bytes) -> bytes:
    """The same picture saved again at another quality: a near-duplicate."""
    out = io.BytesIO()
    Image.open(io.BytesIO(data)).save(out, "JPEG", quality=60)
    return out.getvalue()


def test_near_duplicates_of_the_selected_poster(qtbot, window, catalog) -> None:
    original = catalog.store.get_poster(catalog.posters["Parasite"][0])
    data = catalog.workspace.image_path(original.path).read_bytes()
    title_id = catalog.store.get_poster(catalog.posters["Alien"][0]).title_id
    with catalog.store.transaction():
        twin = (
            Intake(catalog.workspace, catalog.store)
            .ingest(check_bytes(reencoded(data)), title_id=title_id, source="test")
            .poster_id
        )
    window.model.set_ids([original.id])
    window.grid.select_row(0)
    with qtbot.waitSignal(window.model.modelReset, timeout=5000):
        window.act.near_duplicates.trigger()
    assert shown(window) == [original.id, twin]
    assert window.filter_bar.banner.isVisibleTo(window)
    window.filter_bar.banner_close.click()
    assert len(shown(window)) == 9 and not window.filter_bar.banner.isVisibleTo(window)


def test_similar_posters_by_embedding_closest_first(qtbot, window, catalog) -> None:
    ids = catalog.all_ids
    rng = np.random.default_rng(0)
    base = rng.normal(size=16).astype(np.float32)
    vectors = {ids[0]: base, ids[5]: base + 0.1, ids[3]: base + 0.8, ids[1]: -base}
    with catalog.store.transaction():
        catalog.store._many(
            "INSERT INTO embeddings(poster_id, backbone, vector) VALUES (?, 'test@1', ?)",
            [(i, v.astype(np.float32).tobytes()) for i, v in vectors.items()],
        )
    window.model.set_ids([ids[0]])
    window.grid.select_row(0)
    with qtbot.waitSignal(window.model.modelReset, timeout=5000):
        window.act.similar.trigger()
    assert shown(window) == [ids[0], ids[5], ids[3], ids[1]]


def test_similar_without_embeddings_says_why(qtbot, window, monkeypatch) -> None:
    messages: list[str] = []
    monkeypatch.setattr(
        "poster_tool.gui.main_window.show_error", lambda parent, message: messages.append(message)
    )
    window.grid.select_row(0)
    window.act.similar.trigger()
    qtbot.waitUntil(lambda: bool(messages), timeout=5000)
    assert "no embedding yet" in messages[0]


def test_enter_in_the_search_field_searches_and_returns_to_the_grid(qtbot, window) -> None:
    from PySide6.QtCore import Qt

    window.activateWindow()
    window.filter_bar.search.setFocus()
    qtbot.keyClicks(window.filter_bar.search, "alien")  # letters type, never approve
    qtbot.keyClick(window.filter_bar.search, Qt.Key.Key_Return)
    assert titles_shown(window) == {"Alien"}
    assert window.filter_bar.search.text() == "alien"
    assert {window.model.poster_at(r).status for r in range(3)} == {"pending"}
