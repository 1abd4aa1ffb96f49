"""Curator edits beside a long writer in another process wait their turn, never fail."""

from __future__ import annotations

import os
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
