"""A small catalog that exercises every case an export must tell apart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from poster_tool.core.exchange.export import export
from poster_tool.core.imaging import check_bytes
from poster_tool.core.intake import Intake
from poster_tool.core.progress import run_job
from poster_tool.core.records import TitleIn
from tests.synthetic import jpeg_bytes

if TYPE_CHECKING:
    from poster_tool.core.catalog.store import PosterStore
    from poster_tool.core.workspace import Workspace

PARASITE = TitleIn(
    key="imdb:tt6751668",
    name="기생충",
    original_name="Parasite",
    year=2019,
    imdb_id="tt6751668",
    tmdb_id=496243,
    genres=("Drama", "Thriller"),
    source="csv",
)
ALIEN = TitleIn(
    key="imdb:tt0078748",
    name="Alien",
    year=1979,
    imdb_id="tt0078748",
    genres=("Horror", "Sci-Fi"),
    source="csv",
)
UNAPPROVED = TitleIn(
    key="dir:Nothing Approved (2001)",
    name="Nothing Approved",
    year=2001,
    genres=("Comedy",),
    source="dir",
)


def build(workspace: Workspace, store: PosterStore) -> dict[str, int]:
    """Add the sample posters; return their ids by role.

    ``curated``/``scored``/``default_sensitive``/``rejected`` belong to 기생충 (Parasite),
    ``curated_over_model``/``pending``/``curated_empty`` to Alien, ``only_pending`` to a
    title with no approved poster.
    """
    intake = Intake(workspace, store)
    titles = {t.key: store.upsert_title(t)[0] for t in (PARASITE, ALIEN, UNAPPROVED)}
    roles = [
        ("curated", PARASITE),
        ("scored", PARASITE),
        ("default_sensitive", PARASITE),
        ("rejected", PARASITE),
        ("curated_over_model", ALIEN),
        ("pending", ALIEN),
        ("curated_empty", ALIEN),
        ("only_pending", UNAPPROVED),
    ]
    ids = {}
    for n, (role, title) in enumerate(roles):
        image = check_bytes(jpeg_bytes((30 * n, 90, 200 - 20 * n), pattern=n), f"{role}.jpg")
        url = f"https://img.example.test/{role}.jpg" if role == "scored" else None
        ids[role] = intake.ingest(
            image, title_id=titles[title.key], source="csv", source_url=url
        ).poster_id
    store.set_status(
        {
            ids[r]: "approved"
            for r in (
                "curated",
                "scored",
                "default_sensitive",
                "curated_over_model",
                "curated_empty",
            )
        },
        "kim",
    )
    store.set_status({ids["rejected"]: "rejected"}, "kim")
    store.set_genres({ids["curated"]: ["Drama", "Comedy"], ids["curated_empty"]: []}, "kim")
    store.write_model_scores(
        "cnn-v1",
        {
            ids["scored"]: {"Drama": 0.91, "Horror": 0.88, "Comedy": 0.125},
            ids["curated_over_model"]: {"Horror": 0.4, "Sci-Fi": 0.9},
        },
        {"Horror": 0.5},
    )
    store.set_genres({ids["curated_over_model"]: ["Horror"]}, "lee")
    store.set_default(ids["default_sensitive"], "kim")
    store.set_sensitive({ids["default_sensitive"]: "graphic violence"}, "kim")
    return ids


def export_file(workspace: Workspace, store: PosterStore, out: Path, **options: Any) -> dict:
    """Export ``store`` as JSON to ``out`` and return the parsed file."""
    run_job(export(workspace, store, "json", out, **options))
    return json.loads(out.read_text("utf-8"))
