"""One picture at a chosen scale: zoom with the wheel or +/-, pan by dragging or arrows.

The view only paints; it holds a scale (``None``: fit the widget) and the picture point
shown at its centre, so a compare window can put several views on the same scale.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QPixmap, QWheelEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from poster_tool.gui.common.theme import COLORS

ZOOM_STEP = 1.25  # one wheel notch or one +/- press
MIN_SCALE, MAX_SCALE = 0.02, 16.0
PAN_STEP = 64  # screen pixels per arrow press


class PictureView(QWidget):
    """A picture, fitted or at a scale, panned by mouse and keys.

    ``scale_requested`` asks for a new scale (``None``: fit) and ``pan_requested`` for a
    move; the owner decides whether one view or all views follow.
    """

    scale_requested = Signal(object)  # float | None
    pan_requested = Signal(float, float)  # screen pixels
    activated = Signal()  # clicked or focused: the compare window's current poster

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 160)
        self._pixmap: QPixmap | None = None
        self._full = (0, 0)  # the original's size: scales are relative to it
        self._scale: float | None = None
        self._centre = QPointF(0.5, 0.5)  # the picture point (0..1) at the widget's centre
        self._drag: QPointF | None = None
        self.message = "Loading…"
        self.current = False  # drawn with an accent frame

    # -- state ------------------------------------------------------------------------------
    def set_picture(self, pixmap: QPixmap | None, full_size: tuple[int, int]) -> None:
        """Show ``pixmap`` (a preview or the full picture) for an original of ``full_size``."""
        self._pixmap = pixmap
        self._full = full_size
        self.update()

    def fit_scale(self) -> float:
        """The scale at which the whole picture fits the widget."""
        w, h = self._full
        if not w or not h:
            return 1.0
        return min(self.width() / w, self.height() / h)

    def scale(self) -> float:
        """The scale on screen (1.0: one picture pixel per logical pixel)."""
        return self.fit_scale() if self._scale is None else self._scale

    def set_scale(self, scale: float | None) -> None:
        """Fit (``None``) or show at ``scale``, clamped to what is useful."""
        self._scale = None if scale is None else min(MAX_SCALE, max(MIN_SCALE, scale))
        if scale is None:
            self._centre = QPointF(0.5, 0.5)
        self._clamp()
        self.update()

    def zoom(self, factor: float) -> None:
        """Ask for the scale times ``factor``."""
        self.scale_requested.emit(self.scale() * factor)

    def pan(self, dx: float, dy: float) -> None:
        """Move the picture by screen pixels (what a drag does)."""
        w, h = self._full
        s = self.scale()
        if w and h and s:
            self._centre = QPointF(self._centre.x() - dx / (w * s), self._centre.y() - dy / (h * s))
            self._clamp()
            self.update()

    def _clamp(self) -> None:
        # A picture smaller than the widget stays centred; a larger one never leaves it.
        w, h = self._full
        s = self.scale()
        cx, cy = self._centre.x(), self._centre.y()
        for axis, (size, room) in enumerate(((w * s, self.width()), (h * s, self.height()))):
            value = cx if axis == 0 else cy
            if size <= room or not size:
                value = 0.5
            else:
                half = room / 2 / size
                value = min(1 - half, max(half, value))
            cx, cy = (value, cy) if axis == 0 else (cx, value)
        self._centre = QPointF(cx, cy)

    def picture_rect(self) -> QRectF:
        """Where the picture is painted, in widget coordinates."""
        w, h = self._full
        s = self.scale()
        left = self.width() / 2 - self._centre.x() * w * s
        top = self.height() / 2 - self._centre.y() * h * s
        return QRectF(left, top, w * s, h * s)

    # -- Qt ---------------------------------------------------------------------------------
    def paintEvent(self, _event: object) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(28, 28, 30))
        if self._pixmap is not None and not self._pixmap.isNull():
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.scale() < 2)
            painter.drawPixmap(self.picture_rect(), self._pixmap, QRectF(self._pixmap.rect()))
        if self.message:
            painter.setPen(QColor("white"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.message)
        if self.current:
            painter.setPen(COLORS["accent"])
            painter.drawRect(self.rect().adjusted(1, 1, -2, -2))
        painter.end()

    def resizeEvent(self, _event: object) -> None:
        self._clamp()

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom(ZOOM_STEP**steps)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._drag = event.position()
        self.setCursor(Qt.CursorShape.ClosedHandCursor)
        self.activated.emit()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag is not None:
            delta = event.position() - self._drag
            self._drag = event.position()
            self.pan_requested.emit(delta.x(), delta.y())

    def mouseReleaseEvent(self, _event: QMouseEvent) -> None:
        self._drag = None
        self.unsetCursor()

    def focusInEvent(self, event: object) -> None:
        self.activated.emit()
        super().focusInEvent(event)  # type: ignore[arg-type]

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = Qt.Key(event.key())
        moves = {
            Qt.Key.Key_Left: (PAN_STEP, 0),
            Qt.Key.Key_Right: (-PAN_STEP, 0),
            Qt.Key.Key_Up: (0, PAN_STEP),
            Qt.Key.Key_Down: (0, -PAN_STEP),
        }
        if key in moves:
            self.pan_requested.emit(*moves[key])
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom(ZOOM_STEP)
        elif key == Qt.Key.Key_Minus:
            self.zoom(1 / ZOOM_STEP)
        else:
            super().keyPressEvent(event)
