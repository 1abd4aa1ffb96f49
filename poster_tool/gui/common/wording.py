"""Counted nouns for the window's messages."""

from __future__ import annotations


def plural(n: int, word: str) -> str:
    """``"1 poster"``, ``"2 posters"``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
