"""The Poster Studio desktop window (PySide6); imports core, never the other way round."""

from poster_tool.gui._refcount import protect_singletons

protect_singletons()
