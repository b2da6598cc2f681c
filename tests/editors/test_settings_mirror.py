"""The extension's contributed settings mirror ``server/config.py`` key for key.

VS Code validates a setting against its contribution (type, enum, minimum, maximum) before the
server sees it, so a drift here means users see the wrong default or lose a setting. This test
reads both and compares every field: name, default, type, allowed values and range.
"""

from __future__ import annotations

import dataclasses
import json
import re
import typing
from pathlib import Path

import pytest

from prosepy.server import config

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "extension" / "package.json"
#: Settings that only the extension reads (never sent to the server).
CLIENT_ONLY = ("prosepy.server.", "prosepy.inline.", "prosepy.trace.")
#: Defaults computed on the machine: contributed as null ("automatic").
COMPUTED = {"prosepy.model.nThreads"}


def _camel(name: str) -> str:
    return re.sub(r"_([a-z])", lambda m: m.group(1).upper(), name)


def _server_fields() -> dict[str, tuple[object, object]]:
    """``prosepy.section.camelKey`` -> (type hint, default) for every leaf setting."""
    out: dict[str, tuple[object, object]] = {}

    def walk(cls: type, prefix: str) -> None:
        hints = typing.get_type_hints(cls)
        fresh = cls()
        for f in dataclasses.fields(cls):
            hint = hints[f.name]
            key = f"{prefix}{_camel(f.name)}"
            if isinstance(hint, type) and dataclasses.is_dataclass(hint):
                walk(hint, key + ".")
            else:
                out[key] = (hint, getattr(fresh, f.name))

    walk(config.Settings, "prosepy.")
    return out


@pytest.fixture(scope="module")
def contributed() -> dict[str, dict]:
    return {k: v for k, v in all_contributed().items() if not k.startswith(CLIENT_ONLY)}


def all_contributed() -> dict[str, dict]:
    """Every contributed setting, from all the titled sections."""
    data = json.loads(PACKAGE.read_text(encoding="utf-8"))
    props: dict[str, dict] = {}
    for section in data["contributes"]["configuration"]:
        props.update(section["properties"])
    return props


def test_settings_are_grouped_in_titled_sections() -> None:
    data = json.loads(PACKAGE.read_text(encoding="utf-8"))
    sections = {s["title"]: set(s["properties"]) for s in data["contributes"]["configuration"]}
    assert list(sections) == ["Server", "Model", "Generate", "Run", "Explain"]
    for title in ("Model", "Generate", "Run", "Explain"):
        prefix = f"prosepy.{title.lower()}."
        # every setting of the server's section is under its title
        assert {k for k in all_contributed() if k.startswith(prefix)} <= sections[title], title


def test_settings_that_name_programs_or_files_are_restricted_in_untrusted_workspaces() -> None:
    data = json.loads(PACKAGE.read_text(encoding="utf-8"))
    trust = data["capabilities"]["untrustedWorkspaces"]
    assert trust["supported"] == "limited" and trust["description"]
    restricted = set(trust["restrictedConfigurations"])
    props = all_contributed()
    assert restricted <= set(props)
    # every string setting that holds a path to something prosepy would run or load
    paths = {"prosepy.server.pythonPath", "prosepy.server.basePython", "prosepy.run.python"}
    assert paths | {"prosepy.model.path"} <= restricted


def test_every_server_setting_is_contributed_and_nothing_else(contributed: dict[str, dict]) -> None:
    server = set(_server_fields())
    assert sorted(server - set(contributed)) == [], "server settings missing from package.json"
    assert sorted(set(contributed) - server) == [], "package.json settings the server does not know"


def test_defaults_types_enums_and_ranges_match(contributed: dict[str, dict]) -> None:
    problems: list[str] = []
    for key, (hint, default) in _server_fields().items():
        prop = contributed.get(key)
        if prop is None:
            continue
        if not (prop.get("description") or prop.get("markdownDescription")):
            problems.append(f"{key}: no description")
        kinds = prop["type"] if isinstance(prop["type"], list) else [prop["type"]]
        if typing.get_origin(hint) is typing.Literal:
            expected = {"string"}
            if prop.get("enum") != list(typing.get_args(hint)):
                problems.append(f"{key}: enum {prop.get('enum')} != {list(typing.get_args(hint))}")
        else:
            json_types: dict[object, set[str]] = {
                bool: {"boolean"},
                int: {"integer"},
                float: {"number"},
                str: {"string"},
            }
            expected = json_types[hint]
        if key in COMPUTED:
            expected = expected | {"null"}
            if prop["default"] is not None:
                problems.append(f"{key}: a computed default should be contributed as null")
        elif prop["default"] != default:
            problems.append(f"{key}: default {prop['default']!r} != server's {default!r}")
        if set(kinds) != expected:
            problems.append(f"{key}: type {kinds} != {sorted(expected)}")
        snake = re.sub(r"(?<!^)(?=[A-Z])", "_", key.rsplit(".", 1)[1]).lower()
        bounds = config._RANGES.get(snake)
        if bounds is not None and (prop.get("minimum"), prop.get("maximum")) != bounds:
            found = (prop.get("minimum"), prop.get("maximum"))
            problems.append(f"{key}: range {found} != {bounds}")
    assert problems == []
