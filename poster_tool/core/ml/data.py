"""Training data from the catalog: truth per poster, a title-level split, a torch Dataset.

The truth of a poster is its curator genres when curated, else its title's official genres
(``PosterStore.label_genres``, never the model's own suggestions); rejected posters are
left out.  Posters of one film never straddle splits, and neither do exact or near
duplicates filed under different titles: they are grouped first, then groups are dealt to
train / validation / test by iterative stratification (Sechidis et al. 2011), so rare
genres reach every split.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from poster_tool.core.errors import IntakeError, ModelError
from poster_tool.core.imaging import open_rgb
from poster_tool.core.progress import Meter, Progress
from poster_tool.core.taxonomy import ordered

if TYPE_CHECKING:
    from collections.abc import Callable

    from PIL import Image

    from poster_tool.core.catalog.store import PosterStore
    from poster_tool.core.workspace import Workspace

SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class Example:
    """One poster with its truth."""

    poster_id: int
    title_id: int
    title_key: str
    path: Path
    genres: tuple[str, ...]
    curated: bool
    group: int  # posters of one group (title, or duplicates across titles) share a split


def load_examples(workspace: Workspace, store: PosterStore) -> list[Example]:
    """Every usable poster: not rejected, with at least one genre, its file present."""
    rows = store.training_rows()
    genres = store.label_genres([r[0] for r in rows])
    groups = _groups(rows)
    out = []
    for poster_id, title_id, key, path, curated, *_ in rows:
        file = workspace.image_path(path)
        if genres[poster_id] and file.exists():
            out.append(
                Example(
                    poster_id,
                    title_id,
                    key,
                    file,
                    tuple(genres[poster_id]),
                    bool(curated),
                    groups[title_id],
                )
            )
    return out


def _groups(rows: Sequence[tuple]) -> dict[int, int]:
    """Title id -> group id, joining titles that share a poster (union-find)."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: int, b: int) -> None:
        parent[find(a)] = find(b)

    title_of = {r[0]: r[1] for r in rows}
    by_sha: dict[str, int] = {}
    for _id, title_id, _key, _path, _curated, sha, dup, near in rows:
        union(title_id, by_sha.setdefault(sha, title_id))
        for other in (dup, near):
            if other in title_of:
                union(title_id, title_of[other])
    return {t: find(t) for t in parent}


def model_genres(examples: Sequence[Example], min_positives: int = 10) -> list[str]:
    """Genres with enough positives to learn, in taxonomy order."""
    counts: dict[str, int] = {}
    for ex in examples:
        for g in ex.genres:
            counts[g] = counts.get(g, 0) + 1
    return ordered(g for g, n in counts.items() if n >= min_positives)


def label_matrix(examples: Sequence[Example], genres: Sequence[str]) -> np.ndarray:
    """``(N, G)`` float32 matrix of 0/1 truths."""
    index = {g: j for j, g in enumerate(genres)}
    y = np.zeros((len(examples), len(genres)), np.float32)
    for i, ex in enumerate(examples):
        for g in ex.genres:
            if g in index:
                y[i, index[g]] = 1.0
    return y


@dataclass
class Split:
    """Examples per split."""

    train: list[Example]
    val: list[Example]
    test: list[Example]

    def snapshot(self) -> dict[str, list[str]]:
        """Title keys per split: saved with a model so it can be evaluated on its own test."""
        return {name: sorted({ex.title_key for ex in getattr(self, name)}) for name in SPLITS}


def split_by_title(
    examples: Sequence[Example],
    genres: Sequence[str],
    seed: int = 0,
    fractions: tuple[float, float, float] = (0.7, 0.15, 0.15),
    fixed: Mapping[str, str] | None = None,
) -> Split:
    """Deal groups of posters to train / val / test, stratified by genre and seeded.

    :param fixed: title key -> split name, for titles an earlier model already placed
        (a quick retrain or a resumed run keeps its test set held out)
    """
    fixed = fixed or {}
    rng = np.random.default_rng(seed)
    y = label_matrix(examples, genres)
    members: dict[int, list[int]] = {}
    for i, ex in enumerate(examples):
        members.setdefault(ex.group, []).append(i)
    group_ids = list(members)
    rng.shuffle(group_ids)
    counts = {g: y[members[g]].sum(axis=0) for g in group_ids}
    sizes = {g: len(members[g]) for g in group_ids}
    frac = np.asarray(fractions, np.float64) / sum(fractions)
    target = frac[:, None] * y.sum(axis=0)[None, :]  # (3, G) positives each split should get
    want_labels = target.copy()  # … and still wants
    want_total = frac * len(examples)
    assigned: dict[int, int] = {}

    def give(group: int, split: int) -> None:
        assigned[group] = split
        want_labels[split] -= counts[group]
        want_total[split] -= sizes[group]

    for group in group_ids:
        for i in members[group]:
            if examples[i].title_key in fixed:
                give(group, SPLITS.index(fixed[examples[i].title_key]))
                break
    # Rarest genre first: its few groups are spread before common genres fill the splits.
    for j in np.argsort(y.sum(axis=0), kind="stable"):
        for group in group_ids:
            if group in assigned or counts[group][j] == 0:
                continue
            # The split missing the largest share of its quota, so a rare genre's few groups
            # are spread over every split instead of filling the biggest one first.
            share = want_labels[:, j] / np.maximum(target[:, j], 1e-9)
            best = np.flatnonzero(share == share.max())
            if len(best) > 1:
                best = best[want_total[best] == want_total[best].max()]
            give(group, int(rng.choice(best)))
    for group in group_ids:
        if group not in assigned:
            give(group, int(np.argmax(want_total)))
    parts: list[list[Example]] = [[], [], []]
    for group in group_ids:
        parts[assigned[group]].extend(examples[i] for i in members[group])
    for part in parts:
        part.sort(key=lambda ex: ex.poster_id)
    return Split(*parts)


def decode(path: str | Path, max_side: int) -> Image.Image:
    """A poster decoded for the network; an unreadable file is a ``ModelError`` naming it."""
    try:
        return open_rgb(path, max_side=max_side)
    except (IntakeError, OSError) as exc:
        raise ModelError(f"cannot read {path}: {exc}") from exc


class DecodedPosters:
    """Posters decoded once into one uint8 buffer, so later epochs skip JPEG decoding.

    The buffer is a torch tensor in shared memory: forked DataLoader workers read it without
    copying, and spawned ones receive a handle to it rather than a copy.  Images are kept
    channels-first, as the transforms take them.
    """

    def __init__(self, slots: dict[str, tuple[int, int, int]], buffer: torch.Tensor) -> None:
        self.slots = slots
        self.buffer = buffer

    @classmethod
    def build(
        cls, paths: Sequence[Path | str], max_side: int, budget_bytes: int, workers: int = 2
    ) -> Generator[Progress, None, DecodedPosters | None]:
        """Decode every poster (in threads: Pillow releases the GIL while decoding).

        Returns ``None``, having decoded nothing, when the posters would not fit the budget.
        """
        unique = list(dict.fromkeys(str(p) for p in paths))
        # A poster is at most max_side on its long side and about 2:3, so about 2/3 square.
        if not unique or len(unique) * max_side * max_side * 3 * 2 // 3 > budget_bytes:
            return None
        meter = Meter("decode", total=len(unique))
        arrays: list[np.ndarray] = []
        with ThreadPoolExecutor(max(1, workers)) as pool:
            for start in range(0, len(unique), 256):
                chunk = unique[start : start + 256]
                for img in pool.map(lambda p: decode(p, max_side), chunk):
                    arrays.append(np.asarray(img).transpose(2, 0, 1))
                meter.done += len(chunk)
                yield meter.report("decoding posters once for every epoch")
        buffer = torch.empty(sum(a.size for a in arrays), dtype=torch.uint8).share_memory_()
        slots: dict[str, tuple[int, int, int]] = {}
        offset = 0
        for path, array in zip(unique, arrays, strict=True):
            buffer[offset : offset + array.size] = torch.from_numpy(
                np.ascontiguousarray(array)
            ).view(-1)
            slots[path] = (offset, array.shape[1], array.shape[2])
            offset += array.size
        return cls(slots, buffer)

    def get(self, path: str) -> torch.Tensor | None:
        """The decoded poster as a ``(3, height, width)`` uint8 view, or ``None``."""
        slot = self.slots.get(path)
        if slot is None:
            return None
        offset, height, width = slot
        return self.buffer[offset : offset + 3 * height * width].view(3, height, width)


class PosterDataset(Dataset):
    """Posters decoded through ``open_rgb`` (JPEG draft mode), or taken from a
    :class:`DecodedPosters` cache, and transformed.

    :param labels: ``(N, G)`` truths, or ``None`` when scoring unlabelled images
    """

    def __init__(
        self,
        paths: Sequence[Path | str],
        labels: np.ndarray | None,
        transform: Callable[[Image.Image | torch.Tensor], torch.Tensor],
        max_side: int,
        cache: DecodedPosters | None = None,
    ) -> None:
        self.paths = [str(p) for p in paths]
        self.labels = labels
        self.transform = transform
        self.max_side = max_side
        self.cache = cache

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        path = self.paths[index]
        img: Image.Image | torch.Tensor | None = (
            self.cache.get(path) if self.cache is not None else None
        )
        if img is None:
            img = decode(path, self.max_side)
        target = torch.from_numpy(self.labels[index]) if self.labels is not None else torch.zeros(0)
        return self.transform(img), target


def batches(loader: DataLoader) -> Iterator[Any]:
    """Iterate a loader; a worker's ``ModelError`` comes back as one plain sentence.

    (DataLoader re-raises a worker's exception with its whole traceback as the message.)
    """
    try:
        yield from loader
    except ModelError as exc:
        text = str(exc).strip()
        if "Traceback" not in text:
            raise
        raise ModelError(text.splitlines()[-1].split(": ", 1)[-1]) from None


def default_workers(cached: bool = False) -> int:
    """DataLoader worker processes: leave one core to the model.

    :param cached: the posters are already decoded in memory; a sample then costs only its
        augmentation, which on two cores or fewer runs faster in-process than in a worker
        competing with the model for the CPU (``bench/train_bench.py``: 0.87 against 0.84 of
        the synthetic-tensor speed)
    """
    cores = os.cpu_count() or 1
    if cached and cores <= 2:
        return 0
    return min(4, max(0, cores - 1))


def make_loader(
    dataset: Dataset,
    batch_size: int,
    *,
    shuffle: bool = False,
    workers: int = 0,
    seed: int = 0,
    sampler: torch.utils.data.Sampler | None = None,
    pin_memory: bool = False,
    drop_last: bool = False,
) -> DataLoader:
    """A DataLoader with seeded shuffling; workers decode in parallel with the model.

    :param drop_last: leave out a last, incomplete batch
    """
    generator = torch.Generator()
    generator.manual_seed(seed)
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=shuffle and sampler is None,
        sampler=sampler,
        num_workers=workers,
        persistent_workers=workers > 0,
        pin_memory=pin_memory,
        generator=generator,
        prefetch_factor=4 if workers > 0 else None,
        drop_last=drop_last,
    )
