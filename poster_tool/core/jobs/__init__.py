"""Heavy jobs (training, scoring) in a child process, behind one declared protocol.

Torch in a thread of the window's process holds Python's GIL for long stretches and stalls
the window; in a child it cannot.  The parent runs ``python -m poster_tool.core.jobs NAME``,
writes the job's request as one JSON object to the child's stdin, and reads JSON lines from
its stdout, each one of:

* ``{"progress": {...}}`` — a :class:`~poster_tool.core.progress.Progress` (``to_dict``);
* ``{"result": ...}`` — the job's JSON result, the last line of a job that succeeded;
* ``{"error": "..."}`` — one plain sentence, the last line of a job that failed;
* ``{"cancelled": "..."}`` — the job stopped on request (SIGTERM).

Stderr is free text (library warnings; a traceback when the child itself has a bug).  The
jobs a child knows are in :mod:`poster_tool.core.jobs.catalog`.  Closing the generator that
:func:`run_child` returns is the cancel: the child is asked to stop (SIGTERM, which it
turns into a clean cancel of its job) and killed when it has not within a few seconds.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Generator, Mapping
from typing import Any

from poster_tool.core.errors import Cancelled, PosterToolError
from poster_tool.core.progress import Progress

NICE_ENV = "POSTER_TOOL_NICE"  # a child lowers its own CPU priority by this much
STOP_WAIT_S = 5.0  # after SIGTERM: time to wind down (mark its run cancelled) before a kill


def run_child(
    name: str,
    request: Mapping[str, Any],
    nice: int = 10,
    started: Callable[[subprocess.Popen], None] | None = None,
) -> Generator[Progress, None, Any]:
    """Run job ``name`` in a child process; yield its progress and return its result.

    :param request: the job's arguments (JSON-ready)
    :param nice: how far the child lowers its CPU priority, so the window wins the CPU
    :param started: called with the child process once it runs (to :func:`request_stop` it
        from another thread, at once, instead of at the next progress report)
    :raises PosterToolError: with the child's own sentence when the job fails
    :raises Cancelled: when the child reports that it was stopped
    """
    env = {**os.environ, NICE_ENV: str(nice)}
    # Stderr goes to a file: a chatty library can never fill a pipe and block the child.
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as errors:
        child = subprocess.Popen(
            [sys.executable, "-m", "poster_tool.core.jobs", name],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            env=env,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
        ended = False  # the child said its last word: let it exit, do not stop it
        try:
            if started is not None:
                started(child)
            assert child.stdin is not None and child.stdout is not None
            child.stdin.write(json.dumps(request))
            child.stdin.close()
            for line in child.stdout:
                message = _parse(line)
                if message is None:
                    continue
                if "progress" in message:
                    yield Progress.from_dict(message["progress"])
                    continue
                ended = True
                if "result" in message:
                    return message["result"]
                elif "cancelled" in message:
                    raise Cancelled(message["cancelled"])
                elif "error" in message:
                    raise PosterToolError(message["error"])
            child.wait()
            errors.seek(0)
            raise PosterToolError(_crash(name, child.returncode, errors.read()))
        finally:
            _stop(child, ask=not ended)


def request_stop(child: subprocess.Popen) -> None:
    """Ask a running child to stop now; it cancels its job cleanly and says so."""
    if child.poll() is None:
        if sys.platform == "win32":
            child.terminate()  # no SIGTERM handler there: the job simply ends
        else:
            child.send_signal(signal.SIGTERM)


def _parse(line: str) -> dict[str, Any] | None:
    line = line.strip()
    if not line:
        return None
    try:
        message = json.loads(line)
    except ValueError:
        return None  # a library printing to stdout: not ours
    return message if isinstance(message, dict) else None


def _crash(name: str, code: int, stderr: str) -> str:
    """The reason a child ended without a result, in one line."""
    lines = [x.strip() for x in stderr.splitlines() if x.strip()]
    return f"the {name} job ended unexpectedly: {lines[-1] if lines else f'exit status {code}'}"


def _stop(child: subprocess.Popen, ask: bool) -> None:
    if child.poll() is None:
        if ask:
            request_stop(child)
        try:
            child.wait(timeout=STOP_WAIT_S)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    for stream in (child.stdin, child.stdout):
        if stream is not None and not stream.closed:
            stream.close()
