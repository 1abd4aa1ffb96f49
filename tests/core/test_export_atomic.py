"""Exports replace their file atomically: a failure or cancel midway leaves the old one."""

from __future__ import annotations

import os
import stat

import pytest

from poster_tool.core.exchange import export as export_module
from poster_tool.core.exchange.export import ExportError, export
from poster_tool.core.progress import run_job
from tests.core.export_sample import build

PREVIOUS = b'{"previous": "export"}\n'


@pytest.fixture
def previous(workspace, store, tmp_path, monkeypatch):
    build(workspace, store)
    monkeypatch.setattr(export_module, "CHUNK", 1)  # one title per step: "midway" exists
    out = tmp_path / "exports" / "out.json"
    out.parent.mkdir()
    out.write_bytes(PREVIOUS)
    return out


def leftovers(out):
    return sorted(p.name for p in out.parent.iterdir() if p != out)


def assert_untouched(out):
    """The previous export is byte for byte as it was, and no temporary file is left."""
    assert out.read_bytes() == PREVIOUS
    assert leftovers(out) == []


def test_a_failure_midway_leaves_the_previous_file(workspace, store, previous, monkeypatch):
    real = export_module._title_entry
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # the first title is already written to the temporary file
            raise RuntimeError("disk on fire")
        return real(*args, **kwargs)

    monkeypatch.setattr(export_module, "_title_entry", failing)
    with pytest.raises(RuntimeError, match="disk on fire"):
        run_job(export(workspace, store, "json", previous))
    assert_untouched(previous)


def test_a_cancel_midway_leaves_the_previous_file(workspace, store, previous):
    job = export(workspace, store, "csv", previous)
    next(job)  # selecting
    next(job)  # the first title is written
    job.close()
    assert_untouched(previous)


def test_a_failed_flush_to_disk_is_a_plain_error(workspace, store, previous, monkeypatch):
    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(ExportError, match="No space left on device"):
        run_job(export(workspace, store, "json", previous))
    assert_untouched(previous)


def test_success_replaces_the_file_with_ordinary_permissions(workspace, store, previous):
    run_job(export(workspace, store, "json", previous))
    assert previous.read_bytes() != PREVIOUS
    assert leftovers(previous) == []
    if os.name == "posix":
        umask = os.umask(0)
        os.umask(umask)
        assert stat.S_IMODE(previous.stat().st_mode) == 0o666 & ~umask
