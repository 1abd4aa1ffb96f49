"""Synthetic test images shared by every test package (no real posters needed)."""

from __future__ import annotations

import io

from PIL import Image


def jpeg_bytes(
    colour: tuple[int, int, int] = (200, 40, 40),
    size: tuple[int, int] = (300, 450),
    pattern: int = 0,
) -> bytes:
    """A small synthetic poster; ``pattern`` varies the picture so hashes differ."""
    img = Image.new("RGB", size, colour)
    for i in range(8):
        box = ((pattern * 37 + i * 53) % size[0], (pattern * 91 + i * 29) % size[1])
        img.paste(
            (255 - colour[0], (colour[1] + 97 * i) % 256, pattern * 13 % 256),
            (*box, box[0] + 60, box[1] + 90),
        )
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90)
    return out.getvalue()
