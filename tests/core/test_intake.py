"""Image intake: every bad input gets its own clear reason; good odd inputs are normalised."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from poster_tool.core.errors import IntakeError
from poster_tool.core.imaging import THUMB_SIDE, check_bytes, hamming_many, open_rgb
from tests.synthetic import jpeg_bytes


def encode(img: Image.Image, fmt: str, **kw: object) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **kw)
    return out.getvalue()


def png_bomb(width: int, height: int) -> bytes:
    """A tiny 1-bit PNG that decodes to ``width`` × ``height`` pixels: a decompression bomb."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    row = b"\x00" * (1 + (width + 7) // 8)
    pixels = zlib.compress(row * height, 9)
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (jpeg_bytes()[:1500], "truncated"),
        (b"<!DOCTYPE html><html><body>404 Not Found</body></html>", "HTML page"),
        (png_bomb(20000, 20000), "decompression bomb"),
        (b"GIF89a" + b"\x00" * 10, "cannot decode"),
    ],
    ids=["zero-byte", "truncated-jpeg", "html-as-jpg", "bomb-20000x20000", "broken-gif"],
)
def test_bad_inputs_are_refused_with_a_clear_reason(data: bytes, reason: str) -> None:
    with pytest.raises(IntakeError, match=reason) as info:
        check_bytes(data, "poster.jpg")
    assert str(info.value).startswith("poster.jpg: ")


def test_oversized_file_is_refused_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("poster_tool.core.imaging.MAX_FILE_BYTES", 1000)
    with pytest.raises(IntakeError, match="over the limit of"):
        check_bytes(jpeg_bytes(), "big.jpg")


def test_png_with_alpha_is_composited_on_white() -> None:
    img = Image.new("RGBA", (200, 300), (255, 0, 0, 0))
    img.paste((0, 0, 255, 255), (50, 50, 150, 250))
    checked = check_bytes(encode(img, "PNG"))
    assert checked.file_format == "PNG" and checked.thumbnail.mode == "RGB"
    assert checked.thumbnail.getpixel((2, 2)) == (255, 255, 255)


def test_cmyk_jpeg_and_palette_gif_become_rgb() -> None:
    cmyk = Image.new("CMYK", (200, 300), (0, 255, 255, 0))  # red in CMYK
    checked = check_bytes(encode(cmyk, "JPEG"))
    r, g, b = checked.thumbnail.getpixel((10, 10))
    assert r > 200 and g < 60 and b < 60
    gif = Image.new("P", (120, 180), 3)
    assert check_bytes(encode(gif, "GIF")).thumbnail.mode == "RGB"


def test_exif_orientation_is_applied_to_size_and_pixels() -> None:
    img = Image.new("RGB", (400, 200), (0, 0, 0))
    img.paste((255, 255, 255), (0, 0, 200, 200))  # white on the left half
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    checked = check_bytes(encode(img, "JPEG", exif=exif))
    assert (checked.width, checked.height) == (200, 400)
    upright = open_rgb(checked.data)
    assert upright.size == (200, 400)
    assert upright.getpixel((100, 50))[0] > 200  # the white half is now on top


def test_thumbnail_is_grid_sized_and_webp_is_accepted() -> None:
    checked = check_bytes(jpeg_bytes(size=(640, 960)))
    assert max(checked.thumbnail.size) == THUMB_SIDE
    assert (checked.width, checked.height) == (640, 960)
    webp = encode(Image.new("RGB", (100, 150), (9, 9, 9)), "WEBP")
    assert check_bytes(webp).ext == "webp"


def test_perceptual_hash_finds_re_encodes_and_separates_different_posters() -> None:
    original = check_bytes(jpeg_bytes(pattern=1))
    smaller = Image.open(io.BytesIO(original.data)).resize((200, 300))
    re_encoded = check_bytes(encode(smaller, "JPEG", quality=60))
    other = check_bytes(jpeg_bytes((20, 120, 200), pattern=7))
    near, far = hamming_many(original.phash, [re_encoded.phash, other.phash])
    assert near <= 4 < far
    assert original.sha256 != re_encoded.sha256
