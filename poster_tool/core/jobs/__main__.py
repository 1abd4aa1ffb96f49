"""The child side of :mod:`poster_tool.core.jobs`: ``python -m poster_tool.core.jobs NAME``."""

from __future__ import annotations

import json
import os
import signal
import sys
import traceback
from typing import Any

from poster_tool.core.errors import Cancelled, PosterToolError
from poster_tool.core.jobs import NICE_ENV


def _say(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _on_sigterm(_signum: int, _frame: object) -> None:
    # Raised where the job is, so its finally blocks run (a run is marked cancelled); a
    # second request must not interrupt that clean-up.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Cancelled("stopped on request; finished work is saved")


def main(argv: list[str]) -> int:
    """Run the job named in ``argv`` with the request on stdin; 0, 1 (failed), 130 (stopped)."""
    from poster_tool.core.jobs.catalog import JOBS

    if len(argv) != 1 or argv[0] not in JOBS:
        _say({"error": f"unknown job {' '.join(argv)!r}; known: {', '.join(JOBS)}"})
        return 2
    if os.environ.get(NICE_ENV, "").isdigit() and hasattr(os, "nice"):
        os.nice(int(os.environ[NICE_ENV]))  # the window keeps the CPU whenever it wants it
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        job = JOBS[argv[0]](json.loads(sys.stdin.read() or "{}"))
        while True:
            try:
                report = next(job)
            except StopIteration as stop:
                _say({"result": stop.value})
                return 0
            _say({"progress": report.to_dict()})
    except Cancelled as exc:
        _say({"cancelled": str(exc)})
        return 130
    except PosterToolError as exc:
        _say({"error": str(exc)})
        return 1
    except Exception as exc:  # a bug: the parent gets one line, stderr the traceback
        traceback.print_exc()
        _say({"error": f"internal error ({type(exc).__name__}: {exc})"})
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
