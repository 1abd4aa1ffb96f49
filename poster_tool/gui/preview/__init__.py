"""The personalized preview and the viewer-profile editor."""
