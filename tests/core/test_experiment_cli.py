"""``experiment plan / import / logs / estimate / remove`` on a small catalog."""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING

import numpy as np
import pytest

from tests.core.personalize_catalog import CatalogBuilder, run

if TYPE_CHECKING:
    from pathlib import Path

    from poster_tool.core.catalog.store import PosterStore
    from poster_tool.core.workspace import Workspace

HEADER = "timestamp,viewer,title,poster,propensity,arm,played,minutes\n"


@pytest.fixture
def catalog(workspace: Workspace, store: PosterStore) -> dict[str, int]:
    build = CatalogBuilder(workspace, store)
    ids = {}
    for name, genres in (("Haunt", ["Horror"]), ("Home", ["Family", "Drama"])):
        ids[name] = build.title(name, genres)
    ids["haunt"] = build.poster(ids["Haunt"], curated=["Horror"], default=True)
    ids["home"] = build.poster(ids["Home"], curated=["Drama"], default=True)
    ids["home-family"] = build.poster(ids["Home"], model={"Family": 0.8, "Drama": 0.3})
    # Never in a plan: sensitive, rejected, or selling a genre the film does not have.
    ids["home-sensitive"] = build.poster(ids["Home"], curated=["Family"], sensitive="gore")
    ids["home-rejected"] = build.poster(ids["Home"], curated=["Family"], status="rejected")
    ids["home-horror"] = build.poster(ids["Home"], curated=["Horror"])
    return ids


def _plan(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_plan_gives_every_guarded_poster_a_known_propensity(
    capsys: pytest.CaptureFixture[str],
    workspace: Workspace,
    catalog: dict[str, int],
    tmp_path: Path,
) -> None:
    out_file = tmp_path / "plan.csv"
    code, out, _ = run(
        capsys, workspace, "experiment", "plan", "--explore", "0.2", "--out", str(out_file)
    )
    assert code == 0 and "8 profiles x 2 arms x 2 titles" in out
    rows = _plan(out_file)
    shown = {int(r["poster_id"]) for r in rows}
    assert shown == {catalog["haunt"], catalog["home"], catalog["home-family"]}
    groups: dict[tuple[str, str, str], list[dict[str, str]]] = {}
    for r in rows:
        groups.setdefault((r["profile"], r["arm"], r["title_id"]), []).append(r)
    for group in groups.values():
        assert sum(float(r["propensity"]) for r in group) == pytest.approx(1.0, abs=1e-5)
        assert sum(int(r["drawn"]) for r in group) == 1
        assert sum(int(r["arm_pick"]) for r in group) == 1
    # A family viewer: genre-match picks the family-looking poster, explores the default.
    home = {
        int(r["poster_id"]): float(r["propensity"])
        for r in groups[("family-drama", "genre-match", str(catalog["Home"]))]
    }
    assert home == pytest.approx({catalog["home-family"]: 0.9, catalog["home"]: 0.1})
    # The horror fan dislikes nothing here but the default arm shows the default mostly.
    default = {
        int(r["poster_id"]): float(r["propensity"])
        for r in groups[("horror-fan", "default", str(catalog["Home"]))]
    }
    assert default[catalog["home"]] > 0.8
    # The same seed, the same plan; the file carries the sha256 a service can match on.
    again = tmp_path / "again.csv"
    run(capsys, workspace, "experiment", "plan", "--explore", "0.2", "--out", str(again))
    assert again.read_bytes() == out_file.read_bytes()
    assert all(len(r["sha256"]) == 64 for r in rows)
    code, _, err = run(
        capsys, workspace, "experiment", "plan", "--arms", "bandit", "--out", str(again)
    )
    assert code == 1 and "unknown arm 'bandit'" in err


def _write(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes((HEADER + "".join(f"{line}\n" for line in lines)).encode(encoding))
    return path


def test_import_refuses_a_log_with_bad_rows_and_lists_them(
    capsys: pytest.CaptureFixture[str],
    workspace: Workspace,
    catalog: dict[str, int],
    tmp_path: Path,
) -> None:
    home, family, haunt = catalog["home"], catalog["home-family"], catalog["haunt"]
    bad = _write(
        tmp_path / "bad.csv",
        [
            f"2025-05-01T20:00:00,v1,{catalog['Home']},{home},0.5,A,1,30",
            f"2025-05-01T20:01:00,v1,test:Nope,{home},0.5,A,1,30",
            f"2025-05-01T20:02:00,v1,{catalog['Home']},{haunt},0.5,A,0,",
            f"2025-05-01T20:03:00,v1,{catalog['Home']},{family},0,A,0,",
            f"2025-05-01T20:04:00,v1,{catalog['Home']},{family},,A,0,",
            f"2025-05-01T20:00:00,v1,{catalog['Home']},{home},0.5,A,0,30",
        ],
    )
    code, _, err = run(capsys, workspace, "experiment", "import", str(bad))
    assert code == 1
    assert "5 bad rows, nothing imported" in err
    assert "line 3: unknown title 'test:Nope'" in err
    assert f"line 4: poster '{haunt}' belongs to another title" in err
    assert "line 5: the propensity is 0" in err
    assert "line 6: the propensity is missing" in err
    assert "line 7: repeats line 2" in err
    code, out, _ = run(capsys, workspace, "experiment", "logs", "--json")
    assert json.loads(out) == []


def test_import_cp949_skips_repeats_and_refuses_the_same_file_twice(
    capsys: pytest.CaptureFixture[str],
    workspace: Workspace,
    store: PosterStore,
    catalog: dict[str, int],
    tmp_path: Path,
) -> None:
    sha = store.get_poster(catalog["home-family"]).sha256
    rows = [
        f"2025-05-01T20:00:00,민수,{catalog['Home']},{catalog['home']},0.5,A,1,42.5",
        f"2025-05-01T20:00:00,민수,{catalog['Home']},{catalog['home']},0.5,A,1,42.5",
        f"2025-05-01T21:00:00Z,지영,{catalog['Home']},{sha.upper()},0.5,B,0,",
    ]
    log = _write(tmp_path / "log.csv", rows, "cp949")
    code, out, _ = run(capsys, workspace, "experiment", "import", str(log), "--json")
    assert code == 0
    result = json.loads(out)
    assert (result["rows"], result["plays"], result["encoding"]) == (2, 1, "cp949")
    assert result["repeats_in_file"] == 1
    code, _, err = run(capsys, workspace, "experiment", "import", str(log))
    assert code == 1 and "already imported as log #1" in err
    # An overlapping export: the row already in the catalog is skipped, the new one kept.
    more = _write(tmp_path / "more.csv", [rows[0], rows[0].replace("20:00", "22:00")])
    code, out, _ = run(capsys, workspace, "experiment", "import", str(more))
    assert code == 0 and "1 impressions" in out and "1 already imported" in out
    viewers = [r[0] for r in store._run("SELECT viewer FROM impressions ORDER BY id")]
    assert viewers == ["민수", "지영", "민수"]
    entry = store.audit_log(limit=1)[0]
    assert entry.action == "import impressions"
    code, out, _ = run(capsys, workspace, "experiment", "remove", "2")
    assert code == 0
    assert store._scalar("SELECT count(*) FROM impressions") == 2
    code, _, err = run(capsys, workspace, "experiment", "remove", "2")
    assert code == 1 and "no impression log #2" in err


def test_estimates_from_an_imported_log(
    capsys: pytest.CaptureFixture[str],
    workspace: Workspace,
    catalog: dict[str, int],
    tmp_path: Path,
) -> None:
    # Family viewers play the family-looking poster of Home far more than the default.
    rng = np.random.default_rng(0)
    lines, plays = [], 0
    pool = {catalog["Home"]: [catalog["home"], catalog["home-family"]]}
    for i in range(4000):
        viewer = ["family-drama", "horror-fan"][i % 2]
        poster = pool[catalog["Home"]][int(rng.integers(2))]
        chance = 0.4 if viewer == "family-drama" and poster == catalog["home-family"] else 0.1
        played = int(rng.random() < chance)
        plays += played
        lines.append(
            f"2025-05-01T{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d},"
            f"{viewer},{catalog['Home']},{poster},0.5,,{played},"
        )
    log = _write(tmp_path / "log.csv", lines)
    assert run(capsys, workspace, "experiment", "import", str(log))[0] == 0
    code, out, _ = run(capsys, workspace, "experiment", "estimate", "--json")
    assert code == 0
    result = json.loads(out)
    assert result["impressions"] == 4000 and result["viewers_with_profile"] == 2
    found = {(e["segment"], e["policy"]): e for e in result["estimates"]}
    assert found[("all", "logged")]["ips"]["value"] == pytest.approx(plays / 4000, abs=1e-4)
    for estimator in ("replay", "ips", "snips", "dr"):
        gm, default = found[("all", "genre-match")], found[("all", "default")]
        assert gm[estimator]["low"] > default[estimator]["high"], estimator
    assert ("profile:family-drama", "genre-match") in found
    assert ("genre:Family", "linucb") in found
    code, out, _ = run(capsys, workspace, "experiment", "estimate", "--overall")
    assert code == 0 and "genre-match" in out and "profile:" not in out
