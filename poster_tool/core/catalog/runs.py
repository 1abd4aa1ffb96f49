"""The run log of model training (``model_runs``): started, then how it ended."""

from __future__ import annotations

import json
from typing import Any

from poster_tool.core.catalog.connection import Connection, now

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


class RunRows(Connection):
    """The ``model_runs`` table."""

    def start_run(self, kind: str, backbone: str, device: str) -> int:
        """Record that a training run started; returns its id."""
        with self.transaction():
            cur = self._db.execute(
                "INSERT INTO model_runs(kind, backbone, device, status, started_at) "
                "VALUES (?, ?, ?, 'running', ?)",
                [kind, backbone, device, now()],
            )
        return int(cur.lastrowid or 0)

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
            self._db.execute(
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
