"""Several curators on one catalog: a stale edit is refused with who changed what when, no
undo takes back another curator's newer edit, and the change feed says what changed."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from poster_tool.cli import main
from poster_tool.core.catalog.changes import changed_posters
from poster_tool.core.catalog.store import PosterStore
from poster_tool.core.errors import EditConflict
from poster_tool.core.records import TitleIn
from tests.core.test_store import add


@pytest.fixture
def two(tmp_path: Path, catalog_engine: str | None) -> tuple[PosterStore, PosterStore, list[int]]:
    """Ana's and Mina's stores on one catalog (file or server), with one title of three
    posters."""
    path = catalog_engine or tmp_path / "catalog.db"
    ana = PosterStore(path)
    title, _ = ana.upsert_title(TitleIn("t:1", "Okja", 2017, genres=("Adventure",)))
    ids = [add(ana, title, n) for n in range(3)]
    mina = PosterStore(path)
    yield ana, mina, ids
    ana.close()
    mina.close()


def test_an_edit_based_on_a_stale_view_is_refused_with_who_and_when(two) -> None:
    ana, mina, ids = two
    looked = ana.last_change()
    mina.set_status({ids[0]: "rejected"}, "Mina")
    with pytest.raises(EditConflict) as refused, ana.based_on(looked, [ids[0]], "Ana"):
        ana.set_status({ids[0]: "approved"}, "Ana")
    message = str(refused.value)
    assert message.startswith(f"Poster {ids[0]} was changed by Mina at ")
    assert message.endswith("since you looked: look again.")
    assert ana.get_poster(ids[0]).status == "rejected"  # Mina's edit stands
    # Posters Mina did not touch, and a look taken after her edit, go through.
    with ana.based_on(looked, [ids[1]], "Ana"):
        ana.set_status({ids[1]: "approved"}, "Ana")
    with ana.based_on(ana.last_change(), [ids[0]], "Ana"):
        ana.set_status({ids[0]: "approved"}, "Ana")
    assert [p.status for p in mina.posters(ids[:2])] == ["approved", "approved"]
    # The audit log shows both curators' edits of the poster, newest first.
    history = mina.audit_log(ids[0])
    assert [(e.curator, e.after) for e in history] == [("Ana", "approved"), ("Mina", "rejected")]


def test_two_curators_checking_one_poster_at_once_take_turns(
    two, tmp_path: Path, catalog_engine: str | None
) -> None:
    ana, _, ids = two
    looked = ana.last_change()
    ana_checked = threading.Event()
    outcome: list[str] = []

    def mina_edits() -> None:  # her own connection: a store belongs to one thread
        mina = PosterStore(catalog_engine or tmp_path / "catalog.db")
        try:
            ana_checked.wait(5)
            with mina.based_on(looked, [ids[0]], "Mina"):
                mina.set_status({ids[0]: "rejected"}, "Mina")
            outcome.append("written")
        except EditConflict as exc:
            outcome.append(str(exc))
        finally:
            mina.close()

    mina = threading.Thread(target=mina_edits)
    mina.start()
    with ana.based_on(looked, [ids[0]], "Ana"):
        ana_checked.set()
        time.sleep(0.3)  # Mina's check runs now: it must wait for Ana's edit to land
        ana.set_status({ids[0]: "approved"}, "Ana")
    mina.join(15)
    assert outcome and outcome[0].startswith(f"Poster {ids[0]} was changed by Ana at ")
    assert ana.get_poster(ids[0]).status == "approved"


def test_a_curators_own_newer_edits_never_make_their_view_stale(two) -> None:
    ana, _, ids = two
    looked = ana.last_change()
    ana.toggle_genre([ids[0]], "Drama", "Ana")
    with ana.based_on(looked, [ids[0]], "Ana"):
        ana.toggle_genre([ids[0]], "Horror", "Ana")
    assert set(ana.get_poster(ids[0]).genres) == {"Adventure", "Drama", "Horror"}


def test_a_new_default_of_the_title_makes_a_view_of_its_posters_stale(two) -> None:
    ana, mina, ids = two
    looked = ana.last_change()
    mina.set_default(ids[2], "Mina")
    with pytest.raises(EditConflict, match="default poster of title .* changed by Mina"):  # noqa: SIM117
        with ana.based_on(looked, [ids[0]], "Ana"):
            ana.set_default(ids[0], "Ana")
    assert ana.get_title(ana.get_poster(ids[0]).title_id).default_poster_id == ids[2]


def test_an_undo_never_takes_back_another_curators_newer_edit(two) -> None:
    ana, mina, ids = two
    # Ana approves (her command remembers the state before and the point after).
    before = ana.curation_state([ids[0]])
    with ana.based_on(ana.last_change(), [ids[0]], "Ana"):
        ana.set_status({ids[0]: "approved"}, "Ana")
        after_edit = ana.last_change()
    mina.set_genres({ids[0]: ["Comedy"]}, "Mina")
    with pytest.raises(EditConflict) as refused:  # noqa: SIM117
        with ana.based_on(after_edit, [ids[0]], "Ana", reverting=True):
            ana.put_curation_state(before, "Ana")
    assert str(refused.value).endswith("after your edit, which would overwrite it.")
    poster = ana.get_poster(ids[0])
    assert (poster.status, poster.genres) == ("approved", ("Comedy",))


def test_the_feed_says_what_changed_since_a_point(two) -> None:
    ana, mina, ids = two
    point = ana.last_change()
    version = ana.data_version()
    assert ana.changes_since(point) == []
    mina.set_status({ids[0]: "approved", ids[1]: "rejected"}, "Mina")
    mina.set_default(ids[2], "Mina")
    assert ana.data_version() != version  # another connection committed
    entries = ana.changes_since(point)
    assert [e.curator for e in entries] == ["Mina"] * 3
    assert changed_posters(entries) == ids
    assert entries[-1].id == ana.last_change()
    assert [e.id for e in ana.changes_since(point, limit=2)] == [e.id for e in entries[:2]]
    # A new default also changes the poster that was the default before.
    ana.set_default(ids[1], "Ana")
    assert changed_posters(ana.changes_since(entries[-1].id)) == [ids[1], ids[2]]


def test_the_cli_refuses_an_edit_expecting_an_older_entry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = str(tmp_path / "ws")
    assert main(["--workspace", root, "demo"]) == 0
    with PosterStore(Path(root) / "catalog.db") as store:
        poster = store.posters([1])[0].id
        looked = store.last_change()
        store.set_status({poster: "rejected"}, "Mina")
    capsys.readouterr()
    ana = ["--workspace", root, "--curator", "Ana", "posters"]
    for edit in (
        ["set-status", str(poster), "approved"],
        ["set-genres", str(poster), "--genres", "Drama"],
        ["set-default", str(poster)],
        ["set-sensitive", str(poster), "--reason", "gore"],
        ["revert", str(poster), "--to", str(looked + 1)],
    ):
        assert main([*ana, *edit, "--expect", str(looked)]) == 1
        err = capsys.readouterr().err
        assert f"Poster {poster} was changed by Mina at " in err
        assert err.endswith("look again.\n") and err.count("\n") == 1
    with PosterStore(Path(root) / "catalog.db") as store:
        assert [e.curator for e in store.changes_since(looked)] == ["Mina"]  # none of Ana's
        current = store.last_change()
    assert main([*ana, "set-status", str(poster), "approved", "--expect", str(current)]) == 0
