"""A wheel (``pip install .``, not editable) carries what the checkout ships beside the
package: the export schema, the crawl recipes and the default model, and finds them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ("pyproject.toml", "setup.py", "README.md", "poster_tool", "resources", "models")


def test_a_wheel_carries_the_schema_recipes_and_default_model(tmp_path: Path) -> None:
    source = tmp_path / "src"  # a copy: building writes build/ and egg-info where it runs
    source.mkdir()
    for name in SHIPPED:
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy2
        copy(ROOT / name, source / name)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path / "dist"),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    wheel = next((tmp_path / "dist").glob("*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {
        "poster_tool/resources/export.schema.json",
        "poster_tool/resources/recipes/portal.toml",
    } <= names
    assert any(n.startswith("poster_tool/models/") and n.endswith("/weights.pt") for n in names)

    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    probe = (
        "from poster_tool.core.ml.registry import bundled_dir\n"
        "from poster_tool.core.crawl.recipe import shipped_recipes\n"
        "from poster_tool.core.exchange.export import SCHEMA_PATH\n"
        "print(bundled_dir()); print(shipped_recipes()['portal']); print(SCHEMA_PATH)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(site)},
        timeout=120,
    )
    paths = [Path(line) for line in done.stdout.splitlines()]
    assert len(paths) == 3, done.stderr[-2000:]
    for path in paths:
        assert path.exists() and site in path.parents, path
