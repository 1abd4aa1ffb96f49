"""Viewer profiles: affinity maths, editing, and the sample profiles."""

from __future__ import annotations

import pytest

from poster_tool.core.catalog.store import PosterStore
from poster_tool.core.personalize.profiles import (
    HALF_LIFE_DAYS,
    ProfileError,
    Viewing,
    add_viewing,
    affinity,
    create_profile,
    delete_profile,
    get_profile,
    history,
    list_profiles,
    update_profile,
)
from poster_tool.core.personalize.samples import SAMPLES, ensure_samples, seed_samples
from poster_tool.core.records import TitleIn

GENRES_OF = {1: ["Drama", "Family"], 2: ["Horror"], 3: ["Comedy"], 4: ["Action"]}
# Title 1 watched 100 min exactly one half-life before title 2 (50 min):
# weights 100 * 0.5 = 50 split over Drama and Family, 50 on Horror -> 0.25, 0.25, 0.5.
OLD_AND_NEW = [Viewing(1, "2025-01-01", 100), Viewing(2, "2025-04-01", 50)]


def test_half_life_is_ninety_days() -> None:
    assert HALF_LIFE_DAYS == 90  # OLD_AND_NEW below is dated for it


def test_affinity_weighs_recency_and_splits_over_genres() -> None:
    assert affinity(OLD_AND_NEW, GENRES_OF) == pytest.approx(
        {"Drama": 0.25, "Family": 0.25, "Horror": 0.5}
    )


def test_affinity_weighs_watch_time() -> None:
    same_day = [Viewing(3, "2025-01-01", 30), Viewing(4, "2025-01-01T21:00:00", 90)]
    # 21 hours apart: 0.5 ** (0.875 / 90) = 0.99328 on the older one.
    older = 30 * 0.5 ** (0.875 / 90)
    assert affinity(same_day, GENRES_OF) == pytest.approx(
        {"Comedy": older / (older + 90), "Action": 90 / (older + 90)}
    )


def test_likes_are_boosted_and_dislikes_forced_to_zero() -> None:
    # Family 0.25 + 0.25 = 0.5, Drama 0.25, Horror 0.5 -> divided by 1.25.
    assert affinity(OLD_AND_NEW, GENRES_OF, likes=["Family"]) == pytest.approx(
        {"Drama": 0.2, "Family": 0.4, "Horror": 0.4}
    )
    assert affinity(OLD_AND_NEW, GENRES_OF, dislikes=["Horror"]) == pytest.approx(
        {"Drama": 0.5, "Family": 0.5}
    )
    assert affinity(OLD_AND_NEW, GENRES_OF, ["Family"], ["Horror"]) == pytest.approx(
        {"Drama": 1 / 3, "Family": 2 / 3}
    )


def test_affinity_without_history() -> None:
    assert affinity([], GENRES_OF, likes=["Comedy", "Romance"]) == pytest.approx(
        {"Comedy": 0.5, "Romance": 0.5}
    )
    assert affinity([], GENRES_OF) == {}
    assert affinity([Viewing(2, "2025-01-01", 60)], GENRES_OF, dislikes=["Horror"]) == {}


def _titles(store: PosterStore) -> dict[str, int]:
    specs = {"Family Drama": ("Drama", "Family"), "Fright": ("Horror",)}
    return {
        name: store.upsert_title(TitleIn(key=f"t:{name}", name=name, genres=genres))[0]
        for name, genres in specs.items()
    }


def test_profile_in_the_catalog_gives_the_hand_computed_affinity(fresh_store: PosterStore) -> None:
    ids = _titles(fresh_store)
    create_profile(fresh_store, "ana", likes=["family"], dislikes=["공포"])  # aliases resolve
    add_viewing(fresh_store, "ana", ids["Family Drama"], 100, "2025-01-01")
    add_viewing(fresh_store, "ana", ids["Fright"], 50, "2025-04-01")
    profile = get_profile(fresh_store, "ANA")  # case-insensitive when unambiguous
    assert profile.likes == ("Family",)
    assert profile.dislikes == ("Horror",)
    assert dict(profile.affinity) == pytest.approx({"Drama": 1 / 3, "Family": 2 / 3})
    assert profile.top_genres(1) == ["Family"]
    assert [v.title for v in history(fresh_store, "ana")] == ["Family Drama", "Fright"]


def test_profile_edits_and_errors(fresh_store: PosterStore) -> None:
    ids = _titles(fresh_store)
    create_profile(fresh_store, "bo")
    with pytest.raises(ProfileError, match="already exists"):
        create_profile(fresh_store, "bo")
    with pytest.raises(ProfileError, match="unknown genre"):
        create_profile(fresh_store, "cy", likes=["Cowboys"])
    with pytest.raises(ProfileError, match="both liked and disliked"):
        update_profile(fresh_store, "bo", likes=["Drama"], dislikes=["Drama"])
    with pytest.raises(ProfileError, match="more than 0"):
        add_viewing(fresh_store, "bo", ids["Fright"], 0)
    with pytest.raises(ProfileError, match="not a date"):
        add_viewing(fresh_store, "bo", ids["Fright"], 10, "yesterday")
    with pytest.raises(ProfileError, match="no profile named"):
        get_profile(fresh_store, "nobody")
    update_profile(fresh_store, "bo", likes=["Comedy"], new_name="bea", description="test")
    bea = get_profile(fresh_store, "bea")
    assert (bea.likes, bea.description, dict(bea.affinity)) == (
        ("Comedy",),
        "test",
        {"Comedy": 1.0},
    )
    add_viewing(fresh_store, "bea", ids["Fright"], 10)
    delete_profile(fresh_store, "bea")
    assert list_profiles(fresh_store) == []
    assert fresh_store._run("SELECT count(*) FROM viewing_history").fetchone()[0] == 0


def _genre_catalog(store: PosterStore) -> None:
    genres = [
        "Drama",
        "Family",
        "Horror",
        "Thriller",
        "Romance",
        "Comedy",
        "Action",
        "Adventure",
        "Sci-Fi",
        "Documentary",
        "Biography",
        "History",
        "Animation",
        "Mystery",
        "Crime",
    ]
    # Ten titles per genre, half of them with a second genre.
    for i in range(10 * len(genres)):
        first = genres[i % len(genres)]
        pair = (first, genres[(i // len(genres) + i + 1) % len(genres)]) if i % 2 else (first,)
        store.upsert_title(TitleIn(key=f"t:{i}", name=f"Film {i}", genres=pair))


def test_no_samples_without_titles(fresh_store: PosterStore) -> None:
    assert ensure_samples(fresh_store) == []
    assert list_profiles(fresh_store) == []
    _genre_catalog(fresh_store)
    assert ensure_samples(fresh_store) == [s.name for s in SAMPLES]  # once it has titles


def test_samples_watch_their_genres_from_the_catalog(fresh_store: PosterStore) -> None:
    _genre_catalog(fresh_store)
    seed_samples(fresh_store)
    profiles = {p.name: p for p in list_profiles(fresh_store)}
    assert len(profiles) == 8
    expected_top = {
        "horror-fan": "Horror",
        "documentary": "Documentary",
        "kid-animation": "Animation",
        "action-fan": "Action",
        "comedy": "Comedy",
        "romance": "Romance",
        "family-drama": "Family",
    }
    for name, genre in expected_top.items():
        assert profiles[name].top_genres(1) == [genre], name
        assert profiles[name].sample
    assert "Horror" not in profiles["kid-animation"].affinity
    assert len(profiles["mixed"].top_genres(5)) == 5
    assert (
        sum(
            "Horror" in fresh_store.get_title(v.title_id).genres
            for v in history(fresh_store, "horror-fan")
        )
        >= 8
    )


def test_samples_are_idempotent_and_respect_user_edits(fresh_store: PosterStore) -> None:
    _genre_catalog(fresh_store)
    assert len(ensure_samples(fresh_store)) == 8
    assert ensure_samples(fresh_store) == []
    update_profile(fresh_store, "comedy", dislikes=["Drama"])
    delete_profile(fresh_store, "mixed")
    assert ensure_samples(fresh_store) == []  # a deleted sample stays deleted
    assert seed_samples(fresh_store) == ["mixed"]  # until samples are asked for again
    assert get_profile(fresh_store, "comedy").dislikes == ("Drama",)
    seed_samples(fresh_store, rebuild=True)
    assert get_profile(fresh_store, "comedy").dislikes == ("Horror",)
    assert len(list_profiles(fresh_store)) == 8


def test_samples_are_deterministic() -> None:
    built = []
    for _ in range(2):
        with PosterStore(":memory:") as store:
            _genre_catalog(store)
            seed_samples(store)
            built.append(
                {
                    p.name: (
                        dict(p.affinity),
                        [(v.title_id, v.watched_at, v.minutes) for v in history(store, p.name)],
                    )
                    for p in list_profiles(store)
                }
            )
    assert built[0] == built[1]
