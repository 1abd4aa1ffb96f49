"""Image intake into the catalog: the one path by which any poster enters a workspace.

Importers and the crawler hand bytes (or files) to :class:`Intake`; it checks them
(:mod:`poster_tool.core.imaging`), stores the original content-addressed, writes the grid
thumbnail, and adds the poster row, linking exact duplicates (SHA-256) and near-duplicates
(perceptual hash) instead of dropping them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from poster_tool.core.imaging import CheckedImage, save_jpeg_atomic, write_bytes_atomic
from poster_tool.core.tempfiles import remove_stale

if TYPE_CHECKING:
    from poster_tool.core.catalog.store import PosterStore
    from poster_tool.core.workspace import Workspace

NEAR_DUPLICATE_BITS = 4  # of 64: re-encodes and resizes of one poster differ by 0–2 bits


@dataclass(frozen=True)
class Ingested:
    """What intake did with one image.

    :param kind: ``"new"``, ``"existing"`` (already in this title: nothing added),
        ``"duplicate"`` (same bytes as a poster of another title, added and linked) or
        ``"near_duplicate"`` (looks like another poster, added and linked)
    """

    poster_id: int
    kind: str
    linked_to: int | None = None


@dataclass(kw_only=True)
class IntakeTally:
    """Counts every job that brings titles and posters in shares (imports, crawls).

    ``refused`` lists ``(file or URL, reason)``; ``unknown_genres`` counts names the
    taxonomy could not map.
    """

    titles_new: int = 0
    titles_existing: int = 0
    posters_new: int = 0
    posters_existing: int = 0
    duplicates: int = 0
    near_duplicates: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)
    unknown_genres: Counter[str] = field(default_factory=Counter)

    def count_title(self, created: bool) -> None:
        """Count a title as new or as already in the catalog."""
        if created:
            self.titles_new += 1
        else:
            self.titles_existing += 1

    def count_poster(self, kind: str) -> None:
        """Count one :class:`Ingested` outcome by its ``kind``."""
        if kind == "new":
            self.posters_new += 1
        elif kind == "existing":
            self.posters_existing += 1
        elif kind == "duplicate":
            self.duplicates += 1
        elif kind == "near_duplicate":
            self.near_duplicates += 1
        else:
            raise ValueError(f"unknown intake outcome {kind!r}")

    def poster_counts(self) -> dict[str, int]:
        """The ``posters`` object of a JSON report."""
        return {
            "new": self.posters_new,
            "existing": self.posters_existing,
            "duplicate": self.duplicates,
            "near_duplicate": self.near_duplicates,
            "refused": len(self.refused),
        }

    def unknown_genres_line(self) -> str | None:
        """The summary line naming unmapped genres, or ``None`` when there were none."""
        if not self.unknown_genres:
            return None
        names = ", ".join(f"{g!r} ({n})" for g, n in self.unknown_genres.most_common())
        return f"unknown genres, not mapped: {names} (see 'poster-tool genres')"


class Intake:
    """Adds checked images to one workspace's catalog.

    :param store: an open store (of the calling thread)
    """

    def __init__(self, workspace: Workspace, store: PosterStore) -> None:
        self.workspace = workspace
        self.store = store
        # Temporary files of a run that was killed or hit a full disk (each intake job
        # removes them, as its own would be left the same way).
        for folder in (workspace.images_dir, workspace.thumbs_dir):
            for shard in folder.glob("??"):
                remove_stale(shard)

    def ingest(
        self,
        image: CheckedImage,
        *,
        title_id: int,
        source: str,
        source_url: str | None = None,
        source_ref: str | None = None,
        synthetic: bool = False,
    ) -> Ingested:
        """Store ``image`` as a poster of ``title_id`` (idempotent per title and content)."""
        existing = self.store.find_poster(title_id=title_id, sha256=image.sha256)
        if existing is not None:
            return Ingested(existing, "existing")
        store_files(self.workspace, image)
        twin = self.store.find_poster(sha256=image.sha256)
        near = (
            None if twin is not None else self.store.nearest_phash(image.phash, NEAR_DUPLICATE_BITS)
        )
        poster_id, created = self.store.add_poster(
            title_id=title_id,
            sha256=image.sha256,
            path=self.workspace.image_relpath(image.sha256, image.ext),
            width=image.width,
            height=image.height,
            phash=image.phash,
            file_format=image.file_format,
            file_size=len(image.data),
            source=source,
            source_url=source_url,
            source_ref=source_ref,
            synthetic=synthetic,
            near_duplicate_of=near,
        )
        if not created:
            return Ingested(poster_id, "existing")
        if twin is not None:
            return Ingested(poster_id, "duplicate", twin)
        if near is not None:
            return Ingested(poster_id, "near_duplicate", near)
        return Ingested(poster_id, "new")


def store_files(workspace: Workspace, image: CheckedImage) -> None:
    """Write the original (once per content) and its thumbnail, each atomically.

    Safe from worker threads: paths are content-addressed and writes go through a rename.
    """
    original = workspace.image_path(workspace.image_relpath(image.sha256, image.ext))
    if not original.exists():
        write_bytes_atomic(image.data, original)
    thumb = workspace.thumb_path(image.sha256)
    if not thumb.exists():
        save_jpeg_atomic(image.thumbnail, thumb)
