"""The poster grid: its model, view, card painting, filter bar and status bar."""
