"""A chart of policy estimates: one point with its 95% interval per policy, side by side.

The dashed line is the logged behaviour's estimate, so a curator sees at a glance which
policies would have beaten what the service actually did, and by how much.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from poster_tool.gui.common.theme import COLORS

if TYPE_CHECKING:
    from PySide6.QtGui import QPaintEvent

    from poster_tool.core.experiment.estimators import Interval

MARGIN_LEFT, MARGIN_BOTTOM, MARGIN_TOP = 56, 36, 14
WARNED = QColor("#e0a030")  # an estimate with a warning: amber, as the preview's fallbacks


class EstimateChart(QWidget):
    """Policies along x, the take rate on y; points with interval whiskers."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._bars: list[tuple[str, Interval, bool]] = []
        self._baseline: float | None = None

    def sizeHint(self) -> QSize:
        return QSize(520, 240)

    def set_estimates(
        self, bars: list[tuple[str, Interval, bool]], baseline: float | None = None
    ) -> None:
        """Show ``(policy, interval, warned)`` bars and the logged take rate as a line."""
        self._bars, self._baseline = bars, baseline
        self.update()

    def bars(self) -> list[tuple[str, Interval, bool]]:
        """What the chart shows (for tests and accessibility)."""
        return list(self._bars)

    def _scale(self) -> tuple[float, float]:
        values = [
            v for _, iv, _ in self._bars for v in (iv.value, iv.low, iv.high) if not math.isnan(v)
        ]
        if self._baseline is not None:
            values.append(self._baseline)
        if not values:
            return 0.0, 1.0
        low, high = min(values), max(values)
        pad = max((high - low) * 0.15, 0.005)
        return max(0.0, low - pad), min(1.0, high + pad)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), COLORS["placeholder"])
        plot = QRectF(
            MARGIN_LEFT,
            MARGIN_TOP,
            self.width() - MARGIN_LEFT - 12,
            self.height() - MARGIN_TOP - MARGIN_BOTTOM,
        )
        painter.setPen(COLORS["muted"])
        if not self._bars:
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No estimates yet")
            return
        low, high = self._scale()

        def y(value: float) -> float:
            return plot.bottom() - (value - low) / (high - low) * plot.height()

        for i in range(5):  # a light grid with take-rate labels
            value = low + (high - low) * i / 4
            painter.setPen(QPen(COLORS["official"], 1))
            painter.drawLine(QPointF(plot.left(), y(value)), QPointF(plot.right(), y(value)))
            painter.setPen(COLORS["muted"])
            painter.drawText(
                QRectF(0, y(value) - 8, MARGIN_LEFT - 6, 16),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                f"{value:.3f}",
            )
        if self._baseline is not None:
            pen = QPen(COLORS["muted"], 1, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            line_y = y(self._baseline)
            painter.drawLine(QPointF(plot.left(), line_y), QPointF(plot.right(), line_y))
        step = plot.width() / len(self._bars)
        for i, (policy, iv, warned) in enumerate(self._bars):
            x = plot.left() + step * (i + 0.5)
            colour = WARNED if warned else COLORS["accent"]
            if not math.isnan(iv.low):
                painter.setPen(QPen(colour, 2))
                painter.drawLine(QPointF(x, y(iv.low)), QPointF(x, y(iv.high)))
                for end in (iv.low, iv.high):
                    painter.drawLine(QPointF(x - 8, y(end)), QPointF(x + 8, y(end)))
            if not math.isnan(iv.value):
                painter.setBrush(colour)
                painter.drawEllipse(QPointF(x, y(iv.value)), 5, 5)
            painter.setPen(COLORS["text"])
            painter.drawText(
                QRectF(x - step / 2, plot.bottom() + 6, step, 18),
                Qt.AlignmentFlag.AlignCenter,
                policy,
            )
