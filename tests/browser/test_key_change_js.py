"""The in-browser verifier follows a lawful office key change (docs/spec.md §2 "Key changes",
docs/browser-verifier.md): a task whose reveal is signed by the new key after a
``key-change`` record signed by the old and the new key passes, with ``log.key_change``
shown; the same log with the change signed by the old key alone fails ``log.key_change``; a
reveal signed by the old key after the change fails ``record.signature``. The keys are
TEST-ONLY (tests/forge.py's office key and one derived from a fixed label).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from lottery.core.note import Signer, parse_note, sign_note
from lottery.core.records import make_record
from lottery.export.write import write_export
from publisher.build import build_site
from tests.browser.chromium import serve_static
from tests.browser.test_verify_attacks_browser import verify_copy
from tests.browser.verifier import verifier_page
from tests.forge import forge, write_forged_export
from tests.lifecycle import LOG, office_signer

pytestmark = pytest.mark.browser

NEW = Signer.from_seed(LOG, hashlib.sha256(b"TEST ONLY browser new office key").digest())
T_CHANGE = datetime(2026, 3, 20, 1, 0, tzinfo=UTC)


def _copy(root: Path, name: str, notes: list[bytes], blobs: dict[str, bytes]) -> None:
    old = office_signer()
    write_export(
        root / "site" / "forged" / name,
        notes,
        blobs,
        NEW,
        origin=LOG,
        public_keys=[old.vkey, NEW.vkey],
        known=[old.verifier()],
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("key-change")
    honest = forge()
    export = write_forged_export(root / "export", honest.notes, honest.blobs)
    build_site(export, root / "site", work=root / "work")
    ann, draw, reveal = honest.notes
    old = office_signer()
    fields = {"keys": [NEW.vkey], "reason": "密钥定期更换（测试）"}
    lawful = make_record("key-change", LOG, T_CHANGE, fields, [old, NEW])
    alone = make_record("key-change", LOG, T_CHANGE, fields, [old])
    by_new = sign_note(parse_note(reveal).text, [NEW])
    _copy(root, "lawful", [ann, draw, lawful, by_new], honest.blobs)
    _copy(root, "alone", [ann, draw, alone, by_new], honest.blobs)
    _copy(root, "stale", [ann, draw, lawful, reveal], honest.blobs)
    with serve_static(root / "site") as url:
        yield url


@pytest.fixture(scope="module")
def page(browser: Any, site: str) -> Iterator[Any]:
    with verifier_page(browser, f"{site}tasks/T2026-001/") as page:
        yield page


def test_a_lawful_change_is_followed(page: Any) -> None:
    result = verify_copy(page, "lawful")
    assert result["verdict"] == "pass", result["text"]
    assert result["checks"]["log.key_change"] == "pass"
    assert "共同签名" in result["text"]


def test_a_change_signed_by_the_old_key_alone_fails(page: Any) -> None:
    result = verify_copy(page, "alone")
    assert result["verdict"] == "fail" and result["checks"]["log.key_change"] == "fail"
    assert "第 2 条记录" in result["text"]


def test_a_record_signed_by_the_old_key_after_the_change_fails(page: Any) -> None:
    result = verify_copy(page, "stale")
    assert result["verdict"] == "fail", result["text"]
    assert result["checks"]["log.key_change"] == "pass"
    assert result["checks"]["record.signature"] == "fail"
