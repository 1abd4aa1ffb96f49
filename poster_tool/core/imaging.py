"""Decoding and checking poster images with Pillow: the one place that opens image bytes.

Everything that reads a poster (intake, thumbnails, the CNN, the GUI's detail view) goes
through :func:`open_rgb`, so EXIF orientation, CMYK, palettes and alpha are handled the same
way everywhere and the stored original stays byte-for-byte what the source gave.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import stat
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from poster_tool.core.errors import IntakeError
from poster_tool.core.tempfiles import temp_name

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_PIXELS = 64_000_000  # 8000 x 8000: far above any real poster, far below a bomb
THUMB_SIDE = 160  # grid thumbnails: long side in pixels
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}

# Checked by content before Pillow sees the bytes, so an HTML page named .jpg is named as such.
_MAGIC = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
)


@dataclass(frozen=True)
class CheckedImage:
    """An image that passed intake, with what the catalog stores about it."""

    data: bytes
    sha256: str
    file_format: str  # "JPEG", "PNG", "WEBP", "GIF"
    ext: str
    width: int  # after EXIF orientation
    height: int
    phash: str
    thumbnail: Image.Image  # RGB, long side THUMB_SIDE at most


def sniff(data: bytes) -> str | None:
    """The image format the bytes start with, or ``None``."""
    for magic, name in _MAGIC:
        if data.startswith(magic):
            return name
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def describe_non_image(data: bytes) -> str:
    """A short guess at what non-image bytes are, for error messages."""
    if not data:
        return "the file is empty (0 bytes)"
    head = data[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        return "the file is an HTML page, not an image"
    if head.startswith((b"{", b"[")):
        return "the file is JSON text, not an image"
    if head.startswith(b"%pdf"):
        return "the file is a PDF, not an image"
    return "the file is not a JPEG, PNG, WebP or GIF image"


def _to_rgb(img: Image.Image) -> Image.Image:
    """RGB with alpha composited on white (a transparent poster is meant for a light page)."""
    if img.mode == "RGB":
        return img
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return img.convert("RGB")


def open_rgb(source: bytes | str | Path, max_side: int | None = None) -> Image.Image:
    """Decode an image to an upright RGB picture, optionally no larger than ``max_side``.

    JPEGs decode in draft mode (DCT scaling), so a reduced size costs a fraction of a full
    decode.

    :raises IntakeError: when the bytes are not a usable image
    :raises OSError: when the file cannot be read, is not a regular file or is too large
    """
    data = source if isinstance(source, bytes) else read_regular(source, MAX_FILE_BYTES)
    return _decode(data, max_side)[0]


def _decode(data: bytes, max_side: int | None) -> tuple[Image.Image, str, tuple[int, int]]:
    fmt = sniff(data)
    if fmt is None:
        raise IntakeError(describe_non_image(data))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img: Image.Image = Image.open(io.BytesIO(data))
            width, height = img.size
            if width * height > MAX_PIXELS:
                raise IntakeError(
                    f"the image is {width}×{height} pixels ({width * height / 1e6:.0f} MP), over "
                    f"the limit of {MAX_PIXELS / 1e6:.0f} MP (a possible decompression bomb)"
                )
            orientation = img.getexif().get(0x0112, 1)
            if max_side and img.format == "JPEG" and max(width, height) > max_side:
                # Ask for the target's own aspect: draft() only scales down when *both*
                # sides stay at or above the request.
                ratio = max_side / max(width, height)
                img.draft("RGB", (max(1, int(width * ratio)), max(1, int(height * ratio))))
            img.seek(0)  # the first frame of an animated GIF
            img.load()
            img = ImageOps.exif_transpose(img) if orientation != 1 else img
            img = _to_rgb(img)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise IntakeError(f"the image is too large to decode safely ({exc})") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        reason = str(exc) or type(exc).__name__
        if "truncated" in reason.lower():
            reason = "the image data is truncated (an incomplete download or copy?)"
        raise IntakeError(f"cannot decode the {fmt} image: {reason}") from exc
    if max_side and max(img.size) > max_side:
        img.thumbnail((max_side, max_side), Image.Resampling.BILINEAR, reducing_gap=2.0)
    upright = (height, width) if orientation in (5, 6, 7, 8) else (width, height)
    return img, fmt, upright


def check_bytes(data: bytes, name: str = "image") -> CheckedImage:
    """Run intake on bytes: format by content, size limits, decode, hashes, thumbnail.

    :param name: the file name or URL, used only in error messages
    :raises IntakeError: with a message naming ``name`` and the reason
    """
    if len(data) > MAX_FILE_BYTES:
        raise IntakeError(
            f"{name}: the file is {len(data) / 2**20:.1f} MB, over the limit of "
            f"{MAX_FILE_BYTES / 2**20:.0f} MB"
        )
    try:
        thumb, fmt, (width, height) = _decode(data, THUMB_SIDE)
    except IntakeError as exc:
        raise IntakeError(f"{name}: {exc}") from exc
    return CheckedImage(
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        file_format=fmt,
        ext=FORMATS[fmt],
        width=width,
        height=height,
        phash=phash(thumb),
        thumbnail=thumb,
    )


def check_file(path: str | Path) -> CheckedImage:
    """Intake for a file on disk: only a regular file is read, and never past the size limit."""
    path = Path(path)
    try:
        data = read_regular(path, MAX_FILE_BYTES)
    except OSError as exc:
        raise IntakeError(f"{path}: {exc.strerror or exc}") from exc
    return check_bytes(data, str(path))


def read_regular(path: str | Path, limit: int) -> bytes:
    """The bytes of the regular file ``path``, refusing anything else before reading it.

    A device (``/dev/zero``) or a FIFO reports a size of 0 yet reads without end, so the
    kind of file is checked on the open descriptor and the read itself is bounded.

    :raises OSError: when the file cannot be read, is not a regular file, or is over
        ``limit`` bytes; its ``strerror`` is a sentence for the user
    """
    # O_NONBLOCK: opening a FIFO would otherwise wait for a writer forever.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise OSError(exc.errno, f"cannot read the file ({exc.strerror})") from exc
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file (a device, pipe or socket)")
        data = fh.read(limit + 1) if info.st_size <= limit else b""
    if info.st_size > limit or len(data) > limit:
        size = max(info.st_size, len(data))
        raise OSError(
            errno.EFBIG,
            f"the file is {size / 2**20:.1f} MB, over the limit of {limit / 2**20:.0f} MB",
        )
    return data


_DCT = None


def _dct_matrix(n: int = 32) -> np.ndarray:
    global _DCT
    if _DCT is None:
        k = np.arange(n)[:, None]
        i = np.arange(n)[None, :]
        m = np.cos(np.pi * (2 * i + 1) * k / (2 * n)) * np.sqrt(2 / n)
        m[0] /= np.sqrt(2)
        _DCT = m
    return _DCT


def phash(img: Image.Image) -> str:
    """The 64-bit DCT perceptual hash of an image, as 16 hex digits.

    Near-identical posters (re-encoded, resized, lightly cropped) differ in a few bits.
    """
    gray = np.asarray(img.convert("L").resize((32, 32), Image.Resampling.BILINEAR), np.float64)
    dct = _dct_matrix()
    low = (dct @ gray @ dct.T)[:8, :8].ravel()
    bits = low > np.median(low[1:])
    return f"{int(''.join('1' if b else '0' for b in bits), 2):016x}"


def hamming_many(target: str, hashes: Sequence[str]) -> np.ndarray:
    """Bit distances between one perceptual hash and many (vectorised)."""
    values = np.array([int(h, 16) for h in hashes], dtype=np.uint64)
    xor = values ^ np.uint64(int(target, 16))
    as_bytes = xor.view(np.uint8).reshape(-1, 8)
    return np.unpackbits(as_bytes, axis=1).sum(axis=1)


def save_jpeg_atomic(img: Image.Image, path: Path, quality: int = 85) -> None:
    """Write a JPEG through a temporary file, so a crash never leaves half a thumbnail."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp_name(path)
    img.save(tmp, "JPEG", quality=quality)
    tmp.replace(path)


def write_bytes_atomic(data: bytes, path: Path) -> None:
    """Write bytes through a temporary file and rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp_name(path)
    tmp.write_bytes(data)
    tmp.replace(path)


def _tmp_name(path: Path) -> Path:
    # Unique per process and thread: two workers may store the same content at once.
    return temp_name(path, f"{threading.get_ident():x}")
