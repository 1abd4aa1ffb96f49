"""A team on one PostgreSQL catalog: the address, the workspace setting, the schema's
guards, and several curators' processes writing at once (on a real server)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from poster_tool.cli import main
from poster_tool.core.catalog.address import shown
from poster_tool.core.catalog.copier import copy_catalog, counts
from poster_tool.core.catalog.store import PosterStore
from poster_tool.core.errors import StoreError, TimeUp
from poster_tool.core.progress import run_job
from poster_tool.core.records import PosterQuery, TitleIn
from poster_tool.core.workspace import Workspace
from tests.core.export_sample import build, export_file
from tests.core.test_concurrent_edits import WRITER
from tests.core.test_curation_queries import add

REPO = Path(__file__).resolve().parents[2]


def test_an_address_with_a_password_is_refused_and_never_shown(tmp_path: Path) -> None:
    url = "postgresql://mina:s3cret@db.example/posters"
    with pytest.raises(StoreError, match="never holds a password") as refused:
        PosterStore(url)
    assert "s3cret" not in str(refused.value)
    with pytest.raises(StoreError, match="pgpass"):
        Workspace.open(tmp_path / "ws").set_catalog(url)
    assert not (tmp_path / "ws" / "workspace.json").exists()
    assert shown(url) == "postgresql://mina:***@db.example/posters"


def test_an_address_without_a_database_is_refused() -> None:
    with pytest.raises(StoreError, match="names no database"):
        PosterStore("postgresql://mina@db.example")


def test_without_the_driver_one_sentence_says_what_to_install(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "poster_tool.core.catalog.engine_postgres", None)
    with pytest.raises(StoreError) as missing:
        PosterStore("postgresql://mina@db.example/posters")
    assert str(missing.value) == (
        "a PostgreSQL catalog needs the postgres extra: pip install 'poster-tool[postgres]'"
    )


def test_init_names_the_server_catalog_and_every_command_opens_it(
    tmp_path: Path, postgres_catalog: str, capsys
) -> None:
    root = tmp_path / "ws"
    assert main(["--workspace", str(root), "init", "--catalog", postgres_catalog]) == 0
    assert postgres_catalog in capsys.readouterr().out
    assert json.loads((root / "workspace.json").read_text()) == {"catalog": postgres_catalog}
    assert not (root / "catalog.db").exists()
    with PosterStore(postgres_catalog) as store:
        title_id, _ = store.upsert_title(TitleIn("k:1", "Parasite", 2019, genres=("Drama",)))
        add(store, title_id, 1)
    assert main(["--workspace", str(root), "stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert (stats["titles"], stats["posters"]["total"]) == (1, 1)
    assert not (root / "catalog.db").exists()  # nothing went to a file beside it


def test_a_catalog_from_a_newer_version_is_refused(postgres_catalog: str) -> None:
    with PosterStore(postgres_catalog) as store:
        store._run("UPDATE schema_version SET version = version + 1")
        try:
            with pytest.raises(StoreError, match="newer than this Poster Studio"):
                PosterStore(postgres_catalog)
        finally:
            store._run("UPDATE schema_version SET version = version - 1")


def test_the_audit_log_is_append_only_on_the_server(postgres_catalog: str) -> None:
    import psycopg

    with PosterStore(postgres_catalog) as store:
        store._run("INSERT INTO audit_log(at, curator, action) VALUES ('t', 'ann', 'status')")
        for change in ("UPDATE audit_log SET curator = 'bob'", "DELETE FROM audit_log"):
            with pytest.raises(psycopg.errors.IntegrityConstraintViolation, match="append-only"):
                store._run(change)
        assert store._rows("SELECT curator FROM audit_log") == [("ann",)]


def test_a_query_past_its_time_is_interrupted(postgres_catalog: str) -> None:
    with PosterStore(postgres_catalog) as store:
        started = time.monotonic()
        with pytest.raises(TimeUp), store.time_limit(0.05):
            store._run("SELECT pg_sleep(5)")
        assert time.monotonic() - started < 2
        assert store._scalar("SELECT 1") == 1  # the connection is usable after


# One curator's process: edits each of its posters, round after round (its genres, then
# its status), and prints the refusals.
EDITOR = """
import json, sys
from poster_tool.core.catalog.store import PosterStore
from poster_tool.core.errors import StoreError
store = PosterStore(sys.argv[1])
who, ids, rounds = sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4])
refused = []
for n in range(rounds):
    for i in ids:
        try:
            if n % 2:
                store.set_status({i: "approved"}, who)
            else:
                store.set_genres({i: ["Comedy"]}, who)
        except StoreError as exc:
            refused.append(str(exc))
print(json.dumps(refused), flush=True)
"""


def test_two_curators_and_a_scoring_run_on_one_server_lose_nothing(
    postgres_catalog: str,
) -> None:
    with PosterStore(postgres_catalog) as store, store.transaction():
        ids = []
        for t in range(100):
            title_id, _ = store.upsert_title(TitleIn(f"k:{t}", f"Title {t}", 2000 + t % 20))
            ids.extend(add(store, title_id, t * 3 + k) for k in range(3))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    scorer = subprocess.Popen(
        [sys.executable, "-c", WRITER, postgres_catalog, "4"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert scorer.stdout is not None
    assert scorer.stdout.readline().strip() == "writing"
    halves = {"mina": ids[::2][:60], "joon": ids[1::2][:60]}
    editors = {
        who: subprocess.Popen(
            [sys.executable, "-c", EDITOR, postgres_catalog, who, json.dumps(mine), "2"],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for who, mine in halves.items()
    }
    for who, editor in editors.items():
        out, _ = editor.communicate(timeout=120)
        assert editor.returncode == 0
        assert json.loads(out) == [], who  # no edit refused
    out, _ = scorer.communicate(timeout=120)
    assert scorer.returncode == 0 and int(out) >= 1
    with PosterStore(postgres_catalog) as store:
        for who, mine in halves.items():
            entries = store.audit_log(curator=who, limit=1000)
            assert len(entries) == 2 * len(mine)  # every edit audited, under its curator
            posters = store.posters(mine)
            assert all(p.status == "approved" and p.curated for p in posters)
            assert all("Comedy" in p.genres for p in posters)  # the first round's edit stayed
        assert not store.any_unscored()  # and the scoring run wrote every poster's scores


def test_a_catalog_moves_to_the_server_and_back_with_nothing_lost(
    tmp_path: Path, postgres_catalog: str, capsys
) -> None:
    ws = Workspace.open(tmp_path / "ws")
    with ws.store() as store:
        build(ws, store)
        store.set_genres({store.query_ids(PosterQuery(sort="id"))[0]: ["Horror"]}, "mina")
        before = counts(store)
        audit = store.audit_log(limit=1000)
    export_file(ws, ws.store(), tmp_path / "before.json", sensitive="flag")

    assert main(["--workspace", str(ws.root), "catalog", "copy", "--to", postgres_catalog]) == 0
    assert "now opens postgresql://" in capsys.readouterr().out
    assert Workspace(ws.root).on_server
    with ws.store() as server:
        assert counts(server) == before
        assert server.audit_log(limit=1000) == audit  # ids, curators, times, before/after
        export_file(ws, server, tmp_path / "after.json", sensitive="flag")
        # New rows continue after the copied ids.
        copied_ids = [t.id for t in server.titles()]
        new_title, _ = server.upsert_title(TitleIn("k:new", "New", 2024))
        assert new_title > max(copied_ids)
    assert (tmp_path / "before.json").read_bytes() == (tmp_path / "after.json").read_bytes()

    back = tmp_path / "back.db"
    assert main(["--workspace", str(ws.root), "catalog", "copy", "--to", str(back)]) == 0
    with PosterStore(back) as copy:
        assert counts(copy)["titles"] == before["titles"] + 1
        assert copy.audit_log(limit=1000) == audit


def test_a_copy_into_a_catalog_with_rows_is_refused(tmp_path: Path, postgres_catalog: str) -> None:
    with PosterStore(postgres_catalog) as server:
        server.upsert_title(TitleIn("k:1", "Taken", 2001))
    with PosterStore(tmp_path / "catalog.db") as source:
        source.upsert_title(TitleIn("k:2", "Mine", 2002))
        with pytest.raises(StoreError, match="not empty"):
            run_job(copy_catalog(source, postgres_catalog))
    with PosterStore(postgres_catalog) as server:
        assert [t.name for t in server.titles()] == ["Taken"]


def test_the_documented_grants_let_a_curator_edit_but_never_rewrite_the_audit_log(
    postgres_catalog: str,
) -> None:
    import psycopg

    from tests.postgres_server import ENV_VAR

    if os.environ.get(ENV_VAR):
        pytest.skip("roles are cluster-wide: made only on the temporary test cluster")
    grants = (REPO / "docs" / "team.md").read_text().split("```sql")[2].split("```")[0]
    PosterStore(postgres_catalog).close()  # the owner made the schema
    with psycopg.connect(postgres_catalog, autocommit=True) as admin:
        admin.execute("CREATE ROLE curators NOLOGIN")
        admin.execute("CREATE ROLE mina LOGIN IN ROLE curators")
        try:
            admin.execute(grants)
            as_mina = postgres_catalog.replace("://postgres@", "://mina@", 1)
            with PosterStore(as_mina) as store:
                title_id, _ = store.upsert_title(TitleIn("k:1", "Parasite", 2019))
                poster_id = add(store, title_id, 1)
                store.set_status({poster_id: "approved"}, "mina")
                store.set_genres({poster_id: ["Drama"]}, "mina")
                assert [e.curator for e in store.audit_log(poster_id)] == ["mina", "mina"]
                for change in (
                    "UPDATE audit_log SET curator = 'bob'",
                    "DELETE FROM audit_log",
                    "INSERT INTO genres(name, position) VALUES ('Noir', 99)",
                ):
                    with pytest.raises(psycopg.errors.InsufficientPrivilege):
                        store._run(change)
        finally:
            admin.execute("DROP OWNED BY curators, mina")
            admin.execute("DROP ROLE mina")
            admin.execute("DROP ROLE curators")


def test_an_edit_waiting_past_the_lock_timeout_is_refused_in_one_sentence(
    postgres_catalog: str,
) -> None:
    with PosterStore(postgres_catalog) as first, PosterStore(postgres_catalog) as second:
        title_id, _ = first.upsert_title(TitleIn("k:1", "Parasite", 2019))
        poster_id = add(first, title_id, 1)
        second._run("SET lock_timeout = '200ms'")  # the 10 s wait, shortened for the test
        with first.transaction():
            first._run("UPDATE posters SET status = 'rejected' WHERE id = ?", [poster_id])
            with pytest.raises(StoreError, match="^the catalog is busy: another curator"):
                second.set_status({poster_id: "approved"}, "joon")
        assert second.get_poster(poster_id).status == "rejected"
        assert second.audit_log(poster_id) == []  # the refused edit left no trace


def test_a_broken_workspace_json_is_said_in_one_sentence(tmp_path: Path, capsys) -> None:
    ws = Workspace.open(tmp_path / "ws")
    ws.settings_path.write_text("{not json", encoding="utf-8")
    assert ws.exists  # a workspace, just not one that can be opened as it is
    assert main(["--workspace", str(ws.root), "stats"]) == 1
    assert capsys.readouterr().err.strip() == (
        f"poster-tool: error: {ws.settings_path} is not valid JSON"
    )
