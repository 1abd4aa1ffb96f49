"""Reading a JSON export back, refused whole before anything is written when it is not one.

The file is read with a size limit, parsed without the extensions Python's ``json`` allows
(``NaN``, ``Infinity``, numbers that overflow to infinity or are thousands of digits long),
then validated against ``resources/export.schema.json``, which also holds the ranges
SQLite can store (ids are 64-bit INTEGERs, scores lie in 0..1).  Each problem is one line.
"""

from __future__ import annotations

import json
import math
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from poster_tool.core.exchange.export import SCHEMA_PATH, SCHEMA_VERSION, ExportError
from poster_tool.core.imaging import read_regular
from poster_tool.core.progress import Meter, Progress

if TYPE_CHECKING:
    from pathlib import Path

# About 700,000 posters (1.5 kB each); parsed, a file takes several times its size in
# memory, so a larger one is refused rather than risking the machine.
MAX_EXPORT_BYTES = 1 << 30
MAX_NUMBER_DIGITS = 20  # a 64-bit integer has at most 19 digits and a sign
MAX_PROBLEMS = 20  # listed problems; a file with more is plainly not an export
MAX_SHOWN = 120  # characters of a value quoted in a problem line
CHECK_REPORT = 50  # titles checked between progress reports


def read_export(file: Path) -> Generator[Progress, None, dict[str, Any]]:
    """The parsed export in ``file``, valid against the export schema; checking a large
    file takes a while (about 1 ms per poster), so it reports progress per title.

    :raises ExportError: when it is unreadable, not JSON, of an unknown schema version, or
        invalid, one line per problem (at most :data:`MAX_PROBLEMS`)
    """
    data = _parse(file)
    if not isinstance(data, dict) or "schema_version" not in data:
        raise ExportError(f"{file} is not a Poster Studio export (no schema_version)")
    version = data["schema_version"]
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ExportError(f"{file} has an unknown export schema version {_shown(repr(version))}")
    if version > SCHEMA_VERSION:
        raise ExportError(
            f"{file} has export schema version {version}, newer than this Poster Studio "
            f"reads ({SCHEMA_VERSION}); update Poster Studio to import it"
        )
    problems = yield from _problems(data)
    if problems:
        raise ExportError("\n".join(f"{file}: {line}" for line in problems))
    return data


def _parse(file: Path) -> Any:
    try:
        text = read_regular(file, MAX_EXPORT_BYTES).decode("utf-8-sig")
        return json.loads(
            text, parse_constant=_no_constant, parse_float=_finite, parse_int=_bounded_int
        )
    except OSError as exc:
        raise ExportError(f"cannot read {file}: {exc.strerror or exc}") from exc
    except RecursionError:
        raise ExportError(f"{file} is not a JSON export (nested far too deeply)") from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError and the checks below
        raise ExportError(f"{file} is not a JSON export ({exc})") from exc


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:MAX_SHOWN]} is out of range")
    return value


def _bounded_int(text: str) -> int:
    if len(text) > MAX_NUMBER_DIGITS:
        raise ValueError(f"a number of {len(text)} digits is out of range")
    return int(text)


def _problems(data: dict[str, Any]) -> Generator[Progress, None, list[str]]:
    """What makes ``data`` invalid, in file order, each as one line."""
    import jsonschema  # imported here: only import-export needs it, and it takes ~0.1 s

    base = jsonschema.Draft202012Validator
    # JSON Schema calls 2.0 an integer and Python calls True one; the catalog needs neither.
    strict = base.TYPE_CHECKER.redefine(
        "integer", lambda _checker, v: isinstance(v, int) and not isinstance(v, bool)
    )
    validator_class = jsonschema.validators.extend(base, type_checker=strict)
    schema = json.loads(SCHEMA_PATH.read_text("utf-8"))
    # The header first, then title by title: progress between titles, and the first
    # MAX_PROBLEMS problems end the check of a file that is plainly not an export.
    titles = data.get("titles")
    header = {**data, "titles": []} if isinstance(titles, list) else data
    errors: list[tuple[list[str | int], Any]] = _located(validator_class(schema), header, [])
    one_title = validator_class({"$defs": schema["$defs"], "$ref": "#/$defs/title"})
    each = titles if isinstance(titles, list) else []
    meter = Meter("checking the export", len(each))
    for i, title in enumerate(each):
        errors += _located(one_title, title, ["titles", i])
        meter.done += 1
        if len(errors) > MAX_PROBLEMS:
            break
        if i % CHECK_REPORT == 0:
            yield meter.report()
    lines = [f"{_where(data, path)} is malformed: {_message(e)}" for path, e in errors]
    if len(lines) > MAX_PROBLEMS:
        lines[MAX_PROBLEMS:] = ["and more problems"]
    return lines


def _located(validator: Any, value: Any, prefix: list[str | int]) -> list[tuple[Any, Any]]:
    """The errors of ``value`` with their paths in the whole file, in path order."""
    found = []
    for error in validator.iter_errors(value):
        # "not valid under any of the given schemas" (a poster's model: an object or null)
        # names no field; the deepest error inside it does.
        if error.context:
            error = max(error.context, key=lambda c: len(c.path))
        found.append(([*prefix, *error.absolute_path], error))
    return sorted(found, key=lambda pair: [f"{p:020}" for p in pair[0]])


def _where(data: dict[str, Any], path: list[str | int]) -> str:
    """A location a person can find: ``title 2 (Alien), poster 1, field curated_by``."""
    parts: list[str] = []
    if len(path) > 1 and path[0] == "titles" and isinstance(path[1], int):
        title = data["titles"][path[1]]
        name = title.get("name") if isinstance(title, dict) else None
        parts.append(f"title {path[1] + 1}" + (f" ({_shown(name, 40)})" if name else ""))
        path = path[2:]
        if len(path) > 1 and path[0] == "posters" and isinstance(path[1], int):
            parts.append(f"poster {path[1] + 1}")
            path = path[2:]
    if path:
        parts.append("field " + ".".join(str(p) for p in path))
    return ", ".join(parts) or "the file"


def _message(error: Any) -> str:
    text = " ".join(str(error.message).split())
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "…"


def _shown(value: object, limit: int = MAX_SHOWN) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[:limit] + "…"
