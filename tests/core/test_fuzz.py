"""Fuzzing what users hand in: a CSV manifest, a JSON export and a crawl recipe.

Whatever the input, it either imports (or loads) or is refused with a one-line reason, never a
traceback, and the catalog passes SQLite's integrity check afterwards.  Example counts stay
small so the suite runs in seconds on two cores.
"""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from poster_tool.core.crawl.recipe import load_recipe, recipe_from_dict, shipped_recipes
from poster_tool.core.errors import CrawlError, ManifestError
from poster_tool.core.exchange.export import ExportError
from poster_tool.core.exchange.import_export import import_export
from poster_tool.core.importers import import_csv
from poster_tool.core.progress import run_job
from poster_tool.core.workspace import Workspace
from tests.synthetic import jpeg_bytes

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text that breaks naive parsers: quotes, separators, line ends, NUL, non-BMP, RTL, long runs.
nasty_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(['"', '""', ",", "\n", "\r\n", "\0", "𝔘", "\u202e", "%", "../", "1e400"]),
    # Around the csv module's 131,072-character field limit.
    st.builds(lambda c, n: c * n, st.sampled_from("x,\"'\n"), st.sampled_from([2, 131_073])),
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)


def _one_line(message: str) -> None:
    assert message.strip() and "\n" not in message and "Traceback" not in message


def _integrity_ok(workspace: Workspace) -> None:
    with workspace.store() as store:
        assert store._scalar("PRAGMA integrity_check") == "ok"


@pytest.fixture(scope="module")
def csv_world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, Path]:
    folder = tmp_path_factory.mktemp("csv")
    (folder / "good.jpg").write_bytes(jpeg_bytes())
    (folder / "page.jpg").write_bytes(b"<html>not found</html>")
    return Workspace.open(folder / "ws"), folder


MANIFEST_COLUMNS = ["id", "title", "year", "genres", "path", "url", "tmdb_id", "imdb_id"]
cells = nasty_text | st.sampled_from(
    ["good.jpg", "page.jpg", "gone.jpg", "/dev/zero", ".", "2019", "2019.0", "tt0000001", "드라마"]
)


@FUZZ
@given(
    # Mostly a usable header (so rows are read), sometimes one lacking a needed column.
    header=st.builds(
        lambda cols, extra, drop: [c for i, c in enumerate(cols + extra) if i != drop],
        st.permutations(MANIFEST_COLUMNS[:5]),
        st.lists(st.sampled_from(MANIFEST_COLUMNS[5:]) | st.text(max_size=6), max_size=3),
        st.integers(0, 30),
    ),
    rows=st.lists(st.lists(cells, min_size=5, max_size=8), max_size=6),
    encoding=st.sampled_from(["utf-8", "cp949", "latin-1"]),
)
def test_any_manifest_imports_or_is_refused_in_one_line(
    csv_world: tuple[Workspace, Path], header: list[str], rows: list[list[str]], encoding: str
) -> None:
    workspace, folder = csv_world
    lines = [",".join(header)] + [",".join(row) for row in rows]
    manifest = folder / "m.csv"
    manifest.write_bytes("\n".join(lines).encode(encoding, "replace"))
    with workspace.store() as store:
        try:
            report = run_job(import_csv(workspace, store, manifest))
        except ManifestError as exc:
            _one_line(str(exc))
        else:
            for item, reason in report.refused:
                _one_line(f"{item}: {reason}")
            for line in report.lines():
                _one_line(line)
    _integrity_ok(workspace)


@pytest.fixture(scope="module")
def an_export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    from tests.core.export_sample import build, export_file

    folder = tmp_path_factory.mktemp("export")
    source = Workspace.open(folder / "source")
    with source.store() as store:
        build(source, store)
        data = export_file(source, store, folder / "posters.json", include_images=folder / "img")
    return folder, data


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document, as key paths."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _paths(item, (*prefix, i))
    return found


def _mutated(document: Any, data: st.DataObject, values: st.SearchStrategy[Any]) -> Any:
    """A copy of ``document`` with one to three places replaced by ``values`` or deleted."""
    document = copy.deepcopy(document)
    for _ in range(data.draw(st.integers(1, 3), label="changes")):
        where = data.draw(st.sampled_from(_paths(document)[1:]), label="where")
        parent = document
        for key in where[:-1]:
            parent = parent[key]
        if data.draw(st.booleans(), label="delete") and isinstance(parent, dict):
            del parent[where[-1]]
        else:
            parent[where[-1]] = data.draw(values, label="value")
    return document


@FUZZ
@given(data=st.data())
def test_any_export_imports_or_is_refused_with_nothing_written(
    an_export: tuple[Path, dict[str, Any]], data: st.DataObject
) -> None:
    folder, original = an_export
    document = _mutated(original, data, json_values)
    text = json.dumps(document, ensure_ascii=False)
    if data.draw(st.booleans(), label="cut"):
        text = text[: data.draw(st.integers(0, len(text)), label="at")]
    file = folder / "fuzzed.json"
    file.write_text(text, "utf-8")
    with tempfile.TemporaryDirectory() as target_dir:
        target = Workspace.open(Path(target_dir) / "ws")
        with target.store() as store:
            try:
                report = run_job(import_export(target, store, file))
            except ExportError as exc:
                for line in str(exc).splitlines():
                    _one_line(line)
                    assert line.startswith(str(file))
                assert store._scalar("SELECT count(*) FROM titles") == 0
            else:
                for item, reason in report.refused:
                    _one_line(f"{item}: {reason}")
        _integrity_ok(target)


@pytest.fixture(scope="module")
def a_recipe() -> dict[str, Any]:
    import tomllib

    return tomllib.loads(shipped_recipes()["portal"].read_text("utf-8"))


@FUZZ
@given(data=st.data())
def test_any_recipe_loads_or_is_refused_in_one_line(
    a_recipe: dict[str, Any], data: st.DataObject, tmp_path: Path
) -> None:
    recipe = _mutated(a_recipe, data, json_values | nasty_text)
    try:
        recipe_from_dict(recipe)
    except CrawlError as exc:
        _one_line(str(exc))
    raw = data.draw(st.binary(max_size=200) | st.just(json.dumps(recipe).encode()), label="raw")
    file = tmp_path / f"fuzzed{data.draw(st.sampled_from(['.json', '.toml']), label='ext')}"
    file.write_bytes(raw)
    try:
        load_recipe(file)
    except CrawlError as exc:
        _one_line(str(exc))
