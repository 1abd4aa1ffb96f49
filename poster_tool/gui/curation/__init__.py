"""Curator edits (undoable commands) and the details panel."""
