"""Workspaces crawled before titles were keyed by their site migrate: keys become the
site's id, and a film two recipes made twice becomes one title, losing nothing."""

from __future__ import annotations

import json
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from poster_tool.core import schema
from poster_tool.core.catalog.store import PosterStore

PAGE = "https://movie.naver.com/movie/bi/mi/photoView.nhn?code=161967"


def old_catalog(path: Path) -> None:
    """A catalog at schema 5 holding what two recipes over one portal made."""
    db = Database(path)
    before = Migrations("poster_tool")
    for step in schema.MIGRATIONS[:5]:
        before()(step)
    before.apply(db)
    titles = [
        (1, "portal:161967", "gallery:portal", "기생충", 2019, None),
        (2, "naverlike:161967", "gallery:naverlike", "기생충", None, "Parasite"),
        (3, "portal:999", "gallery:portal", "Gone", None, None),  # no page left to ask
        (4, "tmdb:496243", "tmdb", "Parasite", 2019, None),
    ]
    for row in titles:
        db.execute(
            "INSERT INTO titles(id, key, source, name, name_fold, year, original_name, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'x')",
            [*row[:4], row[3], *row[4:]],
        )
    db.execute("INSERT INTO title_genres VALUES (1, 'Drama'), (2, 'Thriller')")
    for poster_id, title_id, sha, default in [(1, 1, "aa", 1), (2, 2, "aa", 0), (3, 2, "bb", 1)]:
        db.execute(
            "INSERT INTO posters(id, title_id, sha256, path, width, height, orientation, phash, "
            "file_format, file_size, source, sort_key, created_at, updated_at, is_default) "
            "VALUES (?, ?, ?, 'p', 1, 1, 'square', '0', 'JPEG', 1, 't', 'k', 'x', 'x', ?)",
            [poster_id, title_id, sha, default],
        )
    tasks = [
        ("gallery:portal", PAGE, "gallery", {"title_id": 1, "page": 1}),
        (
            "gallery:naverlike",
            "title:2:https://img.example/p.jpg",
            "poster",
            {"title_id": 2, "url": "https://img.example/p.jpg", "referer": PAGE},
        ),
    ]
    for source, key, kind, info in tasks:
        db.execute(
            "INSERT INTO crawl_state(source, key, kind, status, info, updated_at) "
            "VALUES (?, ?, ?, 'done', ?, 'x')",
            [source, key, kind, json.dumps(info)],
        )
    db.conn.commit()
    db.close()


def test_recipe_keyed_titles_become_site_keyed_and_twins_merge(tmp_path: Path) -> None:
    path = tmp_path / "catalog.db"
    old_catalog(path)
    store = PosterStore(path)
    keys = dict(store._run("SELECT id, key FROM titles").fetchall())
    # Title 2 keeps its poster with the same bytes as title 1's (and its labels), so it stays.
    assert keys == {
        1: "movie.naver.com:161967",
        2: "naverlike:161967",
        3: "portal:999",
        4: "tmdb:496243",
    }
    merged = store._run("SELECT year, original_name FROM titles WHERE id = 1").fetchone()
    assert tuple(merged) == (2019, "Parasite")
    genres = store._run("SELECT genre FROM title_genres WHERE title_id = 1").fetchall()
    assert sorted(g for (g,) in genres) == ["Drama", "Thriller"]
    posters = store._run("SELECT id, title_id, is_default FROM posters ORDER BY id")
    assert [tuple(r) for r in posters] == [(1, 1, 1), (2, 2, 0), (3, 1, 0)]
    owners = store._run("SELECT json_extract(info, '$.title_id') FROM crawl_state")
    assert {o for (o,) in owners} == {1}


def test_a_twin_with_nothing_of_its_own_left_is_removed(tmp_path: Path) -> None:
    path = tmp_path / "catalog.db"
    old_catalog(path)
    with Database(path) as db:
        db.execute("DELETE FROM posters WHERE id = 2")
        db.conn.commit()
    store = PosterStore(path)
    assert [k for (k,) in store._run("SELECT key FROM titles ORDER BY id")] == [
        "movie.naver.com:161967",
        "portal:999",
        "tmdb:496243",
    ]
    assert store._run("SELECT count(*) FROM posters WHERE title_id = 1").fetchone()[0] == 2
