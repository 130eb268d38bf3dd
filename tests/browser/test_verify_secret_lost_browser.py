"""The in-browser verifier on the "cancelled, secret lost" known-answer vector
(tests/vectors/lottery-v1/task-secret-lost.json; docs/spec.md §7, §8): the lawful cases pass
with the warning ``cancel.secret_lost`` (【警告】, said in the verdict), each forged case fails
the check the vector names, as ``lottery verify`` does (tests/test_vectors.py).

A site is built from the lawful case after the draw; every case is published next to it as a
whole log under ``forged/<case>/`` and the verifier is pointed at it (``data-export``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from publisher.build import build_site
from tests.browser.chromium import serve_static
from tests.browser.verifier import forged, press_verify, verifier_page
from tests.secret_lost_site import LOST, TASK, write_case

pytestmark = pytest.mark.browser

CASES = [c["name"] for c in LOST["cases"]]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("secret-lost")
    build_site(write_case(root / "export", "lost-after-draw"), root / "site", work=root / "work")
    for name in CASES:
        write_case(root / "site" / "forged" / name, name)
    with serve_static(root / "site") as url:
        yield url


@pytest.fixture(scope="module")
def page(browser: Any, site: str) -> Iterator[Any]:
    with verifier_page(browser, f"{site}tasks/{TASK}/") as page:
        yield page


def _verify(page: Any, export: str | None) -> dict[str, Any]:
    result = press_verify(page, None if export is None else forged(export))
    return {
        "verdict": result.verdict,
        "warnings": result.warnings,
        "checks": result.checks,
        "text": result.text,
    }


def test_the_site_itself_verifies_with_the_warning(page: Any) -> None:
    result = _verify(page, None)
    assert result["verdict"] == "pass", result["text"]
    assert result["checks"]["cancel.secret_lost"] == "warn"
    assert result["warnings"] == "cancel.secret_lost"
    assert "【警告】" in result["text"] and "抽取无法核验" in result["text"]
    for name in ("commit.reveal", "draw.outcome_hash", "draw.selection"):
        assert name not in result["checks"], name  # nothing to open, nothing re-drawn


@pytest.mark.parametrize("name", CASES)
def test_each_case_gets_its_verdict(page: Any, name: str) -> None:
    case = next(c for c in LOST["cases"] if c["name"] == name)
    result = _verify(page, name)
    if case["verdict"] == "fail":
        assert result["verdict"] == "fail", result["text"]
        failed = {check for check, state in result["checks"].items() if state == "fail"}
        assert failed == {case["check"]}, result["text"]
        assert result["warnings"] is None
    else:
        assert result["verdict"] == "pass", result["text"]
        assert result["checks"][case["check"]] == "warn"
        assert result["warnings"] == "cancel.secret_lost"
