"""Pieces every part of the window shares: workers, dialogs, icons, theme, thumbnails."""
