"""Curator edits beside a long writer in another process wait their turn, never fail; two
curators editing the same posters lose no edit."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from poster_tool.core.catalog.store import PosterStore
from poster_tool.core.errors import StoreError
from poster_tool.core.records import TitleIn
from tests.core.test_curation_queries import add

REPO = Path(__file__).resolve().parents[2]

# The long writer: what catalog scoring writes (every poster's model labels, 256 posters
# per transaction, the next batch's scores computed in between), over and over for a few
# seconds, in a process of its own.
WRITER = """
import sys, time
from poster_tool.core.records import PosterQuery
from poster_tool.core.catalog.store import PosterStore
from poster_tool.core.taxonomy import GENRES
store = PosterStore(sys.argv[1])
ids = store.query_ids(PosterQuery(sort="id"), limit=10**6)
deadline = time.monotonic() + float(sys.argv[2])
rounds = 0
while time.monotonic() < deadline:
    for start in range(0, len(ids), 256):
        chunk = ids[start : start + 256]
        with store.transaction():
            store.write_model_scores(
                f"v{rounds}",
                {i: {g: (i * 7 + n + rounds) % 100 / 100 for n, g in enumerate(GENRES)}
                 for i in chunk},
                dict.fromkeys(GENRES, 0.5),
            )
        if rounds == 0 and start == 0:
            print("writing", flush=True)
        time.sleep(0.05)
    rounds += 1
print(rounds, flush=True)
"""


def _catalog(path: Path, titles: int = 300) -> list[int]:
    with PosterStore(path) as store, store.transaction():
        ids = []
        for t in range(titles):
            title_id, _ = store.upsert_title(TitleIn(f"k:{t}", f"Title {t}", 2000 + t % 20))
            ids.extend(add(store, title_id, t * 3 + k) for k in range(3))
        return ids


def test_edits_beside_a_long_writer_in_another_process_all_land(tmp_path: Path) -> None:
    path = tmp_path / "catalog.db"
    ids = _catalog(path)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), "4"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert writer.stdout is not None
    assert writer.stdout.readline().strip() == "writing"
    refused: list[str] = []
    waits: list[float] = []
    done = 0
    with PosterStore(path) as store:
        while writer.poll() is None:
            poster_id = ids[done % len(ids)]
            started = time.monotonic()
            try:
                # Each edit reads the poster's state before it writes: the case that was
                # refused at once while another process held the write lock.
                if done % 2:
                    store.set_status({poster_id: "approved"}, "tester")
                else:
                    store.toggle_genre([poster_id], "Comedy", "tester")
                done += 1
                waits.append(time.monotonic() - started)
            except StoreError as exc:
                refused.append(str(exc))
            time.sleep(0.005)
        rounds = int(writer.stdout.read().strip())
        assert writer.wait() == 0
        assert rounds >= 1
        assert refused == []
        assert done > 20
        # The writer commits every ~0.1 s, so no edit waits long (measured: 0.25 s at most).
        assert max(waits) < 2.0
        curated = [p for p in store.posters(ids[:done]) if p.curated or p.status == "approved"]
        assert len(curated) == min(done, len(ids))


# A curator at work: looks at a poster (the catalog's audit point and the poster's status in
# one snapshot), thinks for a moment, then flips its status based on that look; an edit
# refused because the other curator got there first is counted with its sentence.
EDITOR = """
import json, sys, time
from poster_tool.core.catalog.store import PosterStore
from poster_tool.core.errors import EditConflict
store = PosterStore(sys.argv[1])
name, ids = sys.argv[2], json.loads(sys.argv[3])
deadline = time.monotonic() + float(sys.argv[4])
landed, refused, n = [], [], 0
while time.monotonic() < deadline:
    poster = ids[n % len(ids)]
    n += 1
    with store.snapshot():
        point = store.last_change()
        seen = store.curation_state([poster])[poster]["status"]
    new = "rejected" if seen == "approved" else "approved"
    time.sleep(0.01)
    try:
        with store.based_on(point, [poster], name):
            store.set_status({poster: new}, name)
        landed.append([poster, seen, new])
    except EditConflict as exc:
        refused.append(str(exc))
print(json.dumps({"landed": landed, "refused": refused}), flush=True)
"""


def test_two_curators_and_a_scoring_run_lose_no_edit(tmp_path: Path) -> None:
    path = tmp_path / "catalog.db"
    ids = _catalog(path, titles=100)
    contested = ids[:2]  # both curators edit the same two posters all the time
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    scoring = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), "4"], stdout=subprocess.PIPE, text=True, env=env
    )
    assert scoring.stdout is not None
    assert scoring.stdout.readline().strip() == "writing"
    curators = {
        name: subprocess.Popen(
            [sys.executable, "-c", EDITOR, str(path), name, json.dumps(order), "3"],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for name, order in (("Ana", contested), ("Mina", contested[::-1]))
    }
    results = {}
    for name, process in curators.items():
        out, _ = process.communicate(timeout=60)
        assert process.returncode == 0  # no edit failed for any other reason
        results[name] = json.loads(out)
    scoring.communicate(timeout=60)
    assert scoring.returncode == 0
    refusal = re.compile(
        r"Poster \d+ was changed by (Ana|Mina) at \d\d:\d\d since you looked: look again\."
    )
    with PosterStore(path) as store:
        for name, result in results.items():
            assert len(result["landed"]) > 10
            for message in result["refused"]:
                match = refusal.fullmatch(message)
                assert match and match.group(1) != name  # refused for the other's edit only
            # Every edit landed, audited, and changed the status its curator had seen: none
            # overwrote an edit its curator had not seen.
            audited = [
                [e.poster_id, e.before, e.after]
                for e in reversed(store.audit_log(limit=10**6, curator=name, action="status"))
            ]
            assert audited == result["landed"]
        assert sum(len(r["refused"]) for r in results.values()) > 0  # they did collide
