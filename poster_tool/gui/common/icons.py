"""Toolbar icons drawn in code as simple line art, so the package ships no image files and
the icons match the dark theme on every platform (Qt's standard icons vary by style)."""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

GRID = 24.0  # icons are drawn on a 24×24 grid and scaled to each pixmap size
SIZES = (16, 24, 32, 48)
INK = QColor("#d6d9de")
DISABLED = QColor("#5f646b")

Draw = Callable[[QPainter], None]


def _path(*points: tuple[float, float], close: bool = False) -> QPainterPath:
    path = QPainterPath(QPointF(*points[0]))
    for point in points[1:]:
        path.lineTo(QPointF(*point))
    if close:
        path.closeSubpath()
    return path


def _folder(p: QPainter) -> None:
    p.drawPath(_path((3, 6), (9, 6), (11, 8), (21, 8), (21, 19), (3, 19), close=True))


def _open(p: QPainter) -> None:
    p.drawPath(_path((3, 19), (3, 6), (9, 6), (11, 8), (19, 8), (19, 11)))
    p.drawPath(_path((3, 19), (6.5, 11), (22, 11), (18.5, 19), close=True))


def _import_folder(p: QPainter) -> None:
    _folder(p)
    p.drawLine(QPointF(12, 10.5), QPointF(12, 16.5))
    p.drawPath(_path((9.5, 14), (12, 16.5), (14.5, 14)))


def _import_csv(p: QPainter) -> None:
    p.drawRoundedRect(QRectF(4, 4, 16, 16), 2, 2)
    for y in (9.3, 14.6):
        p.drawLine(QPointF(4, y), QPointF(20, y))
    p.drawLine(QPointF(9.5, 4), QPointF(9.5, 20))


def _crawl(p: QPainter) -> None:
    p.drawEllipse(QRectF(4, 4, 16, 16))
    p.drawEllipse(QRectF(8.5, 4, 7, 16))
    p.drawLine(QPointF(4, 12), QPointF(20, 12))


def _arrow_turn(p: QPainter, mirror: bool) -> None:
    p.save()
    if mirror:
        p.translate(GRID, 0)
        p.scale(-1, 1)
    path = QPainterPath(QPointF(19, 18))
    path.cubicTo(QPointF(19, 10), QPointF(14, 8), QPointF(6, 8))
    p.drawPath(path)
    p.drawPath(_path((9.5, 4.5), (6, 8), (9.5, 11.5)))
    p.restore()


def _undo(p: QPainter) -> None:
    _arrow_turn(p, mirror=False)


def _redo(p: QPainter) -> None:
    _arrow_turn(p, mirror=True)


def _approve(p: QPainter) -> None:
    p.setPen(
        QPen(
            QColor("#4cc46a"),
            2.4,
            Qt.PenStyle.SolidLine,
            Qt.PenCapStyle.RoundCap,
            Qt.PenJoinStyle.RoundJoin,
        )
    )
    p.drawPath(_path((5, 12.5), (10, 17.5), (19.5, 7)))


def _reject(p: QPainter) -> None:
    p.setPen(QPen(QColor("#ef5b52"), 2.4, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    p.drawLine(QPointF(6, 6), QPointF(18, 18))
    p.drawLine(QPointF(18, 6), QPointF(6, 18))


def _default(p: QPainter) -> None:
    points = []
    for n in range(10):
        radius = 9 if n % 2 == 0 else 3.8
        angle = -math.pi / 2 + n * math.pi / 5
        points.append((12 + radius * math.cos(angle), 12.5 + radius * math.sin(angle)))
    p.setPen(
        QPen(
            QColor("#f2b233"),
            1.8,
            Qt.PenStyle.SolidLine,
            Qt.PenCapStyle.RoundCap,
            Qt.PenJoinStyle.RoundJoin,
        )
    )
    p.drawPath(_path(*points, close=True))


def _sensitive(p: QPainter) -> None:
    p.setPen(
        QPen(
            QColor("#ff8a3d"),
            1.8,
            Qt.PenStyle.SolidLine,
            Qt.PenCapStyle.RoundCap,
            Qt.PenJoinStyle.RoundJoin,
        )
    )
    p.drawPath(_path((12, 4), (21, 19.5), (3, 19.5), close=True))
    p.drawLine(QPointF(12, 9.5), QPointF(12, 14))
    p.drawPoint(QPointF(12, 17))


def _duplicates(p: QPainter) -> None:
    p.drawRoundedRect(QRectF(4, 3, 10, 14), 1.5, 1.5)
    p.drawRoundedRect(QRectF(10, 7, 10, 14), 1.5, 1.5)


def _similar(p: QPainter) -> None:
    p.drawEllipse(QRectF(4, 4, 11, 11))
    p.drawLine(QPointF(13.5, 13.5), QPointF(20, 20))
    p.drawPath(_path((7.5, 9.5), (9.5, 11.5), (12, 7.5)))


def _export(p: QPainter) -> None:
    p.drawPath(_path((8, 10), (5, 10), (5, 20), (19, 20), (19, 10), (16, 10)))
    p.drawLine(QPointF(12, 3.5), QPointF(12, 14))
    p.drawPath(_path((8.5, 7), (12, 3.5), (15.5, 7)))


def _retrain(p: QPainter) -> None:
    path = QPainterPath()
    path.arcMoveTo(QRectF(4, 4, 16, 16), 100)
    path.arcTo(QRectF(4, 4, 16, 16), 100, 300)
    p.drawPath(path)
    p.drawPath(_path((15.5, 1.8), (18.2, 5.5), (14, 7.2)))
    p.drawEllipse(QRectF(10, 10, 4, 4))


def _refresh(p: QPainter) -> None:
    _retrain(p)


DRAWINGS: dict[str, Draw] = {
    "open_workspace": _open,
    "import_csv": _import_csv,
    "import_folder": _import_folder,
    "crawl": _crawl,
    "undo": _undo,
    "redo": _redo,
    "approve": _approve,
    "reject": _reject,
    "make_default": _default,
    "mark_sensitive": _sensitive,
    "near_duplicates": _duplicates,
    "similar": _similar,
    "export": _export,
    "retrain": _retrain,
    "refresh": _refresh,
    "new_workspace": _folder,
}


def icon(name: str) -> QIcon:
    """The icon for an action name (an empty icon for names without a drawing)."""
    draw = DRAWINGS.get(name)
    result = QIcon()
    if draw is None:
        return result
    for size in SIZES:
        for mode, ink in ((QIcon.Mode.Normal, INK), (QIcon.Mode.Disabled, DISABLED)):
            result.addPixmap(_render(draw, size, ink, mode is QIcon.Mode.Disabled), mode)
    return result


def _render(draw: Draw, size: int, ink: QColor, disabled: bool) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(size / GRID, size / GRID)
    painter.setPen(
        QPen(ink, 1.6, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
    )
    painter.setBrush(Qt.BrushStyle.NoBrush)
    if disabled:
        painter.setOpacity(0.45)
    draw(painter)
    painter.end()
    return pixmap
