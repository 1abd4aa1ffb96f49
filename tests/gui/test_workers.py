"""Workers run core jobs off the GUI thread and report through signals."""

from __future__ import annotations

import threading

from poster_tool.core.errors import StoreError
from poster_tool.core.progress import Progress
from poster_tool.core.records import PosterQuery
from poster_tool.gui.common.workers import (
    CallWorker,
    JobWorker,
    answer_soon,
    running,
    start,
    store_job,
)


def counting_job(n: int, gate: threading.Event | None = None, closed: list | None = None):
    try:
        for i in range(n):
            if gate is not None and i:
                gate.wait(5)  # hold the job after its first report
            yield Progress("count", i + 1, n, data={"i": i})
        return n * 10
    finally:
        if closed is not None:
            closed.append(True)


def test_job_worker_reports_progress_then_result_then_finished(qtbot) -> None:
    worker = JobWorker(lambda: counting_job(3))
    seen: list[object] = []
    worker.signals.started.connect(lambda: seen.append("started"))
    worker.signals.progress.connect(lambda p: seen.append(p.done))
    worker.signals.result.connect(lambda r: seen.append(("result", r)))
    before = running()  # other tests' workers may still be finishing
    with qtbot.waitSignal(worker.signals.finished, timeout=5000):
        start(worker)
        assert running() == before + 1
    assert seen == ["started", 1, 2, 3, ("result", 30)]
    qtbot.waitUntil(lambda: running() <= before)  # released once finished is delivered


def test_a_job_error_arrives_as_its_plain_message(qtbot) -> None:
    def failing():
        yield Progress("x")
        raise StoreError("the catalog is read-only")

    worker = JobWorker(failing)
    with qtbot.waitSignal(worker.signals.error, timeout=5000) as blocker:
        start(worker)
    assert blocker.args == ["the catalog is read-only"]


def test_an_unexpected_exception_names_its_type(qtbot) -> None:
    worker = CallWorker(lambda: {}["missing"])
    with qtbot.waitSignal(worker.signals.error, timeout=5000) as blocker:
        start(worker)
    assert "KeyError" in blocker.args[0] and "unexpected" in blocker.args[0]


def test_cancel_stops_between_yields_and_closes_the_job(qtbot) -> None:
    gate, closed = threading.Event(), []
    worker = JobWorker(lambda: counting_job(1000, gate, closed))
    errors: list[str] = []
    worker.signals.error.connect(errors.append)
    results: list[object] = []
    worker.signals.result.connect(results.append)
    worker.signals.progress.connect(lambda _: (worker.cancel(), gate.set()))
    with qtbot.waitSignal(worker.signals.finished, timeout=5000):
        start(worker)
    assert results == [] and "cancelled" in errors[0]
    assert closed == [True]  # the job's finally ran


def test_store_job_opens_a_store_in_the_worker_thread(catalog, qtbot) -> None:
    def stats_job(workspace, store):
        yield Progress("stats")
        return store.stats()["posters"]["total"], threading.current_thread().name

    worker = JobWorker(lambda: store_job(catalog.workspace, stats_job))
    with qtbot.waitSignal(worker.signals.result, timeout=5000) as blocker:
        start(worker)
    total, thread = blocker.args[0]
    assert total == 8 and thread != threading.main_thread().name


def test_call_worker_returns_its_value(qtbot) -> None:
    worker = CallWorker(lambda: 42)
    with qtbot.waitSignal(worker.signals.result, timeout=5000) as blocker:
        start(worker)
    assert blocker.args == [42]


def test_a_quick_read_answers_at_once_and_a_slow_one_from_a_worker(catalog, qtbot) -> None:
    got: list[int] = []
    answer_soon(catalog.store, catalog.workspace, lambda s: s.count(PosterQuery()), got.append)
    assert got == [8]  # indexed: answered on this thread, before anything else runs
    scan = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2e6) "
    scan += "SELECT max(i) FROM n"
    answer_soon(catalog.store, catalog.workspace, lambda s: s._scalar(scan), got.append)
    assert got == [8]  # too slow for the GUI thread: handed to a worker
    qtbot.waitUntil(lambda: got == [8, 2_000_000], timeout=30_000)
