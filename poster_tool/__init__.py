"""Poster Studio: curate personalized poster pools."""

__version__ = "0.1.0"
