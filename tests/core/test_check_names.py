"""Check names live in one place (lottery/core/check_names.py) and each is described in the docs.

A check name is public: `lottery verify` prints it and the in-browser verifier reports the same
names. These tests fail when a name in the list is described nowhere in the spec documents, or
when the core spells a check name as a loose string instead of taking it from the list.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from lottery.core.check_names import CheckName

ROOT = Path(__file__).resolve().parents[2]
SPEC_DOCS = ["spec.md", "export.md", "witness.md", "results.md"]


def test_every_check_name_is_described_in_the_spec_documents() -> None:
    text = "".join((ROOT / "docs" / name).read_text(encoding="utf-8") for name in SPEC_DOCS)
    described = set(re.findall(r"`([a-z_]+\.[a-z_]+)`", text))
    missing = sorted(n.value for n in CheckName if n.value not in described)
    assert not missing, f"check names not described in docs/{', docs/'.join(SPEC_DOCS)}: {missing}"


def test_the_core_takes_check_names_from_the_list() -> None:
    names = {n.value for n in CheckName}
    loose: list[str] = []
    for path in sorted((ROOT / "lottery" / "core").glob("*.py")):
        if path.name == "check_names.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and node.value in names
                and id(node) not in docstrings
            ):
                loose.append(f"{path.name}:{node.lineno} {node.value!r}")
    assert not loose, f"check names spelled as loose strings: {loose}"


def test_names_are_unique_and_shaped_group_dot_check() -> None:
    values = [n.value for n in CheckName]
    assert len(values) == len(set(values))
    assert all(re.fullmatch(r"[a-z]+\.[a-z_]+", v) for v in values)
    # The constant is the name in capitals, dot as underscore: one spelling to search for.
    assert all(n.name == n.value.replace(".", "_").upper() for n in CheckName)
