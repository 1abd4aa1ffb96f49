"""The catalog store: titles merge, posters, curator edits with audit, queries, stats."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from poster_tool.core.catalog import connection, posters
from poster_tool.core.catalog.store import PosterStore
from poster_tool.core.errors import StoreError, TimeUp
from poster_tool.core.records import PosterQuery, TitleIn


def add(store: PosterStore, title_id: int, n: int, source: str = "test") -> int:
    poster_id, created = store.add_poster(
        title_id=title_id,
        sha256=f"{n:064x}",
        path=f"images/{n}.jpg",
        width=300,
        height=450,
        phash=f"{n:016x}",
        file_format="JPEG",
        file_size=1000,
        source=source,
    )
    assert created
    return poster_id


@pytest.fixture
def catalog(fresh_store: PosterStore) -> tuple[PosterStore, int, int, list[int]]:
    store = fresh_store
    drama, _ = store.upsert_title(
        TitleIn(
            "imdb:tt1",
            "Parasite",
            2019,
            original_name="기생충",
            imdb_id="tt1",
            genres=("Thriller", "Drama"),
        )
    )
    horror, _ = store.upsert_title(TitleIn("imdb:tt2", "Alien", 1979, genres=("Horror", "Sci-Fi")))
    ids = [add(store, drama, 1), add(store, drama, 2), add(store, horror, 3)]
    return store, drama, horror, ids


def test_titles_merge_on_imdb_or_tmdb_id_and_fill_gaps(fresh_store: PosterStore) -> None:
    first, created = fresh_store.upsert_title(TitleIn("imdb:tt9", "Heat", None, imdb_id="tt9"))
    again, created_again = fresh_store.upsert_title(
        TitleIn("tmdb:949", "Heat", 1995, imdb_id="tt9", tmdb_id=949, genres=("Crime",))
    )
    assert created and not created_again and first == again
    title = fresh_store.get_title(first)
    assert (title.year, title.tmdb_id, title.genres) == (1995, 949, ("Crime",))


def test_poster_gets_source_labels_and_same_content_is_stored_once_per_title(catalog) -> None:
    store, drama, horror, ids = catalog
    assert store.get_poster(ids[0]).genres == ("Drama", "Thriller")  # taxonomy order
    again, created = store.add_poster(
        title_id=drama,
        sha256=f"{1:064x}",
        path="x",
        width=1,
        height=1,
        phash="0" * 16,
        file_format="JPEG",
        file_size=1,
        source="test",
    )
    assert (again, created) == (ids[0], False)
    twin, created = store.add_poster(
        title_id=horror,
        sha256=f"{1:064x}",
        path="x",
        width=1,
        height=1,
        phash="0" * 16,
        file_format="JPEG",
        file_size=1,
        source="test",
    )
    assert created and store.get_poster(twin).duplicate_of == ids[0]


def test_status_edit_is_written_and_audited_with_before_and_after(catalog) -> None:
    store, _, _, ids = catalog
    store.set_status({ids[0]: "approved", ids[1]: "rejected"}, "ann")
    assert [p.status for p in store.posters(ids[:2])] == ["approved", "rejected"]
    entries = store.audit_log(ids[0])
    assert [(e.curator, e.action, e.before, e.after) for e in entries] == [
        ("ann", "status", "pending", "approved")
    ]
    with pytest.raises(StoreError, match="unknown status"):
        store.set_status({ids[0]: "maybe"}, "ann")


def test_curator_genres_override_source_and_clearing_restores_them(catalog) -> None:
    store, _, _, ids = catalog
    store.set_genres({ids[0]: ["Family", "Drama"]}, "ann")
    poster = store.get_poster(ids[0])
    assert poster.curated and poster.genres == ("Drama", "Family")
    curator_labels = [lab for lab in store.labels(ids[0]) if lab.source == "curator"]
    assert {(lab.genre, lab.curator) for lab in curator_labels} == {
        ("Drama", "ann"),
        ("Family", "ann"),
    }
    store.set_genres({ids[0]: None}, "bob")
    assert store.get_poster(ids[0]).genres == ("Drama", "Thriller")
    assert store.audit_log(ids[0])[0].before == ["Drama", "Family"]


def test_toggle_genre_on_a_selection_adds_to_all_then_removes_from_all(catalog) -> None:
    store, _, _, ids = catalog
    store.toggle_genre(ids, "Thriller", "ann")  # two have it, one does not: turn on for all
    assert all("Thriller" in p.genres for p in store.posters(ids))
    store.toggle_genre(ids, "Thriller", "ann")
    assert all("Thriller" not in p.genres for p in store.posters(ids))
    with pytest.raises(StoreError, match="unknown genre"):
        store.set_genres({ids[0]: ["Noir"]}, "ann")


def test_one_default_per_title_and_sensitive_needs_a_reason(catalog) -> None:
    store, drama, _, ids = catalog
    store.set_default(ids[0], "ann")
    store.set_default(ids[1], "ann")
    assert [p.is_default for p in store.pool(drama)] == [True, False]
    assert store.pool(drama)[0].id == ids[1]
    assert store.get_title(drama).default_poster_id == ids[1]
    store.set_sensitive({ids[0]: "religious imagery"}, "ann")
    assert store.get_poster(ids[0]).sensitive_reason == "religious imagery"
    with pytest.raises(StoreError, match="needs a reason"):
        store.set_sensitive({ids[1]: "  "}, "ann")
    store.set_sensitive({ids[0]: None}, "ann")
    assert not store.get_poster(ids[0]).sensitive


def test_failed_bulk_edit_changes_nothing(catalog) -> None:
    store, _, _, ids = catalog
    with pytest.raises(StoreError, match="no poster with id 999"):
        store.set_status({ids[0]: "approved", 999: "approved"}, "ann")
    assert store.get_poster(ids[0]).status == "pending"
    assert store.audit_log() == []


def test_a_large_edit_tells_its_progress_part_by_part_and_lands_whole(
    fresh_store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(connection, "PART", 2)
    store = fresh_store
    title, _ = store.upsert_title(TitleIn("csv:t", "Parasite", 2019, genres=("Drama",)))
    ids = [add(store, title, n) for n in range(1, 6)]
    told: list[tuple[int, int]] = []
    store.on_progress = lambda done, total: told.append((done, total))
    store.set_status(dict.fromkeys(ids, "approved"), "ann")
    assert told == [(2, 5), (4, 5), (5, 5)]
    assert {p.status for p in store.posters(ids)} == {"approved"}
    assert len(store.audit_log(action="status")) == 5
    told.clear()  # an undo's three writes (status, genres, sensitivity): a third each
    store.put_curation_state(
        {i: {"status": "pending", "genres": ["Comedy"], "sensitive": "nudity"} for i in ids}, "ann"
    )
    assert [round(done / total, 2) for done, total in told] == [
        0.13,
        0.27,
        0.33,
        0.47,
        0.6,
        0.67,
        0.8,
        0.93,
        1.0,
    ]
    assert store.on_progress is not None and store.get_poster(ids[4]).genres == ("Comedy",)


def test_search_text_with_like_wildcards_matches_them_literally(catalog) -> None:
    store, _, _, ids = catalog
    pct, _ = store.upsert_title(TitleIn("csv:pct", "100% Wolf", 2020))
    under, _ = store.upsert_title(TitleIn("csv:under", "Wolf_Man\\", 1941))
    wolf = [add(store, pct, 10), add(store, under, 11)]
    assert store.query_ids(PosterQuery(text="%")) == [wolf[0]]
    assert store.query_ids(PosterQuery(text="_")) == [wolf[1]]
    assert store.query_ids(PosterQuery(text="\\")) == [wolf[1]]
    assert store.query_ids(PosterQuery(text="wolf")) == wolf
    assert store.query_ids(PosterQuery(text="100_")) == []  # "_" is no wildcard


def test_a_search_pages_in_sort_order_whether_its_titles_are_few_or_many(
    fresh_store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A word in 1 title of 10 makes a page walk the sort's order (the title sort: the
    titles' order); one title of 300 is read by its posters. Both give each page of the
    full result, in order, with titles sharing a name and year, a renamed title, and a
    walk that gives up before its page is full."""
    store = fresh_store
    n = 0

    def title(key: str, name: str, year: int) -> None:
        nonlocal n
        title_id, _ = store.upsert_title(TitleIn(key, name, year))
        for _ in range(2):
            n += 1
            add(store, title_id, n)

    for i in range(300):
        name = f"River {i}" if i % 10 == 3 else f"Lake {i:03d}"
        title(f"csv:{i}", name, 1950 + i % 70)
    title("csv:twin-a", "River Twin", 1999)
    title("csv:twin-b", "River Twin", 1999)  # the same place in the title sort
    title("csv:tt1", "tt1", 2000)  # a name standing in, then the real one: a new place
    store.upsert_title(TitleIn("csv:tt1", "Big River", 2000))
    store.set_status({i: "approved" for i in range(1, n + 1, 3)}, "ann")
    # The least certain posters are the lakes': a walk in that order meets rivers late.
    store._run("UPDATE posters SET model_uncertainty = 1.0 / id")

    def pages_agree(text: str, matches: int | None = None) -> None:
        for sort in ("title", "id", "newest", "uncertain"):
            for status in (None, "approved"):
                q = PosterQuery(text=text, sort=sort, status=status)
                every = store.query_ids(q, 0, -1)
                assert len(every) == (matches if status is None else len(every))
                assert store.query_ids(q, 0, 7) == every[:7], (text, sort, status)
                assert store.query_ids(q, 7, 7) == every[7:14], (text, sort, status)
                assert store.count(q) == len(every)

    for text, matches in (("river", 66), ("lake 042", 2), ("zzz", 0), ("ri", 66)):
        pages_agree(text, matches)
    title_sorted = store.posters(store.query_ids(PosterQuery(text="river", sort="title"), 0, 4))
    assert [p.title_name for p in title_sorted] == ["Big River"] * 2 + ["River 103"] * 2
    names = {p.title_name for p in store.posters(store.query_ids(PosterQuery(text="river")))}
    assert names == {f"River {i}" for i in range(3, 300, 10)} | {"River Twin", "Big River"}
    monkeypatch.setattr(posters, "_WALK_ROWS", 1)  # every walk gives up: pages gather
    pages_agree("river", 66)


def test_the_title_search_follows_new_renamed_and_removed_titles(fresh_store) -> None:
    """On SQLite a trigram index finds the titles of a word of 3 letters or more: it must
    follow every change of the titles and match whole substrings only."""
    store = fresh_store
    n = 0

    def title(key: str, name: str) -> int:
        nonlocal n
        title_id, _ = store.upsert_title(TitleIn(key, name, 2001))
        n += 1
        add(store, title_id, n)
        return title_id

    def found(text: str) -> set[str]:
        return {p.title_name for p in store.posters(store.query_ids(PosterQuery(text=text)))}

    title("csv:a", "Abcd Cdy")
    title("csv:b", "The Bcdy Affair")
    title("csv:tt9", "tt9")  # a name standing in for a missing one
    assert found("bcdy") == {"The Bcdy Affair"}  # not "Abcd Cdy", which has its trigrams
    assert found("bcd") == {"Abcd Cdy", "The Bcdy Affair"}
    assert found("bc") == {"Abcd Cdy", "The Bcdy Affair"}  # too short for trigrams: read
    store.upsert_title(TitleIn("csv:tt9", "Moonlight River", 2001))  # the real name comes
    assert found("moonlight") == {"Moonlight River"}
    assert found("tt9") == set()
    removed = title("csv:c", "Gone Girl")
    assert found("gone") == {"Gone Girl"}
    store._run("DELETE FROM titles WHERE id = ?", [removed])  # (its poster goes with it)
    assert found("gone") == set()


def test_queries_filter_by_text_genre_status_and_sort(catalog) -> None:
    store, _, horror, ids = catalog
    store.set_status({ids[2]: "approved"}, "ann")
    assert store.query_ids(PosterQuery(text="기생")) == ids[:2]
    assert store.query_ids(PosterQuery(text="ALIEN")) == [ids[2]]
    assert store.query_ids(PosterQuery(genre="Horror")) == [ids[2]]
    assert store.query_ids(PosterQuery(status="approved")) == [ids[2]]
    assert store.query_ids(PosterQuery(title_id=horror)) == [ids[2]]
    assert store.query_ids(PosterQuery(sort="title")) == [ids[2], *ids[:2]]  # Alien < Parasite
    assert store.query_ids(PosterQuery(sort="newest"), 0, 2) == [ids[2], ids[1]]
    assert store.count(PosterQuery(genre="Drama")) == 2


def test_model_scores_drive_disagreement_and_least_certain_first(catalog) -> None:
    store, _, _, ids = catalog  # ids[0], ids[1]: Drama + Thriller; ids[2]: Horror + Sci-Fi
    cuts = {"Drama": 0.5, "Thriller": 0.5, "Horror": 0.5}
    store.write_model_scores(
        "m1",
        {
            ids[0]: {"Drama": 0.9, "Thriller": 0.8, "Horror": 0.1},  # agrees, confident
            ids[1]: {"Drama": 0.55, "Thriller": 0.03, "Horror": 0.45},  # sure Thriller is wrong
        },
        cuts,
    )
    assert store.query_ids(PosterQuery(disagrees=True)) == [ids[1]]
    assert store.query_ids(PosterQuery(sort="uncertain")) == [ids[1], ids[0], ids[2]]
    assert store.model_scores([ids[0]])[ids[0]]["Drama"] == pytest.approx(0.9)
    store.set_genres({ids[1]: ["Drama"]}, "ann")  # the curator now agrees with the model
    assert store.query_ids(PosterQuery(disagrees=True)) == []
    # Unsure either way is no disagreement; sure of a genre nobody labelled is one.
    store.write_model_scores("m1", {ids[2]: {"Horror": 0.2, "Drama": 0.6}}, cuts)
    assert store.query_ids(PosterQuery(disagrees=True)) == []
    store.write_model_scores("m1", {ids[2]: {"Horror": 0.2, "Drama": 0.95}}, cuts)
    assert store.query_ids(PosterQuery(disagrees=True)) == [ids[2]]


def test_the_model_suggests_at_most_three_genres_above_their_cuts(catalog) -> None:
    store, _, _, ids = catalog
    scores = {"Drama": 0.9, "Thriller": 0.7, "Horror": 0.65, "Comedy": 0.8, "War": 0.55}
    store.write_model_scores("m1", {ids[0]: scores}, {"War": 0.6, "Horror": 0.5})
    positive = store._run(
        "SELECT genre FROM poster_labels WHERE poster_id = ? AND source = 'model' "
        "AND positive = 1 ORDER BY genre",
        [ids[0]],
    ).fetchall()
    assert [g for (g,) in positive] == ["Comedy", "Drama", "Thriller"]


def test_a_new_model_replaces_every_label_of_the_old_one(catalog) -> None:
    store, _, _, ids = catalog
    store.write_model_scores("m1", {ids[0]: {"Comedy": 0.9, "War": 0.8}}, {})
    store.write_model_scores("m2", {ids[0]: {"Comedy": 0.2, "Drama": 0.7}, ids[1]: {}}, {})
    assert store.model_scores(ids[:2]) == {ids[0]: {"Comedy": 0.2, "Drama": 0.7}}
    assert store.model_suggestions([ids[0]]) == {ids[0]: ["Drama"]}
    assert store.get_poster(ids[0]).model_version == "m2"


def test_stats_counts_everything_the_cli_reports(catalog) -> None:
    store, _, _, ids = catalog
    store.set_status({ids[0]: "approved"}, "ann")
    store.set_genres({ids[1]: ["Comedy"]}, "ann")
    stats = store.stats()
    assert stats["titles"] == 2
    assert stats["posters"] == {"total": 3, "pending": 2, "approved": 1, "rejected": 0}
    assert stats["labels"] == {"source": 6, "model": 0, "curator": 1}
    assert stats["genres"] == {"Drama": 1, "Comedy": 1, "Thriller": 1, "Horror": 1, "Sci-Fi": 1}


def test_a_rare_genre_the_model_cannot_see_is_no_disagreement(catalog) -> None:
    store, _, _, ids = catalog  # ids[2]: Horror + Sci-Fi
    scores = {ids[2]: {"Horror": 0.6, "Sci-Fi": 0.02}}
    # Sci-Fi on 4 % of training posters: 0.02 is half its base rate, not "sure it is absent".
    store.write_model_scores("m1", scores, {}, {"Sci-Fi": 0.01})
    assert store.query_ids(PosterQuery(disagrees=True)) == []
    assert store.sure_absent_cuts("m1") == {"Sci-Fi": 0.01}
    store.write_model_scores("m2", scores, {}, {"Sci-Fi": 0.05})
    assert store.query_ids(PosterQuery(disagrees=True)) == [ids[2]]


def test_a_query_stops_when_asked_from_another_thread(fresh_store: PosterStore) -> None:
    # A worker's scan ends once the curator has moved on: the cancel comes from the GUI.
    slow = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1e9) "
    slow += "SELECT max(i) FROM n"
    moved_on = threading.Event()
    threading.Timer(0.05, moved_on.set).start()
    with pytest.raises(TimeUp, match="was stopped"), fresh_store.stop_when(moved_on.is_set):
        fresh_store._scalar(slow)
    assert fresh_store.count(PosterQuery()) == 0  # still true: later queries run


def test_a_query_past_its_time_limit_is_interrupted_and_the_store_still_answers(
    fresh_store: PosterStore,
) -> None:
    slow = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1e8) "
    slow += "SELECT max(i) FROM n"
    with pytest.raises(TimeUp, match="took over 0.01 s"), fresh_store.time_limit(0.01):
        fresh_store._scalar(slow)
    assert fresh_store.count(PosterQuery()) == 0  # the limit is gone afterwards


@pytest.mark.parametrize("sort", ["title", "id", "newest", "uncertain"])
def test_every_id_read_at_once_follows_the_pages_order(fresh_store: PosterStore, sort) -> None:
    # The grid's worker reads the whole result in one go; the rows must line up with the
    # pages read one by one, or the scrollbar would show posters in the wrong places.
    store = fresh_store
    titles = [
        store.upsert_title(TitleIn(f"imdb:tt{n}", name, 2000 + n))[0]
        for n, name in enumerate(["Zodiac", "alien", "Élite", "Brazil", "amour"])
    ]
    ids = [add(store, titles[n % len(titles)], n) for n in range(23)]
    store.set_status({ids[4]: "approved", ids[9]: "approved", ids[17]: "approved"}, "tester")
    for query in (PosterQuery(sort=sort), PosterQuery(sort=sort, status="approved")):
        pages = [i for offset in range(0, 23, 5) for i in store.query_ids(query, offset, 5)]
        assert store.query_id_array(query).tolist() == pages
    assert store.query_id_array(PosterQuery(sort=sort, text="nothing like it")).tolist() == []


def test_a_brief_read_does_not_map_the_file(tmp_path: Path) -> None:
    # Unmapping a scanned catalog at close stalls the window's reads of the file (~40 ms at
    # a million posters): a worker's brief read opens it unmapped, an import mapped.
    from poster_tool.core.catalog.engine_sqlite import MMAP_BYTES

    with PosterStore(tmp_path / "catalog.db") as mapped:
        assert mapped._scalar("PRAGMA mmap_size") == MMAP_BYTES
    with PosterStore(tmp_path / "catalog.db", mapped=False) as brief:
        assert brief._scalar("PRAGMA mmap_size") == 0
