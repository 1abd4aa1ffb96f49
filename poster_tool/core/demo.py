"""The demo workspace: ~40 fictional titles with posters the app draws itself.

Real posters are copyrighted and the product ships none, so the demo paints its own: each
title gets 2–4 variants, each in the visual style of one of the title's genres (a dark red
horror variant and a warm family variant of the same film), so every feature — grid, labels,
pools, retraining, personalized picks, export — can be tried at once.  Every image says
"SYNTHETIC" on it and is marked synthetic in the catalog.
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Generator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from poster_tool.core.errors import StoreError
from poster_tool.core.imaging import check_bytes
from poster_tool.core.intake import Intake
from poster_tool.core.progress import Meter, Progress
from poster_tool.core.records import TitleIn
from poster_tool.core.workspace import default_root

if TYPE_CHECKING:
    from poster_tool.core.catalog.store import PosterStore
    from poster_tool.core.workspace import Workspace

DEMO_DIRNAME = "demo"
SIZE = (400, 600)
CURATOR = "demo"


def demo_root() -> Path:
    """Where ``--demo`` keeps its workspace: beside the default workspace."""
    return default_root().parent / DEMO_DIRNAME


@dataclass(frozen=True)
class Style:
    """How a genre looks: background gradient, accent, text colour, motif, title placement."""

    top: tuple[int, int, int]
    bottom: tuple[int, int, int]
    accent: tuple[int, int, int]
    text: tuple[int, int, int]
    motif: str
    title_at: str  # "top" | "bottom" | "middle"


STYLES: dict[str, Style] = {
    "Horror": Style((20, 0, 0), (120, 8, 12), (200, 20, 30), (235, 225, 215), "drips", "bottom"),
    "Family": Style((255, 214, 120), (250, 150, 70), (255, 245, 200), (90, 45, 10), "sun", "top"),
    "Romance": Style(
        (250, 190, 205), (190, 70, 110), (255, 235, 240), (255, 255, 255), "hearts", "middle"
    ),
    "Action": Style(
        (10, 60, 80), (230, 110, 20), (255, 200, 40), (255, 255, 255), "burst", "bottom"
    ),
    "Comedy": Style(
        (255, 240, 60), (60, 210, 230), (240, 60, 120), (30, 30, 30), "confetti", "top"
    ),
    "Sci-Fi": Style((5, 5, 40), (70, 20, 120), (120, 220, 255), (200, 240, 255), "planet", "top"),
    "Thriller": Style(
        (40, 48, 60), (110, 120, 135), (230, 230, 230), (250, 250, 250), "shards", "bottom"
    ),
    "Drama": Style(
        (200, 180, 150), (90, 70, 55), (40, 30, 25), (255, 248, 235), "figure", "bottom"
    ),
    "Animation": Style(
        (120, 220, 255), (255, 120, 200), (255, 255, 120), (40, 20, 80), "blobs", "top"
    ),
    "Documentary": Style(
        (235, 235, 235), (150, 150, 150), (30, 30, 30), (20, 20, 20), "grid", "middle"
    ),
    "Crime": Style((15, 15, 15), (60, 55, 20), (250, 210, 0), (250, 210, 0), "skyline", "top"),
    "Fantasy": Style(
        (60, 20, 90), (20, 110, 80), (220, 200, 255), (255, 240, 200), "castle", "top"
    ),
    "Adventure": Style(
        (255, 170, 80), (40, 110, 60), (250, 240, 200), (255, 255, 255), "mountains", "top"
    ),
    "Mystery": Style((10, 40, 40), (40, 90, 80), (180, 230, 210), (220, 255, 240), "fog", "middle"),
    "War": Style((90, 90, 60), (40, 40, 30), (200, 180, 120), (235, 225, 190), "smoke", "bottom"),
    "Music": Style(
        (30, 10, 60), (230, 60, 120), (255, 255, 255), (255, 255, 255), "vinyl", "bottom"
    ),
}

# (name, original name, year, official genres): fictional films only.
TITLES: tuple[tuple[str, str | None, int, tuple[str, ...]], ...] = (
    ("The Lantern House", None, 2019, ("Drama", "Thriller")),
    ("Semi-Basement", "반지하", 2019, ("Drama", "Comedy", "Thriller")),
    ("Night Orchard", None, 2021, ("Horror", "Mystery")),
    ("Summer of the Kites", None, 2016, ("Family", "Comedy")),
    ("Red Harbor", None, 2014, ("Action", "Crime")),
    ("Letters to Juno", None, 2012, ("Romance", "Drama")),
    ("Orbit Nine", None, 2023, ("Sci-Fi", "Adventure")),
    ("The Quiet Tenant", None, 2018, ("Thriller", "Horror")),
    ("Grandma's Bakery", "할머니의 빵집", 2020, ("Family", "Drama")),
    ("Paper Dragons", None, 2017, ("Animation", "Family", "Fantasy")),
    ("Salt and Iron", None, 2011, ("War", "Drama")),
    ("Neon Alibi", None, 2022, ("Crime", "Mystery", "Thriller")),
    ("Second Verse", None, 2015, ("Music", "Romance")),
    ("The Long Tide", "긴 파도", 2013, ("Drama", "Romance")),
    ("Wolves of Hollow Creek", None, 2010, ("Horror", "Thriller")),
    ("Laugh Track", None, 2019, ("Comedy",)),
    ("Glass Meridian", None, 2024, ("Sci-Fi", "Thriller")),
    ("Mountain Letters", None, 2009, ("Adventure", "Family")),
    ("The Ninth Witness", None, 2016, ("Crime", "Drama")),
    ("Moonlit Carousel", None, 2021, ("Fantasy", "Romance")),
    ("Beneath the Ice", None, 2020, ("Documentary",)),
    ("Ghost Ward", "귀신 병동", 2018, ("Horror", "Comedy")),
    ("Full Throttle Sunday", None, 2015, ("Action", "Comedy")),
    ("The Beekeeper's Son", None, 2012, ("Drama", "Family")),
    ("Starlight Diner", None, 2017, ("Comedy", "Romance")),
    ("Iron Meridian", None, 2019, ("Action", "Sci-Fi", "Adventure")),
    ("Whispering Pines", None, 2011, ("Mystery", "Drama")),
    ("Bassline", None, 2022, ("Music", "Drama")),
    ("Little Comet", None, 2023, ("Animation", "Sci-Fi", "Family")),
    ("Last Train to Arden", None, 2008, ("Thriller", "Action")),
    ("Frontline Winter", "겨울 전선", 2016, ("War", "Action")),
    ("The Puzzle Club", None, 2014, ("Family", "Mystery", "Comedy")),
    ("A Wedding in Rain", None, 2018, ("Romance", "Comedy")),
    ("Deep Field", None, 2021, ("Documentary", "Sci-Fi")),
    ("The Hollow Crown Inn", None, 2010, ("Fantasy", "Adventure")),
    ("Blackout City", None, 2024, ("Crime", "Action")),
    ("The Apartment Upstairs", None, 2019, ("Horror", "Drama")),
    ("Snow Day", None, 2013, ("Family", "Comedy")),
    ("Echoes of Seoul", "서울의 메아리", 2020, ("Drama", "Music")),
    ("Tidal Heist", None, 2022, ("Crime", "Comedy", "Action")),
)

TAGLINES = {
    "Horror": "SOME DOORS STAY SHUT",
    "Family": "A story for everyone",
    "Romance": "Love finds a way",
    "Action": "NO WAY BACK",
    "Comedy": "Laugh out loud!",
    "Sci-Fi": "BEYOND THE LAST STAR",
    "Thriller": "TRUST NO ONE",
    "Drama": "Every life a story",
    "Animation": "Big adventures, small heroes",
    "Documentary": "The true story",
    "Crime": "EVERYONE HAS A PRICE",
    "Fantasy": "Magic is real",
    "Adventure": "The journey begins",
    "Mystery": "What lies beneath?",
    "War": "THEY HELD THE LINE",
    "Music": "Feel the beat",
}


@cache
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # A CJK-capable font when the system has one (Korean original titles), else Pillow's own.
    candidates = [
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
        if bold
        else "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
        if bold
        else "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "C:/Windows/Fonts/malgunbd.ttf" if bold else "C:/Windows/Fonts/malgun.ttf",
        "/System/Library/Fonts/AppleSDGothicNeo.ttc",
    ]
    for path in candidates:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size)


def _jitter(style: Style, rng: random.Random) -> Style:
    def shift(colour: tuple[int, int, int]) -> tuple[int, int, int]:
        r, g, b = (max(0, min(255, c + rng.randrange(-30, 31))) for c in colour)
        return (r, g, b)

    return Style(
        shift(style.top), shift(style.bottom), style.accent, style.text, style.motif, style.title_at
    )


def _gradient(style: Style) -> Image.Image:
    w, h = SIZE
    top = Image.new("RGB", (1, 2), style.top)
    top.putpixel((0, 1), style.bottom)
    return top.resize((w, h), Image.Resampling.BILINEAR)


def _motif(draw: ImageDraw.ImageDraw, style: Style, rng: random.Random) -> None:
    w, h = SIZE
    a = style.accent
    m = style.motif
    if m == "drips":
        for _ in range(14):
            x = rng.randrange(w)
            length = rng.randrange(60, 260)
            draw.rounded_rectangle((x, -10, x + rng.randrange(8, 22), length), 8, fill=a)
        draw.ellipse((w / 2 - 70, h / 2 - 70, w / 2 + 70, h / 2 + 10), outline=a, width=6)
        draw.ellipse((w / 2 - 20, h / 2 - 50, w / 2 + 20, h / 2 - 10), fill=a)
    elif m == "sun":
        draw.ellipse((w - 190, 120, w - 40, 270), fill=a)
        draw.ellipse((-100, h - 230, w * 0.8, h + 200), fill=(120, 190, 80))
        draw.ellipse((w * 0.3, h - 180, w + 120, h + 200), fill=(90, 160, 60))
        for i, x in enumerate((110, 170, 230, 285)):
            size = 26 if i % 2 else 34
            draw.ellipse(
                (x - size / 2, h - 300, x + size / 2, h - 300 + size), fill=(255, 225, 190)
            )
            draw.rounded_rectangle(
                (x - size / 2, h - 300 + size, x + size / 2, h - 300 + size * 3.2),
                10,
                fill=(200, 80, 60),
            )
    elif m == "hearts":
        for cx, cy, r in ((w / 2 - 40, h / 2 - 40, 70), (w / 2 + 50, h / 2 + 10, 55)):
            draw.ellipse((cx - r, cy - r, cx, cy), fill=a)
            draw.ellipse((cx, cy - r, cx + r, cy), fill=a)
            draw.polygon([(cx - r, cy - r / 2), (cx + r, cy - r / 2), (cx, cy + r)], fill=a)
    elif m == "burst":
        cx, cy = w * 0.55, h * 0.4
        points = []
        for i in range(24):
            r = 190 if i % 2 == 0 else 70
            ang = math.pi * i / 12
            points.append((cx + r * math.cos(ang), cy + r * math.sin(ang)))
        draw.polygon(points, fill=a)
        for i in range(-4, 8):
            draw.line([(i * 70, h), (i * 70 + 300, 0)], fill=(255, 255, 255), width=3)
    elif m == "confetti":
        colours = [a, (60, 120, 250), (40, 200, 90), (255, 140, 0)]
        for _ in range(90):
            x, y = rng.randrange(w), rng.randrange(h)
            draw.ellipse((x, y, x + 12, y + 12), fill=rng.choice(colours))
        draw.ellipse((w / 2 - 80, h / 2 - 60, w / 2 + 80, h / 2 + 100), fill=(255, 220, 120))
        draw.arc((w / 2 - 45, h / 2, w / 2 + 45, h / 2 + 60), 10, 170, fill=(40, 20, 20), width=7)
    elif m == "planet":
        for _ in range(120):
            x, y = rng.randrange(w), rng.randrange(h)
            draw.point((x, y), fill=(255, 255, 255))
        draw.ellipse((70, 190, 330, 450), fill=(60, 110, 200))
        draw.ellipse((20, 300, 380, 340), outline=a, width=5)
    elif m == "shards":
        for _ in range(12):
            x, y = rng.randrange(w), rng.randrange(h)
            draw.line([(w / 2, h / 2), (x, y)], fill=a, width=2)
        draw.polygon([(170, 150), (230, 150), (260, 420), (140, 420)], fill=(15, 15, 20))
        draw.ellipse((170, 90, 230, 160), fill=(15, 15, 20))
    elif m == "figure":
        draw.ellipse((165, 170, 235, 250), fill=a)
        draw.rounded_rectangle((140, 250, 260, 480), 40, fill=a)
        draw.rectangle((0, 470, w, h), fill=(60, 45, 35))
    elif m == "blobs":
        for cx, cy, r, col in ((130, 330, 80, (255, 150, 60)), (270, 350, 65, (120, 90, 250))):
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=col)
            for dx in (-25, 25):
                draw.ellipse((cx + dx - 14, cy - 30, cx + dx + 14, cy - 2), fill=(255, 255, 255))
                draw.ellipse((cx + dx - 6, cy - 20, cx + dx + 6, cy - 8), fill=(20, 20, 20))
    elif m == "grid":
        for x in range(0, w, 40):
            draw.line([(x, 0), (x, h)], fill=(200, 200, 200))
        for y in range(0, h, 40):
            draw.line([(0, y), (w, y)], fill=(200, 200, 200))
        draw.rectangle((60, 150, 340, 400), fill=(70, 70, 70))
        draw.rectangle((75, 165, 325, 385), fill=(120, 140, 150))
    elif m == "skyline":
        x = 0
        while x < w:
            bw, bh = rng.randrange(30, 70), rng.randrange(120, 330)
            draw.rectangle((x, h - bh, x + bw, h), fill=(25, 25, 25))
            for wy in range(h - bh + 10, h - 10, 22):
                if rng.random() < 0.4:
                    draw.rectangle((x + 8, wy, x + 16, wy + 8), fill=a)
            x += bw + 4
        for i in range(-2, 12):
            x0 = i * 40
            draw.polygon([(x0, 440), (x0 + 20, 440), (x0 + 40, 470), (x0 + 20, 470)], fill=a)
    elif m == "castle":
        base = h - 150
        draw.rectangle((110, base - 170, 290, base), fill=(25, 15, 45))
        for tx in (95, 185, 275):
            draw.rectangle((tx, base - 250, tx + 30, base), fill=(25, 15, 45))
            draw.polygon(
                [(tx - 8, base - 250), (tx + 38, base - 250), (tx + 15, base - 300)],
                fill=(25, 15, 45),
            )
        for _ in range(40):
            x, y = rng.randrange(w), rng.randrange(h // 2)
            draw.ellipse((x, y, x + 4, y + 4), fill=a)
    elif m == "mountains":
        draw.ellipse((140, 160, 260, 280), fill=a)
        draw.polygon([(-50, h), (140, 260), (330, h)], fill=(70, 90, 70))
        draw.polygon([(120, h), (300, 300), (480, h)], fill=(50, 70, 50))
        draw.polygon([(140, 260), (110, 320), (170, 320)], fill=(240, 240, 240))
    elif m == "fog":
        draw.ellipse((150, 180, 250, 280), outline=a, width=8)
        draw.rectangle((238, 260, 254, 400), fill=a)
        draw.rectangle((254, 360, 280, 372), fill=a)
        for y in range(300, h, 40):
            draw.line([(0, y), (w, y + 20)], fill=(120, 160, 150), width=10)
    elif m == "smoke":
        for _ in range(20):
            x, y, r = rng.randrange(w), rng.randrange(150, 450), rng.randrange(30, 90)
            draw.ellipse((x - r, y - r, x + r, y + r), fill=(120, 115, 95))
        draw.rectangle((0, h - 160, w, h), fill=(30, 30, 22))
        draw.polygon(
            [(60, h - 160), (90, h - 230), (150, h - 230), (180, h - 160)], fill=(30, 30, 22)
        )
    elif m == "vinyl":
        for r in range(150, 20, -12):
            draw.ellipse((w / 2 - r, 260 - r, w / 2 + r, 260 + r), outline=a, width=2)
        draw.ellipse((w / 2 - 30, 230, w / 2 + 30, 290), fill=(230, 60, 120))


def _wrap(
    draw: ImageDraw.ImageDraw,
    text: str,
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont,
    width: int,
) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def draw_poster(
    name: str, original: str | None, year: int, genre: str, seed: int, scale: float = 1.0
) -> bytes:
    """A synthetic poster of ``name`` in the style of ``genre``, as JPEG bytes."""
    rng = random.Random(seed)
    style = _jitter(STYLES[genre], rng)
    img = _gradient(style)
    # The motif goes on its own layer, shifted and maybe mirrored per title, so two films
    # in one genre style look related but are not near-duplicates of each other.
    layer = Image.new("RGBA", SIZE, (0, 0, 0, 0))
    _motif(ImageDraw.Draw(layer), style, rng)
    if rng.random() < 0.5:
        layer = layer.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    img.paste(layer, (rng.randrange(-90, 91), rng.randrange(-110, 111)), layer)
    draw = ImageDraw.Draw(img)
    if genre in ("Mystery", "Horror", "Fantasy"):
        img = img.filter(ImageFilter.GaussianBlur(1.2))
        draw = ImageDraw.Draw(img)
    w, h = SIZE
    upper = genre in ("Horror", "Action", "Thriller", "Crime", "War", "Sci-Fi")
    title_font = _font(46 if len(name) < 16 else 38, bold=True)
    lines = _wrap(draw, name.upper() if upper else name, title_font, w - 50)
    line_h = title_font.size + 8 if hasattr(title_font, "size") else 50
    block = line_h * len(lines)
    y0 = {"top": 40, "middle": (h - block) / 2 + 150, "bottom": h - block - 110}[style.title_at]
    for i, line in enumerate(lines):
        tw = draw.textlength(line, font=title_font)
        draw.text(((w - tw) / 2 + 2, y0 + i * line_h + 2), line, font=title_font, fill=(0, 0, 0))
        draw.text(((w - tw) / 2, y0 + i * line_h), line, font=title_font, fill=style.text)
    small = _font(18)
    sub = f"{original} · {year}" if original else str(year)
    tag = TAGLINES[genre]
    for text, y in ((tag, y0 - 32 if style.title_at != "top" else y0 + block + 8), (sub, h - 62)):
        tw = draw.textlength(text, font=small)
        draw.text(((w - tw) / 2, y), text, font=small, fill=style.text)
    mark = _font(13)
    draw.text((10, h - 22), "SYNTHETIC · Poster Studio demo", font=mark, fill=(255, 255, 255))
    if scale != 1.0:
        img = img.resize((int(w * scale), int(h * scale)), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=88)
    return out.getvalue()


def _variants(genres: tuple[str, ...], index: int) -> list[str]:
    """2–4 style genres for a title: each official genre, plus an off-genre "misleading" one."""
    styled = [g for g in genres if g in STYLES]
    if len(styled) < 2:
        styled.append("Drama" if styled[0] != "Drama" else "Thriller")
    if index % 5 == 2:
        # A deliberately misleading variant (a "softened horror" style): the guardrails and
        # the curators should keep it away from viewers.
        off = [g for g in ("Family", "Romance", "Comedy") if g not in genres]
        styled.append(off[index % len(off)])
    return styled[:4]


def build_demo(
    workspace: Workspace, store: PosterStore, force: bool = False
) -> Generator[Progress, None, str]:
    """Fill ``workspace`` with the demo catalog; returns a one-line summary.

    Idempotent: a second run adds nothing.  Refuses a workspace that already holds other
    posters unless ``force`` is given, so the demo never mixes into a real catalog.
    """
    stats = store.stats()
    synthetic = store.synthetic_count()
    if stats["posters"]["total"] > synthetic and not force:
        raise StoreError(
            f"{workspace.root} already holds {stats['posters']['total']} posters; the demo "
            "goes in an empty workspace (or pass --force)"
        )
    plan = [(i, t, g) for i, t in enumerate(TITLES) for g in _variants(t[3], i)]
    meter = Meter("demo posters", len(plan) + 1)  # posters: the plan's and one smaller copy
    intake = Intake(workspace, store)
    first_poster: dict[int, int] = {}
    posters_by_style: list[tuple[int, int, str]] = []
    for i, (name, original, year, genres), genre in plan:
        title_id, _ = store.upsert_title(
            TitleIn(
                key=f"demo:{i + 1:03d}",
                name=name,
                original_name=original,
                year=year,
                genres=genres,
                source="demo",
            )
        )
        data = draw_poster(name, original, year, genre, seed=i * 31 + len(genre))
        with store.transaction():
            outcome = intake.ingest(
                check_bytes(data, f"{name} ({genre})"),
                title_id=title_id,
                source="demo",
                synthetic=True,
                source_ref=f"demo:{i + 1:03d}:{genre}",
            )
        first_poster.setdefault(title_id, outcome.poster_id)
        posters_by_style.append((title_id, outcome.poster_id, genre))
        meter.done += 1
        meter.count(outcome.kind)
        yield meter.report(name)
    # A re-encoded copy of one poster, so near-duplicate detection has something to show.
    title_id, poster_id, genre = posters_by_style[0]
    name, original, year, _ = TITLES[0]
    with store.transaction():
        outcome = intake.ingest(
            check_bytes(
                draw_poster(name, original, year, genre, 0 * 31 + len(genre), scale=0.8),
                f"{name} (smaller copy)",
            ),
            title_id=title_id,
            source="demo",
            synthetic=True,
            source_ref="demo:001:copy",
        )
    meter.done += 1
    meter.count(outcome.kind)
    yield meter.report("curation examples")
    _curate(store, first_poster, posters_by_style)
    yield meter.report("done")
    total = store.stats()
    return f"{total['titles']} titles, {total['posters']['total']} synthetic posters"


def _curate(
    store: PosterStore, first_poster: dict[int, int], posters: list[tuple[int, int, str]]
) -> None:
    """A few curator decisions, audited as the 'demo' curator, so every view has examples."""
    if store.audit_log(curator=CURATOR, limit=1):
        return  # already curated: the demo is idempotent
    for poster_id in first_poster.values():
        store.set_default(poster_id, CURATOR)
    approve: dict[int, str] = {}
    genres: dict[int, list[str]] = {}
    for n, (title_id, poster_id, style) in enumerate(posters):
        official = store.get_title(title_id).genres
        if style in official:
            approve[poster_id] = "approved" if n % 7 != 6 else "pending"
            if n % 3 == 0:
                genres[poster_id] = [style]  # the curator says what this variant *feels* like
        elif n % 2 == 0:
            approve[poster_id] = "rejected"  # a misleading off-genre variant
    store.set_status(approve, CURATOR)
    store.set_genres(genres, CURATOR)
    religious = posters[len(posters) // 3][1]
    store.set_sensitive({religious: "religious imagery (demo example)"}, CURATOR)
