"""The review pass: marks, the reviewer's queue, accept / override, reviewed-only export, and
"revert to this point" from a poster's history."""

from __future__ import annotations

import json

import pytest

from poster_tool.cli import main
from poster_tool.core.catalog.store import PosterStore
from poster_tool.core.errors import StoreError
from poster_tool.core.exchange.export import preview
from poster_tool.core.personalize.profiles import (
    ProfileError,
    create_profile,
    delete_profile,
    get_profile,
    put_profile,
    revert_states,
    update_profile,
)
from poster_tool.core.records import PosterQuery, TitleIn
from tests.core.test_store import add


@pytest.fixture
def posters(fresh_store: PosterStore) -> tuple[PosterStore, list[int]]:
    title, _ = fresh_store.upsert_title(TitleIn("imdb:tt1", "Parasite", 2019, genres=("Drama",)))
    return fresh_store, [add(fresh_store, title, n) for n in range(1, 5)]


def test_the_queue_lists_unreviewed_edits_by_curator_then_date(posters) -> None:
    store, ids = posters
    store.set_genres({ids[0]: ["Horror"]}, "ben")
    store.set_status({ids[1]: "approved"}, "ana")
    store.mark_needs_review([ids[2]], "ana")
    queue = store.review_queue()
    assert [(e.curator, e.action, e.poster_id) for e in queue] == [
        ("ana", "status", ids[1]),
        ("ana", "needs_review", ids[2]),
        ("ben", "genres", ids[0]),
    ]
    assert [e.poster_id for e in store.review_queue(curator="ben")] == [ids[0]]
    assert store.review_queue(since="2999-01-01") == []
    assert len(store.review_queue(until="2999-01-01")) == 3


def test_accepting_clears_the_queue_and_is_audited(posters) -> None:
    store, ids = posters
    store.set_genres({ids[0]: ["Horror"]}, "ben")
    store.set_status({ids[0]: "approved"}, "ben")
    decided = store.review([ids[0]], "accepted", "rita")
    assert len(decided) == 2
    assert store.review_queue() == []
    assert store.reviewed_posters(ids) == {ids[0]}
    entry = store.audit_log(ids[0], limit=1)[0]
    assert (entry.curator, entry.action, entry.after) == ("rita", "review", "accepted")
    assert store.get_poster(ids[0]).genres == ("Horror",)  # accepting changes nothing


def test_the_grid_filters_on_reviewed_or_not(posters) -> None:
    store, ids = posters
    store.set_status({ids[0]: "approved", ids[1]: "approved"}, "ben")
    store.review([ids[0]], "accepted", "rita")
    assert store.query_ids(PosterQuery(reviewed=True)) == [ids[0]]
    assert sorted(store.query_ids(PosterQuery(reviewed=False))) == ids[1:]
    assert store.count(PosterQuery(reviewed=False, status="approved")) == 1


def test_a_later_edit_makes_a_reviewed_poster_wait_again(posters) -> None:
    store, ids = posters
    store.set_status({ids[0]: "approved"}, "ben")
    store.review([ids[0]], "accepted", "rita")
    store.set_genres({ids[0]: ["Comedy"]}, "ben")
    assert store.reviewed_posters(ids) == set()
    assert [e.action for e in store.review_queue()] == ["genres"]


def test_overriding_puts_back_what_was_before_the_waiting_edits(posters) -> None:
    store, ids = posters
    store.set_genres({ids[0]: ["Comedy"]}, "ana")
    store.review([ids[0]], "accepted", "rita")
    store.set_genres({ids[0]: ["Horror"]}, "ben")
    store.set_sensitive({ids[0]: "gore"}, "ben")
    store.review([ids[0]], "overridden", "rita")
    poster = store.get_poster(ids[0])
    assert (poster.genres, poster.sensitive) == (("Comedy",), False)
    assert store.review_queue() == []  # the reviewer's own restoring edits do not wait
    assert store.reviewed_posters([ids[0]]) == {ids[0]}


def test_undoing_a_review_makes_the_edits_wait_again_and_restores_an_override(posters) -> None:
    store, ids = posters
    store.set_genres({ids[0]: ["Horror"]}, "ben")
    before = store.curation_state([ids[0]])
    decided = store.review([ids[0]], "overridden", "rita")
    assert store.get_poster(ids[0]).genres == ("Drama",)  # back to the source's genres
    store.undo_review(decided, "rita", before)
    assert store.get_poster(ids[0]).genres == ("Horror",)
    assert [(e.curator, e.action) for e in store.review_queue()] == [("ben", "genres")]
    assert store.audit_log(ids[0], limit=1)[0].action == "review"


def test_a_mark_can_be_withdrawn_and_reviewing_nothing_is_refused(posters) -> None:
    store, ids = posters
    marks = store.mark_needs_review(ids[:2], "ana")
    store.withdraw(marks, "ana")
    assert store.review_queue() == []
    with pytest.raises(StoreError, match="nothing to review"):
        store.review(ids, "accepted", "rita")
    with pytest.raises(StoreError, match="unknown decision"):
        store.review(ids, "maybe", "rita")


def test_reviewed_only_export_leaves_unreviewed_approved_posters_out(posters) -> None:
    store, ids = posters
    store.set_status(dict.fromkeys(ids[:3], "approved"), "ben")
    store.review(ids[:2], "accepted", "rita")
    store.mark_needs_review([ids[1]], "rita")
    assert preview(store).posters == 3
    assert preview(store, reviewed_only=True).posters == 1


def test_state_after_an_entry_is_what_revert_to_this_point_restores(posters) -> None:
    store, ids = posters
    store.set_genres({ids[0]: ["Comedy"]}, "ana")
    point = store.audit_log(ids[0], limit=1)[0].id
    store.set_genres({ids[0]: ["Horror"]}, "ben")
    store.set_status({ids[0]: "rejected"}, "ben")
    store.put_curation_state({ids[0]: store.state_after(ids[0], point)}, "rita")
    poster = store.get_poster(ids[0])
    assert (poster.genres, poster.status) == (("Comedy",), "pending")
    with pytest.raises(StoreError, match="not in the history"):
        store.state_after(ids[1], point)


def test_the_review_pass_from_the_cli(tmp_path, capsys) -> None:
    ws = ["--workspace", str(tmp_path / "ws")]
    assert main([*ws, "demo"]) == 0
    assert main([*ws, "posters", "set-status", "1,2", "rejected"]) == 0
    assert main([*ws, "--curator", "ben", "posters", "set-status", "1,2", "approved"]) == 0
    assert main([*ws, "--curator", "ana", "review", "mark", "3"]) == 0
    capsys.readouterr()
    assert main([*ws, "review", "queue", "--json", "--by", "ben"]) == 0
    queue = json.loads(capsys.readouterr().out)
    assert [(e["poster_id"], e["action"]) for e in queue] == [(1, "status"), (2, "status")]
    assert main([*ws, "--curator", "rita", "review", "accept", "1"]) == 0
    assert main([*ws, "--curator", "rita", "review", "override", "2"]) == 0
    capsys.readouterr()
    assert main([*ws, "export", "--dry-run", "--reviewed-only", "--json"]) == 0
    # #2 went back to before its first waiting edit (the demo's approval): pending.
    assert json.loads(capsys.readouterr().out)["posters"] == 1
    assert main([*ws, "review", "accept", "1"]) == 1
    assert "nothing to review" in capsys.readouterr().err


def test_a_profile_reverts_to_a_point_even_after_a_rename_or_a_delete(fresh_store) -> None:
    create_profile(fresh_store, "Kim", likes=["Horror"], curator="ana")
    point = fresh_store.audit_log(action="profile", limit=1)[0].id
    update_profile(fresh_store, "Kim", likes=["Drama"], new_name="Kim J.", curator="ben")
    now, then = revert_states(fresh_store, point)
    assert (now.name, now.likes) == ("Kim J.", ("Drama",))
    assert (then.name, then.likes) == ("Kim", ("Horror",))
    put_profile(fresh_store, now.name, then, "rita")
    assert get_profile(fresh_store, "Kim").likes == ("Horror",)
    delete_profile(fresh_store, "Kim", curator="ben")
    now, then = revert_states(fresh_store, point)
    assert now is None and then.name == "Kim"
    with pytest.raises(ProfileError, match="not an edit of a viewer profile"):
        revert_states(fresh_store, point - 1)


def test_the_queue_names_its_curators(posters) -> None:
    store, ids = posters
    store.set_genres({ids[0]: ["Horror"]}, "ben")
    store.mark_needs_review([ids[1]], "ana")
    store.set_status({ids[2]: "approved"}, "cho")
    store.review([ids[2]], "accepted", "rita")
    assert store.review_curators() == ["ana", "ben"]
