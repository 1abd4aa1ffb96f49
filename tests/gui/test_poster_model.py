"""The grid's list model: paging, data roles, thumbnails, fixed lists, refresh after edits."""

from __future__ import annotations

import os
import sys
import threading

import pytest
from PySide6.QtCore import QModelIndex, Qt, QThreadPool
from PySide6.QtGui import QPixmap

from poster_tool.core.records import Poster, PosterQuery
from poster_tool.gui.common import thumbnails, workers
from poster_tool.gui.common.thumbnails import ThumbKey, ThumbnailCache
from poster_tool.gui.grid import poster_model
from poster_tool.gui.grid.poster_model import (
    PosterIdRole,
    PosterModel,
    PosterRole,
    ThumbnailRole,
    ThumbnailStateRole,
    VerdictRole,
)


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages of 3 ids, so eight posters take three fetches."""
    monkeypatch.setattr(poster_model, "ID_PAGE", 3)
    monkeypatch.setattr(poster_model, "RECORD_PAGE", 2)


def test_the_first_page_comes_at_once_and_a_worker_reads_the_rest(
    catalog, small_pages, qtbot, qtmodeltester
) -> None:
    model = PosterModel(catalog.store)
    model.workspace = catalog.workspace
    model.set_query(PosterQuery())
    assert (model.rowCount(), model.counting) == (3, True)
    with qtbot.waitSignal(model.counted, timeout=5000):
        pass  # the rest arrives as inserted rows: inclusive beginInsertRows last
    assert (model.total, model.rowCount(), model.counting) == (8, 8, False)
    qtmodeltester.check(model)
    model.fetch_all()
    assert model.rowCount() == 8 and not model.canFetchMore(QModelIndex())
    names = [model.index(r).data(PosterRole).title_name for r in range(8)]
    assert names == sorted(names, key=str.casefold)  # title order
    assert sorted(model.index(r).data(PosterIdRole) for r in range(8)) == sorted(catalog.all_ids)


def test_the_worker_waits_until_the_first_page_is_painted(catalog, small_pages, qtbot) -> None:
    # The window repaints on the model's reset; a worker started meanwhile would slow
    # that paint by competing for the interpreter.
    pool = QThreadPool.globalInstance()
    pool.waitForDone()
    model = PosterModel(catalog.store)
    model.workspace = catalog.workspace
    busy_at_reset: list[int] = []
    model.modelReset.connect(lambda: busy_at_reset.append(pool.activeThreadCount()))
    model.set_query(PosterQuery())
    assert busy_at_reset == [0] and pool.activeThreadCount() == 0
    with qtbot.waitSignal(model.counted, timeout=5000):
        pass
    assert model.rowCount() == 8


def test_a_worker_superseded_before_it_starts_never_runs(catalog, small_pages, qtbot) -> None:
    model = PosterModel(catalog.store)
    model.workspace = catalog.workspace
    model.set_query(PosterQuery(sort="newest"))
    superseded = model._loader
    assert superseded is not None
    ran: list[str] = []
    superseded.signals.started.connect(lambda: ran.append("started"))
    model.set_query(PosterQuery())  # before the first query's worker had its turn
    with qtbot.waitSignal(model.counted, timeout=5000):
        pass
    qtbot.wait(50)  # the superseded worker, had it run, would have said so by now
    assert ran == []
    assert sorted(model.index(r).data(PosterIdRole) for r in range(8)) == sorted(catalog.all_ids)


def test_a_first_page_too_slow_to_wait_for_is_shown_before_the_rest_is_read(
    catalog, small_pages, qtbot, monkeypatch
) -> None:
    monkeypatch.setattr(PosterModel, "_first_page", lambda *_: None)  # over FIRST_PAGE_S
    model = PosterModel(catalog.store)
    model.workspace = catalog.workspace
    inserted: list[tuple[int, int, bool]] = []
    model.rowsInserted.connect(
        lambda _p, first, last: inserted.append((first, last, model.counting))
    )
    model.set_query(PosterQuery())
    assert model.rowCount() == 0
    with qtbot.waitSignal(model.counted, timeout=5000):
        pass
    # The page first, while the worker still reads; then the other five, all counted.
    assert inserted == [(0, 2, True), (3, 7, False)]
    names = [model.index(r).data(PosterRole).title_name for r in range(8)]
    assert names == sorted(names, key=str.casefold)
    assert sorted(model.index(r).data(PosterIdRole) for r in range(8)) == sorted(catalog.all_ids)


def test_data_roles_describe_the_poster(catalog) -> None:
    parasite = catalog.posters["Parasite"][0]
    catalog.store.write_model_scores(
        "m1", {parasite: {"Drama": 0.9, "Comedy": 0.7, "Thriller": 0.2}}, {}
    )
    model = PosterModel(catalog.store)
    model.set_ids([parasite])
    index = model.index(0)
    poster = index.data(PosterRole)
    assert isinstance(poster, Poster)
    assert index.data(Qt.ItemDataRole.DisplayRole) == "Parasite (2019)"
    assert index.data(PosterIdRole) == parasite
    # Official genres stay; the model adds Comedy (its 0.2 for Thriller is not "sure").
    assert poster.genres == ("Drama", "Comedy", "Thriller")  # taxonomy order
    verdict = index.data(VerdictRole)
    assert [(g.genre, g.provenance) for g in verdict.genres] == [
        ("Drama", "source"),
        ("Comedy", "model"),
        ("Thriller", "source"),
    ]
    assert f"Exports as: {verdict.line()}" in index.data(Qt.ItemDataRole.ToolTipRole)
    assert "Comedy (model 0.70)" in verdict.line()
    assert index.data(ThumbnailRole) is None  # no cache: no pictures


def test_thumbnails_load_off_thread_then_the_row_repaints(catalog, qtbot) -> None:
    cache = ThumbnailCache(catalog.workspace)
    model = PosterModel(catalog.store, cache)
    model.thumb_side = 120
    model.set_query(PosterQuery())
    index = model.index(0)
    assert index.data(ThumbnailRole) is None  # placeholder while decoding
    assert index.data(ThumbnailStateRole) == "loading"
    with qtbot.waitSignal(model.dataChanged, timeout=5000) as blocker:
        pass
    assert blocker.args[0].row() == 0 and blocker.args[2] == [ThumbnailRole]
    pixmap = index.data(ThumbnailRole)
    assert isinstance(pixmap, QPixmap) and max(pixmap.width(), pixmap.height()) == 120
    assert index.data(ThumbnailStateRole) == "ready"
    cache.wait()


@pytest.mark.skipif(sys.platform != "linux", reason="threads have priorities of their own on Linux")
def test_pictures_decode_at_a_lower_priority_than_the_window(
    catalog, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The window's thread wins a core over the threads decoding pictures for a scroll."""
    seen: list[int] = []
    decode = thumbnails.decode
    monkeypatch.setattr(
        thumbnails,
        "decode",
        lambda *args: (
            seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id())),
            decode(*args),
        )[1],
    )
    cache = ThumbnailCache(catalog.workspace)
    model = PosterModel(catalog.store, cache)
    model.set_query(PosterQuery())
    with qtbot.waitSignal(model.dataChanged, timeout=5000):
        model.index(0).data(ThumbnailRole)
    cache.wait()
    window = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert seen and set(seen) == {min(19, window + workers.BACKGROUND_NICE)}


def test_thumbnail_cache_stays_within_its_budget(catalog, qtbot) -> None:
    one = 80 * 120 * 4  # bytes of one 120-px-tall portrait thumbnail
    cache = ThumbnailCache(catalog.workspace, budget=3 * one)
    for poster in catalog.store.posters(catalog.all_ids):
        cache.request(ThumbKey(poster.id, 120), cache.source(poster.sha256, poster.path))
    qtbot.waitUntil(lambda: cache.pending == 0, timeout=5000)
    assert len(cache) == 3 and cache.bytes_used <= 3 * one
    cache.wait()


def test_a_missing_image_is_reported_broken_not_retried_forever(catalog, qtbot) -> None:
    poster = catalog.store.get_poster(catalog.posters["Paddington"][0])
    catalog.workspace.thumb_path(poster.sha256).unlink()
    catalog.workspace.image_path(poster.path).unlink()
    cache = ThumbnailCache(catalog.workspace)
    model = PosterModel(catalog.store, cache)
    model.set_ids([poster.id])
    model.index(0).data(ThumbnailRole)
    qtbot.waitUntil(lambda: cache.pending == 0, timeout=5000)
    assert model.index(0).data(ThumbnailStateRole) == "broken"
    cache.wait()


def test_a_fixed_list_keeps_its_order(catalog, qtmodeltester) -> None:
    ids = [catalog.posters["Alien"][2], catalog.posters["Parasite"][0], catalog.posters["Alien"][0]]
    model = PosterModel(catalog.store)
    model.set_ids(ids)
    qtmodeltester.check(model)
    assert [model.index(r).data(PosterIdRole) for r in range(3)] == ids
    assert model.fixed


def test_edited_posters_repaint_and_later_pages_skip_nothing(catalog, small_pages) -> None:
    model = PosterModel(catalog.store)
    model.workspace = catalog.workspace  # the first page now, the rest later
    model.set_query(PosterQuery(status="pending"))
    first_page = [model.poster_id(r) for r in range(model.rowCount())]
    # Approving the loaded posters takes them out of the "pending" query: the next page
    # must still start right after them, not three rows further on.
    catalog.store.set_status(dict.fromkeys(first_page, "approved"), "tester")
    changed = []
    model.dataChanged.connect(lambda a, b, roles=(): changed.append(a.row()))
    model.refresh(first_page)
    assert sorted(changed) == [0, 1, 2]
    assert model.index(0).data(PosterRole).status == "approved"
    model.fetch_all()
    assert sorted(model.poster_id(r) for r in range(model.rowCount())) == sorted(catalog.all_ids)


def test_next_undecided_skips_curated_and_decided_posters(catalog, small_pages) -> None:
    model = PosterModel(catalog.store)
    model.set_query(PosterQuery())
    model.fetch_all()
    ids = [model.poster_id(r) for r in range(model.rowCount())]
    catalog.store.set_status({ids[1]: "approved"}, "tester")
    catalog.store.set_genres({ids[2]: ["Drama"]}, "tester")
    assert model.next_undecided(0) == 3
    for poster_id in ids[4:]:
        catalog.store.set_status({poster_id: "rejected"}, "tester")
    assert model.next_undecided(3) is None


def test_rows_about_to_scroll_in_are_read_with_their_pictures_before_they_show(
    catalog, small_pages, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = ThumbnailCache(catalog.workspace)
    model = PosterModel(catalog.store, cache)
    model.workspace = catalog.workspace
    model.thumb_side = 120
    with qtbot.waitSignal(model.counted, timeout=5000):
        model.set_query(PosterQuery())
    # The GUI thread's store is not asked: a worker reads the records.
    monkeypatch.setattr(catalog.store, "posters", lambda ids: pytest.fail("read on the GUI thread"))
    assert not model.at_hand(6)
    model.read_ahead(6, 7)
    qtbot.waitUntil(lambda: model.at_hand(6), timeout=5000)  # record and picture both
    assert model.index(6).data(PosterIdRole) == model.poster_id(6)
    assert model.index(6).data(PosterRole).id == model.poster_id(6)
    assert isinstance(model.index(6).data(ThumbnailRole), QPixmap)
    cache.wait()


def test_records_read_ahead_before_an_edit_are_not_shown_after_it(
    catalog, small_pages, qtbot
) -> None:
    model = PosterModel(catalog.store)
    model.workspace = catalog.workspace
    with qtbot.waitSignal(model.counted, timeout=5000):
        model.set_query(PosterQuery())
    poster_id = model.poster_id(6)
    model.read_ahead(6, 7)
    catalog.store.set_status({poster_id: "approved"}, "tester")
    model.refresh([poster_id])  # the edit lands while the worker reads
    qtbot.waitUntil(lambda: model._reader is None, timeout=5000)
    assert model.index(6).data(PosterRole).status == "approved"
