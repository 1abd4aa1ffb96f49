"""The docs are tests: every CLI subcommand has help text and appears in the README."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from poster_tool.cli import build_parser

README = Path(__file__).resolve().parents[1] / "README.md"


def subcommands() -> list[tuple[str, str]]:
    """``(command path, help text)`` of every subcommand, nested ones included."""
    found: list[tuple[str, str]] = []

    def walk(parser: argparse.ArgumentParser, prefix: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                helps = {a.dest: a.help or "" for a in action._choices_actions}
                for name, sub in action.choices.items():
                    found.append((f"{prefix}{name}", helps.get(name, "")))
                    walk(sub, f"{prefix}{name} ")

    walk(build_parser(), "")
    return found


@pytest.mark.parametrize(("command", "help_text"), subcommands())
def test_subcommand_has_help_and_is_in_the_readme(command: str, help_text: str) -> None:
    assert help_text.strip(), f"'{command}' has no help text"
    assert f"poster-tool {command}" in README.read_text(encoding="utf-8"), (
        f"README.md does not mention 'poster-tool {command}'"
    )
