"""Personalisation subcommands: profiles …, recommend, evaluate-policies."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from poster_tool.cli.common import curator, open_store, print_json, run_with_progress, title_ids
from poster_tool.cli.estimates import print_estimates
from poster_tool.core.errors import PosterToolError
from poster_tool.core.taxonomy import split_genres

if TYPE_CHECKING:
    from poster_tool.core.catalog.store import PosterStore
    from poster_tool.core.personalize.profiles import Profile


def register(sub: argparse._SubParsersAction) -> None:
    """Add the personalisation subcommands."""
    profiles = sub.add_parser("profiles", help="viewer profiles for personalised posters")
    psub = profiles.add_subparsers(dest="profiles_command", metavar="ACTION", required=True)
    p = psub.add_parser("list", help="list profiles with their genre affinity")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_list)

    p = psub.add_parser("seed", help="add the eight sample profiles (built from your titles)")
    p.add_argument(
        "--rebuild",
        action="store_true",
        help="also rebuild existing sample profiles from the current catalog",
    )
    p.set_defaults(func=cmd_seed)

    p = psub.add_parser("show", help="one profile: preferences, affinity, viewing history")
    p.add_argument("name")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_show)

    p = psub.add_parser("add", help="create a profile")
    p.add_argument("name")
    _pref_arguments(p)
    p.set_defaults(func=cmd_add)

    p = psub.add_parser("set", help="change a profile's likes, dislikes, description or name")
    p.add_argument("name")
    _pref_arguments(p)
    p.add_argument("--rename", metavar="NEW", help="new name")
    p.set_defaults(func=cmd_set)

    p = psub.add_parser("watch", help="add a title to a profile's viewing history")
    p.add_argument("name")
    p.add_argument("title", help="catalog id, IMDb id, TMDB id or key")
    p.add_argument("--minutes", type=float, required=True, help="minutes watched")
    p.add_argument("--date", help="when (YYYY-MM-DD or ISO-8601; default: now)")
    p.set_defaults(func=cmd_watch)

    p = psub.add_parser("remove", help="delete a profile and its history")
    p.add_argument("name")
    p.set_defaults(func=cmd_remove)

    p = sub.add_parser("recommend", help="the poster a profile is shown for each title")
    p.add_argument("--profile", required=True, help="profile name (see 'profiles list')")
    p.add_argument("--titles", help="comma-separated title ids or keys (default: all, by name)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_recommend)

    p = sub.add_parser(
        "evaluate-policies", help="replay-evaluate poster policies on a simulated random log"
    )
    p.add_argument(
        "--impressions",
        type=int,
        default=200_000,
        help="simulated impressions (default 200000; half train, half held out)",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument(
        "--synthetic",
        action="store_true",
        help="use a synthetic world (300 viewers, 500 titles x 6 posters) instead of the workspace",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_evaluate)


def _pref_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--likes", help="comma-separated genres the viewer likes")
    p.add_argument("--dislikes", help="comma-separated genres never to sell to this viewer")
    p.add_argument("--description", help="a short description")


def _store(args: argparse.Namespace) -> PosterStore:
    """The catalog, with the sample profiles offered once it has titles."""
    from poster_tool.core.personalize.samples import ensure_samples

    _, store = open_store(args, reads=True)
    ensure_samples(store)
    return store


def _profile_json(profile: Profile) -> dict[str, Any]:
    return {
        "name": profile.name,
        "description": profile.description,
        "sample": profile.sample,
        "likes": list(profile.likes),
        "dislikes": list(profile.dislikes),
        "affinity": {g: round(w, 4) for g, w in profile.affinity.items()},
        "viewings": profile.viewings,
        "minutes": profile.minutes,
    }


def _affinity_line(profile: Profile, n: int = 4) -> str:
    return ", ".join(f"{g} {profile.affinity[g]:.2f}" for g in profile.top_genres(n)) or "-"


def cmd_list(args: argparse.Namespace) -> int:
    from poster_tool.core.personalize.profiles import list_profiles

    profiles = list_profiles(_store(args))
    if args.json:
        print_json([_profile_json(p) for p in profiles])
        return 0
    if not profiles:
        print("no profiles yet: import titles, then run 'poster-tool profiles seed'")
    for p in profiles:
        print(f"{p.name:<16} {p.viewings:>3} viewings  {_affinity_line(p)}")
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    from poster_tool.core.personalize.samples import SAMPLES, has_titles, seed_samples

    store = _store(args)
    if not has_titles(store):
        raise PosterToolError("the catalog has no titles yet: import some first")
    added = seed_samples(store, rebuild=args.rebuild)
    rebuilt = len(SAMPLES) - len(added) if args.rebuild else 0
    print(
        f"{len(added)} sample profile(s) added"
        + (f", {rebuilt} rebuilt" if rebuilt else "")
        + (f": {', '.join(added)}" if added else "")
    )
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from poster_tool.core.personalize.profiles import get_profile, history

    store = _store(args)
    profile = get_profile(store, args.name)
    viewings = history(store, profile.name)
    if args.json:
        print_json(
            {
                **_profile_json(profile),
                "history": [
                    {
                        "title_id": v.title_id,
                        "title": v.title,
                        "watched_at": v.watched_at,
                        "minutes": v.minutes,
                    }
                    for v in viewings
                ],
            }
        )
        return 0
    print(f"{profile.name}: {profile.description}")
    print(
        f"likes: {', '.join(profile.likes) or '-'}; dislikes: {', '.join(profile.dislikes) or '-'}"
    )
    print(f"affinity: {_affinity_line(profile, 8)}")
    for v in viewings:
        print(f"  {v.watched_at[:10]} {v.minutes:>5.0f} min  {v.title}")
    return 0


def _genres_arg(text: str | None) -> list[str] | None:
    return None if text is None else split_genres(text)


def cmd_add(args: argparse.Namespace) -> int:
    from poster_tool.core.personalize.profiles import create_profile

    create_profile(
        _store(args),
        args.name,
        description=args.description or "",
        likes=_genres_arg(args.likes) or [],
        dislikes=_genres_arg(args.dislikes) or [],
        curator=curator(args),
    )
    print(f"profile {args.name!r} added")
    return 0


def cmd_set(args: argparse.Namespace) -> int:
    from poster_tool.core.personalize.profiles import update_profile

    update_profile(
        _store(args),
        args.name,
        likes=_genres_arg(args.likes),
        dislikes=_genres_arg(args.dislikes),
        description=args.description,
        new_name=args.rename,
        curator=curator(args),
    )
    print(f"profile {args.rename or args.name!r} updated")
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    from poster_tool.core.personalize.profiles import add_viewing

    store = _store(args)
    title = store.find_title(args.title)
    if title is None:
        raise PosterToolError(f"no title {args.title!r} in the catalog")
    add_viewing(store, args.name, title.id, args.minutes, args.date, curator(args))
    print(f"{args.name}: watched {title.display} for {args.minutes:g} min")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from poster_tool.core.personalize.profiles import delete_profile

    delete_profile(_store(args), args.name, curator(args))
    print(f"profile {args.name!r} removed")
    return 0


def cmd_recommend(args: argparse.Namespace) -> int:
    from poster_tool.core.personalize.picks import recommend

    store = _store(args)
    picks = recommend(store, args.profile, title_ids(store, args.titles))
    if args.json:
        print_json([p.to_dict() for p in picks])
        return 0
    for p in picks:
        poster = "-" if p.poster_id is None else str(p.poster_id)
        print(f"{poster:>7} {'F' if p.fallback else ' '} {p.title}: {p.explanation}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from poster_tool.core.experiment.evaluation import self_check
    from poster_tool.core.personalize.replay import evaluate_policies

    if args.impressions < 100:
        raise PosterToolError("--impressions must be at least 100")
    if args.synthetic:
        from poster_tool.core.personalize.synthetic import synthetic_candidates, synthetic_tastes

        tastes, cands = synthetic_tastes(300, args.seed), synthetic_candidates(500, 6, args.seed)
    else:
        from poster_tool.core.personalize.picks import load_candidates, tastes_of
        from poster_tool.core.personalize.profiles import list_profiles

        store = _store(args)
        tastes = tastes_of(list_profiles(store))
        cands = load_candidates(store, [t.id for t in store.titles()])
    result = run_with_progress(
        evaluate_policies(tastes, cands, args.impressions, args.seed), quiet=args.json
    )
    checked = run_with_progress(
        self_check(tastes, cands, args.impressions, args.seed), quiet=args.json
    )
    if args.json:
        print_json({**result.to_dict(), "off_policy": [e.to_dict() for e in checked]})
        return 0
    print(
        f"{result.impressions} simulated impressions ({result.held_out} held out), "
        f"{result.profiles} profiles, {result.titles} titles, "
        f"{result.posters} posters"
    )
    if result.titles_with_choice < result.titles / 2:
        print(
            f"note: only {result.titles_with_choice} of these titles have two or more "
            "approved posters, so the policies can hardly differ"
        )
    print(f"{'policy':<12} {'take rate':>9}  {'95% CI':<15} {'matched':>8}  {'true':>6}")
    for e in result.estimates:
        print(
            f"{e.policy:<12} {e.take_rate:>9.4f}  {e.low:.4f}–{e.high:.4f}  "
            f"{e.matched:>8}  {e.true_take_rate:>6.4f}"
        )
    print("\noff-policy estimates on the whole simulated log (see docs/experiments.md)")
    print_estimates(checked)
    return 0
