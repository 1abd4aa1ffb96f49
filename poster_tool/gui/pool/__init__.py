"""The title pool: every poster of one title side by side."""
