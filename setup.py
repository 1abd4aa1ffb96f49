"""Packaging beyond what pyproject.toml can say: the top-level resources/ and models/ folders
travel inside the package in a wheel (poster_tool/resources, poster_tool/models), so a
non-editable install finds the export schema, the crawl recipes and the default model
(see poster_tool/shipped.py)."""

from setuptools import find_packages, setup

DATA = {"poster_tool.resources": "resources", "poster_tool.models": "models"}

setup(
    packages=[*find_packages(include=["poster_tool*"]), *DATA],
    package_dir=DATA,
    package_data={"poster_tool.resources": ["*.json", "recipes/*"], "poster_tool.models": ["*/*"]},
)
