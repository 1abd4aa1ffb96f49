"""Run a ``poster-tool`` command in a child process and relay its progress as a job.

Heavy model work (importing torch, loading weights, scoring thousands of posters) holds
Python's GIL for long stretches; run in a thread of the window's process, it stalls the
window for up to half a second at a time.  In a child process it cannot: the parent's
thread only reads progress lines.  The child prints each ``Progress`` as one JSON line on
stderr (``--progress-jsonl``) and its result as JSON on stdout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Generator, Sequence
from typing import Any

from poster_tool.core.errors import PosterToolError
from poster_tool.core.progress import Progress

PREFIX = "PROGRESS "  # marks progress lines among whatever else the child writes to stderr
NICE_ENV = "POSTER_TOOL_NICE"  # the child lowers its own CPU priority by this much


def progress_line(report: Progress) -> str:
    """One stderr line carrying ``report`` (what ``--progress-jsonl`` prints)."""
    data = {k: v for k, v in report.data.items() if isinstance(v, (int, float, str, bool))}
    return PREFIX + json.dumps({
        "stage": report.stage, "done": report.done, "total": report.total,
        "message": report.message, "rate": report.rate, "eta": report.eta,
        "counts": dict(report.counts), "data": data,
    }, ensure_ascii=False)  # fmt: skip


def run_command(argv: Sequence[str], nice: int = 10) -> Generator[Progress, None, Any]:
    """Run ``poster-tool ARGV --json`` in a child; yield its progress, return its JSON result.

    Closing the generator (a cancel) terminates the child; work it committed stays.

    :param argv: the command line after ``poster-tool`` (global options first)
    :param nice: how far the child lowers its CPU priority, so the window wins the CPU
    :raises PosterToolError: with the child's own one-line error when it fails
    """
    command = [sys.executable, "-m", "poster_tool", "--progress-jsonl", *argv]
    env = {**os.environ, NICE_ENV: str(nice)}
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                             text=True, encoding="utf-8", errors="replace")  # fmt: skip
    other: list[str] = []
    try:
        assert child.stderr is not None and child.stdout is not None
        for line in child.stderr:
            if line.startswith(PREFIX):
                fields = json.loads(line[len(PREFIX):])
                yield Progress(**fields)
            elif line.strip():
                other.append(line.strip())
        output = child.stdout.read()
        if child.wait() != 0:
            reason = next((o for o in reversed(other) if o.startswith("poster-tool")), None)
            raise PosterToolError((reason or (other[-1] if other else "the job failed"))
                                  .removeprefix("poster-tool: error: "))  # fmt: skip
        return json.loads(output) if output.strip() else None
    finally:
        if child.poll() is None:
            child.terminate()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        for stream in (child.stdout, child.stderr):
            if stream is not None:
                stream.close()
