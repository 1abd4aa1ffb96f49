"""Every JSON export validates against resources/export.schema.json."""

from __future__ import annotations

import json

import jsonschema
import pytest

from poster_tool.core.exchange.export import SCHEMA_PATH, SCHEMA_VERSION, export
from poster_tool.core.progress import run_job
from poster_tool.core.taxonomy import GENRES
from tests.core.export_sample import build


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize(
    "options", [{}, {"sensitive": "flag"}, {"include_images": "images", "since": "2000-01-01"}]
)
def test_exports_validate(workspace, store, tmp_path, validator, options):
    build(workspace, store)
    if "include_images" in options:
        options = {**options, "include_images": tmp_path / options["include_images"]}
    out = tmp_path / "out.json"
    run_job(export(workspace, store, "json", out, **options))
    data = json.loads(out.read_text("utf-8"))
    validator.validate(data)
    assert data["schema_version"] == SCHEMA_VERSION


def test_an_empty_export_validates(workspace, store, tmp_path, validator):
    out = tmp_path / "out.json"
    run_job(export(workspace, store, "json", out))
    validator.validate(json.loads(out.read_text("utf-8")))


def test_the_schema_rejects_what_the_docs_do_not_allow(workspace, store, tmp_path, validator):
    build(workspace, store)
    out = tmp_path / "out.json"
    run_job(export(workspace, store, "json", out))
    data = json.loads(out.read_text("utf-8"))
    data["titles"][0]["posters"][0]["genres"][0]["provenance"] = "guess"
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(data)
    del data["titles"][0]["posters"][0]["sha256"]
    assert not validator.is_valid(data)


def test_the_schema_knows_the_taxonomy(validator):
    assert validator.schema["$defs"]["genre"]["enum"] == list(GENRES)
