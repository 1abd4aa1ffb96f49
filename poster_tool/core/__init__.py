"""Headless core: everything the GUI and the CLI do, without Qt."""
