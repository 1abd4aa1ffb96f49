"""Power filters (score range, not labelled, provenance, curator, edit dates) and saved views."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlite_utils import Database

from poster_tool.core import schema
from poster_tool.core.catalog import posters
from poster_tool.core.catalog.store import PosterStore
from poster_tool.core.errors import StoreError
from poster_tool.core.records import PosterQuery, TitleIn
from tests.core.test_curation_queries import add


@pytest.fixture
def world(fresh_store: PosterStore) -> dict[str, int]:
    """Four posters: two of a Drama title, one of a Horror title, one of a Comedy; the
    model scores Horror high on the first Drama poster and on the Horror one."""
    store = fresh_store
    drama, _ = store.upsert_title(TitleIn("t:1", "Quiet Days", 2001, genres=("Drama",)))
    horror, _ = store.upsert_title(TitleIn("t:2", "Night Things", 2002, genres=("Horror",)))
    comedy, _ = store.upsert_title(TitleIn("t:3", "Big Laughs", 2003, genres=("Comedy",)))
    ids = {
        "drama_a": add(store, drama, 1),
        "drama_b": add(store, drama, 2),
        "horror": add(store, horror, 3),
        "comedy": add(store, comedy, 4),
    }
    store.write_model_scores(
        "m1",
        {
            ids["drama_a"]: {"Horror": 0.8, "Drama": 0.7},
            ids["drama_b"]: {"Horror": 0.3, "Drama": 0.9},
            ids["horror"]: {"Horror": 0.95, "Drama": 0.1},
            ids["comedy"]: {"Horror": 0.05, "Drama": 0.2},
        },
        {"Horror": 0.6, "Drama": 0.5},
    )
    return ids


def found(store: PosterStore, **filters) -> set[int]:
    query = PosterQuery(**filters)
    got = set(store.query_ids(query, 0, 100))
    assert store.count(query) == len(got)
    return got


def test_score_range_and_not_labelled_find_what_the_model_sees_that_nobody_labelled(
    fresh_store, world
) -> None:
    assert found(fresh_store, score_genre="Horror", score_min=0.6) == {
        world["drama_a"],
        world["horror"],
    }
    assert found(fresh_store, score_genre="Horror", score_min=0.6, not_labelled="Horror") == {
        world["drama_a"]
    }
    assert found(fresh_store, score_genre="Horror", score_min=0.2, score_max=0.5) == {
        world["drama_b"]
    }
    # Both ends count, at the hundredths the window shows; unscored genres never match.
    assert found(fresh_store, score_genre="Horror", score_min=0.3, score_max=0.3) == {
        world["drama_b"]
    }
    assert found(fresh_store, score_genre="Comedy", score_max=1.0) == set()
    # The model's own suggestion is not a label: the poster it added Horror to still counts.
    assert "Horror" in fresh_store.get_poster(world["drama_a"]).genres


def test_provenance_of_the_final_genres(fresh_store, world) -> None:
    fresh_store.set_genres({world["comedy"]: ["Comedy", "Family"]}, "ana")
    assert found(fresh_store, provenance="curated") == {world["comedy"]}
    assert found(fresh_store, provenance="model") == {world["drama_a"]}  # Horror added
    assert found(fresh_store, provenance="official") == {world["drama_b"], world["horror"]}
    # Of one genre: where that genre comes from.
    assert found(fresh_store, genre="Horror", provenance="model") == {world["drama_a"]}
    assert found(fresh_store, genre="Horror", provenance="official") == {world["horror"]}
    assert found(fresh_store, genre="Family", provenance="curated") == {world["comedy"]}
    with pytest.raises(StoreError, match="unknown provenance 'guessed'"):
        found(fresh_store, provenance="guessed")


def test_curator_and_dates_follow_the_last_edit(fresh_store, world) -> None:
    fresh_store.set_status({world["horror"]: "approved"}, "ana")
    fresh_store.set_status({world["drama_a"]: "approved", world["horror"]: "rejected"}, "ben")
    assert fresh_store.curators() == ["ben"]  # ana's edit was overwritten by ben's
    assert found(fresh_store, curator="ben") == {world["drama_a"], world["horror"]}
    assert found(fresh_store, curator="ana") == set()
    today = fresh_store.audit_log(limit=1)[0].at[:10]
    assert found(fresh_store, edited_from=today, edited_to=today) == {
        world["drama_a"],
        world["horror"],
    }
    assert found(fresh_store, edited_to="2000-01-01") == set()
    with pytest.raises(StoreError, match="write it as YYYY-MM-DD"):
        found(fresh_store, edited_from="yesterday")


def test_filters_compose(fresh_store, world) -> None:
    fresh_store.set_sensitive({world["horror"]: "gore"}, "ana")
    assert found(fresh_store, score_genre="Horror", score_min=0.6, sensitive=False) == {
        world["drama_a"]
    }
    assert found(fresh_store, score_genre="Horror", score_min=0.6, sensitive=True) == {
        world["horror"]
    }
    assert found(fresh_store, genre="Drama", curator="ana") == set()


def test_facet_counts_count_each_choice_within_the_query(fresh_store, world) -> None:
    fresh_store.set_status({world["horror"]: "approved"}, "ana")
    counts = fresh_store.facet_counts(PosterQuery(score_genre="Horror", score_min=0.6))
    assert counts["genre"]["Horror"] == 2 and counts["genre"]["Drama"] == 1
    assert counts["status"] == {"pending": 1, "approved": 1, "rejected": 0}
    assert counts["provenance"] == {"curated": 0, "official": 1, "model": 1}
    assert counts["sensitive"] == {True: 0, False: 2}
    assert counts["curator"] == {"ana": 1}
    for facet, field in (("provenance", "provenance"), ("status", "status")):
        for value, n in counts[facet].items():
            q = PosterQuery(score_genre="Horror", score_min=0.6, **{field: value})
            assert fresh_store.count(q) == n


def test_saved_views_are_created_renamed_and_deleted_audited(fresh_store) -> None:
    horror = PosterQuery(score_genre="Horror", score_min=0.6, not_labelled="Horror")
    fresh_store.put_view(None, "  Horror   check ", horror, "ana")
    assert fresh_store.saved_views() == {"Horror check": horror}
    fresh_store.put_view("Horror check", "Scary?", horror, "ben")
    with pytest.raises(StoreError, match="exists already"):
        fresh_store.put_view(None, "scary?", PosterQuery(), "ana")
    with pytest.raises(StoreError, match="needs a name"):
        fresh_store.put_view(None, " ", PosterQuery(), "ana")
    assert list(fresh_store.saved_views()) == ["Scary?"]
    fresh_store.put_view("Scary?", None, None, "ana")
    assert fresh_store.saved_views() == {}
    log = fresh_store.audit_log(limit=10)
    assert [(e.curator, e.action) for e in log] == [
        ("ana", "view"),
        ("ben", "view"),
        ("ana", "view"),
    ]
    assert log[1].before["name"] == "Horror check" and log[1].after["name"] == "Scary?"
    assert log[0].after is None and log[0].before["filters"]["score_min"] == 0.6


def test_a_view_keeps_its_filters_and_sort_but_not_a_fixed_list(fresh_store) -> None:
    query = PosterQuery(status="pending", provenance="model", sort="uncertain", ids=(1, 2))
    fresh_store.put_view(None, "Queue", query, "ana")
    assert fresh_store.saved_views()["Queue"] == PosterQuery(
        status="pending", provenance="model", sort="uncertain"
    )


def back_to(path: Path, version: int, migration: str, *undo: str) -> None:
    """Take the catalog at ``path`` back to schema ``version``: ``undo`` what ``migration``
    did, and forget it was applied, so the next open applies it again."""
    db = Database(path)
    for statement in undo:
        db.execute(statement)
    # sqlite-utils records the migrations it applied there
    db.execute("DELETE FROM _sqlite_migrations WHERE name = ?", [migration])
    db.execute(f"PRAGMA user_version = {version}")
    db.conn.commit()
    db.close()


def test_an_older_catalog_gets_its_last_edits_and_labels_back_filled(tmp_path) -> None:
    path = tmp_path / "catalog.db"
    store = PosterStore(path)
    title, _ = store.upsert_title(TitleIn("t:1", "Quiet Days", 2001, genres=("Drama",)))
    poster = add(store, title, 1)
    store.set_genres({poster: ["Horror"]}, "ana")
    store.set_status({poster: "approved"}, "ben")
    store.write_model_scores("m1", {poster: {"Sci-Fi": 0.91}}, {"Sci-Fi": 0.5})
    store.close()
    # What a catalog looked like before the power filters.
    back_to(
        path,
        7,
        "m009_power_filters",
        "DROP TRIGGER audit_log_last_edit",
        *(
            f"DROP INDEX {index}"
            for index in ("posters_edited", "posters_editor", "posters_sort", "posters_uncertain")
        ),
        "CREATE INDEX posters_sort ON posters(sort_key, id)",
        "CREATE INDEX posters_uncertain ON posters(model_uncertainty DESC, id)",
        *(
            f"ALTER TABLE posters DROP COLUMN {column}"
            for column in ("label_mask", "edited_by", "edited_at", "model_scores")
        ),
    )

    store = PosterStore(path)
    assert store.schema_version == schema.SCHEMA_VERSION
    assert store.query_ids(PosterQuery(curator="ben")) == [poster]
    assert store.query_ids(PosterQuery(not_labelled="Drama", provenance="curated")) == [poster]
    assert store.query_ids(PosterQuery(score_genre="Sci-Fi", score_min=0.9)) == [poster]
    assert store.query_ids(PosterQuery(score_genre="Sci-Fi", score_max=0.8)) == []
    store.close()


def test_edited_posters_page_alike_read_by_their_index_or_walked(
    fresh_store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While edited posters are few, a query for them alone reads them by their index and
    sorts them; the pages are those of the walk through the sort's order."""
    store = fresh_store
    ids = []
    for i in range(12):
        title, _ = store.upsert_title(TitleIn(f"t:{i}", f"Title {11 - i:02d}", 2000 + i))
        ids += [add(store, title, 2 * i + 1), add(store, title, 2 * i + 2)]
    store.set_genres({poster: ["Comedy"] for poster in ids[::3]}, "ana")
    store.set_status({poster: "approved" for poster in ids[1::4]}, "ben")
    today = store.audit_log(limit=1)[0].at[:10]
    queries = [
        PosterQuery(provenance="curated", sort=sort, status=status)
        for sort in ("title", "id", "newest", "uncertain")
        for status in (None, "approved")
    ] + [PosterQuery(edited_from=today, sort="title"), PosterQuery(edited_to=today, sort="newest")]
    monkeypatch.setattr(posters, "_FEW_EDITED", 0)  # never few: walked
    assert store._source(queries[0]) == "posters p"
    walked = [(store.query_ids(q, 0, 3), store.query_id_array(q).tolist()) for q in queries]
    assert walked[0][1] == sorted(ids[::3], key=lambda poster: (-poster // 2, poster))
    monkeypatch.setattr(posters, "_FEW_EDITED", 1_000)
    assert store._source(queries[0]).endswith("INDEXED BY posters_edited") == (
        store.dialect == "sqlite"
    )
    assert [(store.query_ids(q, 0, 3), store.query_id_array(q).tolist()) for q in queries] == (
        walked
    )


def test_a_curated_poster_no_audit_stamped_is_still_found_curated_after_the_upgrade(
    tmp_path,
) -> None:
    path = tmp_path / "catalog.db"
    store = PosterStore(path)
    title, _ = store.upsert_title(TitleIn("t:1", "Quiet Days", 2001, genres=("Drama",)))
    poster = add(store, title, 1)
    store.set_genres({poster: ["Horror"]}, "ana")
    store.close()
    # Schema 12, with a curation no audit entry stamped (as an old import left it).
    back_to(
        path,
        12,
        "m013_title_sort",
        "UPDATE posters SET edited_at = NULL, edited_by = NULL",
        "DROP INDEX titles_sort",
    )

    store = PosterStore(path)
    assert store.schema_version == schema.SCHEMA_VERSION
    assert store.query_ids(PosterQuery(provenance="curated")) == [poster]
    assert store.query_ids(PosterQuery(curator="ana")) == [poster]
    store.close()
