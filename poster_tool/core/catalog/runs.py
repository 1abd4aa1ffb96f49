"""The run log of model training (``model_runs``): started, then how it ended."""

from __future__ import annotations

import json
import os
import re
import socket
from typing import Any

from poster_tool.core.catalog.connection import Connection, now
from poster_tool.core.processes import alive

_RUN_COLUMNS = (
    "id",
    "version",
    "kind",
    "backbone",
    "device",
    "status",
    "started_at",
    "finished_at",
    "n_train",
    "n_curator",
    "message",
)

# The message of a running run names its process, so a later start can tell a run that is
# still going (perhaps in another process) from one whose process is gone.
_RUNNING = "running in process {pid} on {host}"
_RUNNING_RE = re.compile(r"^running in process (\d+) on (.+)$")


class RunRows(Connection):
    """The ``model_runs`` table."""

    def start_run(self, kind: str, backbone: str, device: str) -> int:
        """Record that a training run started; returns its id.

        Runs left ``running`` by a process that no longer exists (killed, or a crash) are
        marked ``interrupted`` first, so the run table never shows them running forever.
        """
        with self.transaction():
            self._mark_interrupted()
            return self._insert(
                "INSERT INTO model_runs(kind, backbone, device, status, started_at, message) "
                "VALUES (?, ?, ?, 'running', ?, ?)",
                [kind, backbone, device, now(), _RUNNING.format(pid=os.getpid(), host=_host())],
            )

    def _mark_interrupted(self) -> None:
        rows = self._rows("SELECT id, message FROM model_runs WHERE status = 'running'")
        gone = []
        for run_id, message in rows:
            match = _RUNNING_RE.match(message or "")
            if match is None or (match[2] == _host() and not alive(int(match[1]))):
                gone.append(run_id)
        for run_id in gone:  # a run of another host is left alone: its process cannot be seen
            self._run(
                "UPDATE model_runs SET status = 'interrupted', message = ? WHERE id = ?",
                [
                    "interrupted: its process ended before the run finished (killed or crashed)",
                    run_id,
                ],
            )

    def finish_run(
        self,
        run_id: int,
        status: str,
        *,
        version: str | None = None,
        n_train: int | None = None,
        n_curator: int | None = None,
        metrics: dict[str, Any] | None = None,
        message: str = "",
    ) -> None:
        """Record how a run ended: ``finished``, ``cancelled`` or ``failed``."""
        with self.transaction():
            self._run(
                "UPDATE model_runs SET status = ?, finished_at = ?, version = ?, n_train = ?, "
                "n_curator = ?, metrics = ?, message = ? WHERE id = ?",
                [
                    status,
                    now(),
                    version,
                    n_train,
                    n_curator,
                    None if metrics is None else json.dumps(metrics),
                    message,
                    run_id,
                ],
            )

    def runs(self, limit: int = 20) -> list[dict[str, Any]]:
        """The newest training runs."""
        rows = self._rows(
            f"SELECT {', '.join(_RUN_COLUMNS)} FROM model_runs ORDER BY id DESC LIMIT ?", [limit]
        )
        return [dict(zip(_RUN_COLUMNS, r, strict=True)) for r in rows]


def _host() -> str:
    return socket.gethostname()
