"""The specification cannot fall behind the code: every record type and field is defined there.

docs/records.md defines each record type the code accepts (``records.SCHEMAS``) in a section
headed ``## `TYPE` (vN)``, naming every field of its schema (required, optional and nested),
and each sealed content type (``sealed.SEALED_CONTENT``) in a section headed
``### `TYPE` content``. docs/spec.md §2 names every type in its overview table. Field names
are read from the validator objects themselves, so a field added to the code without its
definition fails here, naming the type and the field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from lottery.core import records, sealed

ROOT = Path(__file__).resolve().parents[1]
RECORDS_MD = (ROOT / "docs" / "records.md").read_text(encoding="utf-8")
SPEC_MD = (ROOT / "docs" / "spec.md").read_text(encoding="utf-8")


def _sections(text: str, level: str) -> dict[str, str]:
    """The body of each heading of ``level`` (``##`` or ``###``) naming a `code` word, keyed by
    the heading line, up to the next heading of the same or a higher level."""
    out: dict[str, str] = {}
    lines = text.splitlines()
    depth = len(level)
    for i, line in enumerate(lines):
        if not line.startswith(level + " "):
            continue
        body = []
        for later in lines[i + 1 :]:
            hashes = len(later) - len(later.lstrip("#"))
            if 0 < hashes <= depth and later[hashes : hashes + 1] == " ":
                break
            body.append(later)
        out[line] = "\n".join(body)
    return out


def _section(level: str, pattern: str) -> str:
    found = [body for head, body in _sections(RECORDS_MD, level).items() if re.match(pattern, head)]
    assert len(found) == 1, f"docs/records.md needs exactly one heading matching {pattern!r}"
    return found[0]


def _closure(fn: Callable[..., Any]) -> dict[str, Any]:
    code = getattr(fn, "__code__", None)
    cells = getattr(fn, "__closure__", None) or ()
    if code is None:
        return {}
    return dict(zip(code.co_freevars, (c.cell_contents for c in cells), strict=True))


def _field_names(validator: Any, seen: set[int]) -> Iterator[str]:
    """Every object member name a validator checks, at any depth.

    ``schema.obj`` validators hold their members in the closure (``required``, ``opt``);
    other validators are walked through what they close over (``inner``, ``shape``) and the
    module-level validators they call (e.g. ``_present`` calls ``_PRESENT_FIELDS``).
    """
    if id(validator) in seen or not callable(validator):
        return
    seen.add(id(validator))
    if not getattr(validator, "__module__", "").startswith("lottery.core"):
        return
    cells = _closure(validator)
    if "required" in cells and "opt" in cells:  # schema.obj
        for name, inner in {**cells["required"], **cells["opt"]}.items():
            yield name
            yield from _field_names(inner, seen)
        return
    for value in cells.values():
        if isinstance(value, Mapping):
            for inner in value.values():
                yield from _field_names(inner, seen)
        else:
            yield from _field_names(value, seen)
    code = getattr(validator, "__code__", None)
    if code is not None:
        for name in code.co_names:
            yield from _field_names(validator.__globals__.get(name), seen)


def _schema_fields(schema: Mapping[str, Any], optional: Mapping[str, Any]) -> set[str]:
    names = set(schema) | set(optional)
    seen: set[int] = set()
    for validator in [*schema.values(), *optional.values()]:
        names.update(_field_names(validator, seen))
    return names


def _named(name: str, text: str) -> bool:
    """``name`` appears as a code word: `name`, "name", or inside a {…} list of member names."""
    if f"`{name}`" in text or f'"{name}"' in text:
        return True
    return re.search(rf"[{{,]\s*{re.escape(name)}\s*[:,}}]", text) is not None


def test_the_walker_finds_nested_fields() -> None:
    """The field reader sees members of nested objects, lists and module-level validators:
    otherwise the tests below would pass vacuously."""
    fields = _schema_fields(records.SCHEMAS["task-announcement"], {})
    assert {"window", "start", "end", "sha256", "candidates", "picks"} <= fields
    result = _schema_fields(records.SCHEMAS["inspection-result"], {})
    assert {"role", "replaces", "approved_by"} <= result  # _present -> _PRESENT_FIELDS
    report = _schema_fields(records.SCHEMAS["task-report"], {})
    assert {"late_by", "by_region", "problems"} <= report
    assert "findings" not in report


@pytest.mark.parametrize("kind", records.RECORD_TYPES)
def test_every_record_type_is_defined_field_by_field(kind: str) -> None:
    body = _section("##", rf"## `{re.escape(kind)}` \(v{records.record_version(kind)}\)")
    fields = _schema_fields(records.SCHEMAS[kind], records.OPTIONAL_FIELDS.get(kind, {}))
    missing = sorted(f for f in fields if not _named(f, body))
    assert not missing, f"docs/records.md section {kind!r} does not define {missing}"
    for optional in records.OPTIONAL_FIELDS.get(kind, {}):
        row = next(line for line in body.splitlines() if line.startswith(f"| `{optional}` |"))
        assert "optional" in row, f"{kind}.{optional} is optional in the code, not in the spec"


@pytest.mark.parametrize("kind", sorted(sealed.SEALED_CONTENT))
def test_every_sealed_content_is_defined_field_by_field(kind: str) -> None:
    body = _section("###", rf"### `{re.escape(kind)}` content")
    fields = _schema_fields(sealed.SEALED_CONTENT[kind], sealed.SEALED_OPTIONAL.get(kind, {}))
    missing = sorted(f for f in fields if not _named(f, body))
    assert not missing, f"docs/records.md sealed content {kind!r} does not define {missing}"


def test_no_section_for_a_type_the_code_does_not_accept() -> None:
    """A type renamed or dropped in the code leaves no stale definition behind."""
    heads = (re.match(r"## `([a-z-]+)` \(v\d+\)", h) for h in _sections(RECORDS_MD, "##"))
    assert sorted(m.group(1) for m in heads if m) == sorted(records.RECORD_TYPES)


def test_common_members_are_defined() -> None:
    common = RECORDS_MD.split("\n## `", 1)[0]
    for name in records._COMMON:
        assert f"| `{name}` |" in common, f"docs/records.md does not define the common {name!r}"


@pytest.mark.parametrize("kind", records.RECORD_TYPES)
def test_spec_overview_names_every_type(kind: str) -> None:
    section = SPEC_MD.split("\n## 2. Records", 1)[1].split("\n## 2.1", 1)[0]
    assert re.search(rf"^\| `{re.escape(kind)}`( \(v\d\))? \|", section, re.M), kind
    assert "lottery/core/records.py" not in section, "spec.md §2 delegates to a module"
