"""The in-browser verifier on re-signed forgeries: each attack marks its check failed.

One site is built from an honest export of task T2026-001 (tests/forge.py); next to it, under
``forged/<attack>/``, each forgery of tests/core/test_verify_attacks.py that verify.js can
judge is published as a whole re-signed log (checkpoint, tiles, blobs), as a dishonest office
could. The test opens the task page, points the verifier at that copy (``data-export``, the
documented override) and presses the button: the named check must be the one marked ❌ (and,
where the forgery is re-drawn consistently, the only one). Playwright drives Debian's
Chromium (server and launch: tests/browser/chromium.py); no request may leave 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from publisher.build import build_site
from tests.browser.chromium import serve_static
from tests.browser.verifier import forged, press_verify, verifier_page
from tests.core.test_verify_attacks import ATTACKS
from tests.forge import forge, write_forged_export

pytestmark = pytest.mark.browser

# attack -> the checks verify.js marks failed (its names follow `lottery verify`; a duplicate
# record is its `task.records`, where the Python verifier names the record type).
BROWSER_ATTACKS: dict[str, set[str]] = {
    "reveal_before_draw": {"task.order"},
    "draw_before_announcement": {"draw.time"},
    "excluded_target_pooled": {"exclusions.disjoint"},
    "exclusion_count_false": {"exclusions.disjoint"},
    "wrong_picks": {"draw.links"},
    "draw_names_another_announcement": {"draw.links"},
    "revealed_and_cancelled": {"task.state"},
    "redrawn": {"task.records"},
    "revealed_twice": {"task.records"},
    "pool_candidates_count_false": {"pool.summary"},
    "pool_picks_count_false": {"pool.summary"},
    "pool_strata_count_false": {"pool.summary"},
    # The outcome re-drawn from a pool of another task names that task: the in-browser
    # re-run, which builds the outcome for this page's task, differs too.
    "pool_of_another_task": {"pool.summary", "draw.outcome_bytes"},
    "stratum_count_off_rule": {"pool.counts"},
    "inspector_count_false": {"inspectors.summary"},
    "inspector_list_of_another_task": {"inspectors.summary"},
    "announced_after_beacon": {"beacon.future"},
    "announced_after_beacon_undrawn": {"beacon.future"},
    "announced_after_drand_round_undrawn": {"beacon.future"},
    "draw_logged_before_announcement": {"task.log_order"},
    "reveal_logged_before_draw": {"task.log_order"},
    "reveal_without_draw": {"task.links"},
    "reveal_names_another_draw": {"task.links"},
    "cancellation_names_another_announcement": {"task.links"},
    "cancellation_hides_the_draw": {"task.links"},
    "cancellation_names_an_unpublished_draw": {"task.links"},
    "reveal_names_another_outcome": {"task.links"},
    "forged_beacon_value": {"beacon.value"},
    "reveal_with_other_secret": {"commit.reveal"},
    "swapped_picked_target": {"draw.selection", "draw.teams"},
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("attacks")
    honest = forge()
    export = write_forged_export(root / "export", honest.notes, honest.blobs)
    build_site(export, root / "site", work=root / "work")
    for name in ["honest", *BROWSER_ATTACKS]:
        forged = honest if name == "honest" else ATTACKS[name].build()
        write_forged_export(root / "site" / "forged" / name, forged.notes, forged.blobs)
    with serve_static(root / "site") as url:
        yield url


@pytest.fixture(scope="module")
def page(browser: Any, site: str) -> Iterator[Any]:
    """One page for the module; every request it makes must stay on 127.0.0.1."""
    with verifier_page(browser, f"{site}tasks/T2026-001/") as page:
        yield page


def verify_copy(page: Any, name: str) -> dict[str, Any]:
    """Point the verifier at forged/<name>/, press the button, return what it shows."""
    result = press_verify(page, forged(name))
    return {"verdict": result.verdict, "checks": result.checks, "text": result.text}


def test_honest_copy_passes_every_check(page: Any) -> None:
    result = verify_copy(page, "honest")
    assert result["verdict"] == "pass", result["text"]
    for name in ("task.state", "task.log_order", "draw.links", "task.links", "pool.summary"):
        assert result["checks"][name] == "pass", name
    for name in ("beacon.future", "draw.time", "task.order", "draw.outcome_bytes"):
        assert result["checks"][name] == "pass", name


@pytest.mark.parametrize("name", list(BROWSER_ATTACKS))
def test_browser_marks_the_check_failed(page: Any, name: str) -> None:
    result = verify_copy(page, name)
    assert result["verdict"] == "fail", result["text"]
    failed = {check for check, state in result["checks"].items() if state == "fail"}
    assert failed == BROWSER_ATTACKS[name], result["text"]
    assert page.locator(".lottery-verify-result").get_attribute("data-failed")
