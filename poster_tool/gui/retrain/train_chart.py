"""``TrainingChart``: training and validation loss and validation micro-F1 per epoch (QtCharts).

Loss is read on the left axis, micro-F1 (0–1, at the 0.5 threshold) on the right one; the
x axis spans the epochs planned, so the curves grow across the chart as a run proceeds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCharts import QChart, QChartView, QLineSeries, QValueAxis
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QWidget

# history key, legend label, colour, dashed, on the F1 axis
CURVES = (
    ("train_loss", "training loss", "#8ab4f8", False, False),
    ("val_loss", "validation loss", "#fdd663", False, False),
    ("val_micro_f1_at_0.5", "validation micro-F1", "#81c995", True, True),
)
BACKGROUND = "#17191d"
GRID = "#2c3036"
TEXT = "#b0b5bb"


class TrainingChart(QChartView):
    """Per-epoch curves of one training run."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainingChart")
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumHeight(200)
        chart = QChart()
        chart.setBackgroundBrush(QColor(BACKGROUND))
        chart.setBackgroundRoundness(4)
        chart.setMargins(QMargins(4, 4, 4, 4))
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        chart.legend().setLabelColor(QColor(TEXT))
        self.epochs = _axis("epoch", "%d")
        self.loss = _axis("loss", "%.2f")
        self.f1 = _axis("micro-F1", "%.1f")
        self.f1.setRange(0.0, 1.0)
        chart.addAxis(self.epochs, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(self.loss, Qt.AlignmentFlag.AlignLeft)
        chart.addAxis(self.f1, Qt.AlignmentFlag.AlignRight)
        self.series: dict[str, QLineSeries] = {}
        for key, label, colour, dashed, on_f1 in CURVES:
            series = QLineSeries()
            series.setName(label)
            pen = QPen(QColor(colour), 2)
            if dashed:
                pen.setStyle(Qt.PenStyle.DashLine)
            series.setPen(pen)
            series.setPointsVisible(True)
            chart.addSeries(series)
            series.attachAxis(self.epochs)
            series.attachAxis(self.f1 if on_f1 else self.loss)
            self.series[key] = series
        self.setChart(chart)
        self.reset(10)

    def reset(self, epochs: int) -> None:
        """Empty the chart for a run of up to ``epochs`` epochs."""
        for series in self.series.values():
            series.clear()
        self.fit_epochs(epochs)
        self.loss.setRange(0.0, 1.0)

    def show_history(self, history: Sequence[Mapping[str, Any]]) -> None:
        """Draw these epochs (the whole history so far, as each epoch report carries it)."""
        top = 0.0
        for key, _, _, _, on_f1 in CURVES:
            points = [(float(row["epoch"]), float(row[key])) for row in history if key in row]
            series = self.series[key]
            series.clear()
            for x, y in points:
                series.append(x, y)
            if not on_f1:
                top = max([top, *(y for _, y in points)])
        if history and history[-1]["epoch"] > self.epochs.max():  # resumed past the plan
            self.epochs.setMax(float(history[-1]["epoch"]))
            self._epoch_ticks(int(self.epochs.max()))
        self.loss.setRange(0.0, max(0.1, top * 1.1))
        self.loss.applyNiceNumbers()

    def fit_epochs(self, epochs: int) -> None:
        """Span exactly the epochs run (a run that stopped early)."""
        self.epochs.setRange(1, max(2, epochs))
        self._epoch_ticks(max(2, epochs))

    def _epoch_ticks(self, epochs: int) -> None:
        # Whole epochs, 1-2-5 steps, at most about eight labels.
        step = next(s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000) if epochs / s <= 8)
        self.epochs.setTickType(QValueAxis.TickType.TicksDynamic)
        self.epochs.setTickAnchor(0)
        self.epochs.setTickInterval(step)

    def points(self, key: str) -> list[tuple[float, float]]:
        """The points drawn for one curve (a ``CURVES`` key)."""
        return [(p.x(), p.y()) for p in self.series[key].points()]


def _axis(title: str, label_format: str) -> QValueAxis:
    axis = QValueAxis()
    axis.setTitleText(title)
    axis.setLabelFormat(label_format)
    axis.setLabelsColor(QColor(TEXT))
    axis.setTitleBrush(QColor(TEXT))
    axis.setGridLineColor(QColor(GRID))
    axis.setLinePenColor(QColor(GRID))
    font = QFont()
    font.setPointSizeF(8.5)
    axis.setLabelsFont(font)
    axis.setTitleFont(font)
    return axis
