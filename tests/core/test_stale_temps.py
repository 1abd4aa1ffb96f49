"""Temporary files a killed run left behind are removed by the next run of the same
command, and never those of a run that is still going."""

from __future__ import annotations

import subprocess
import sys

import pytest

from poster_tool.core.exchange.export import export
from poster_tool.core.importers import import_csv
from poster_tool.core.progress import run_job
from tests.core.export_sample import build
from tests.core.test_importers import write_manifest
from tests.synthetic import jpeg_bytes

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="process liveness is POSIX")


@pytest.fixture(scope="module")
def pids():
    """The pid of a process that has ended, and of one that is still running."""
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    yield ended.pid, running.pid
    running.kill()
    running.wait()


def test_an_export_removes_what_a_killed_export_left(workspace, store, tmp_path, pids):
    build(workspace, store)
    dead, living = pids
    out, images = tmp_path / "out.json", tmp_path / "images"
    images.mkdir()
    sha = "ab" * 32
    stale = [tmp_path / f".out.json.{dead}.1f2e3d4c.tmp", images / f".{sha}.jpg.{dead}.99.tmp"]
    kept = [
        tmp_path / f".out.json.{living}.1f2e3d4c.tmp",  # an export still writing
        tmp_path / f".other.json.{dead}.1f2e3d4c.tmp",  # another target's: not ours to judge
        tmp_path / "notes.tmp",
    ]
    for file in stale + kept:
        file.write_bytes(b"x" * 1000)
    run_job(export(workspace, store, "json", out, include_images=images))
    assert [f.exists() for f in stale] == [False, False]
    assert all(f.exists() for f in kept)


def test_an_import_removes_intake_temps_a_killed_import_left(workspace, store, tmp_path, pids):
    dead, living = pids
    shard = workspace.images_dir / "ab"
    thumbs = workspace.thumbs_dir / "ab"
    shard.mkdir()
    thumbs.mkdir()
    stale = [
        shard / f".{'ab' * 32}.jpg.{dead}.7f00aa.tmp",
        thumbs / f".{'ab' * 32}.jpg.{dead}.1.tmp",
    ]
    kept = shard / f".{'ab' * 32}.png.{living}.7f00aa.tmp"
    for file in [*stale, kept]:
        file.write_bytes(b"x")
    (tmp_path / "a.jpg").write_bytes(jpeg_bytes())
    rows = [{"id": "1", "title": "A", "year": "2001", "genres": "Drama", "path": "a.jpg"}]
    run_job(import_csv(workspace, store, write_manifest(tmp_path / "m.csv", rows)))
    assert not any(f.exists() for f in stale)
    assert kept.exists()
