"""A whole task in memory, verified; and each threat of DESIGN.md §6 that the core answers."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from lottery.core.beacon import PublicNumbersValue
from lottery.core.canonical import canonical_json, sha256_hex
from lottery.core.errors import VerificationError
from lottery.core.records import make_record, parse_record_text
from lottery.core.verify import verify_task
from lottery.service import inmemory
from tests.lifecycle import (
    LOG,
    T_ANNOUNCE,
    T_DRAW,
    T_REVEAL,
    announced,
    beacon,
    disclosed,
    office_signer,
    params,
    secret_for,
    small_registries,
)

VERIFIERS = [office_signer().verifier()]


def verify(notes: list[bytes], blobs: dict[str, bytes]):
    return verify_task(notes, blobs, VERIFIERS, log=LOG)


def failed_check(notes: list[bytes], blobs: dict[str, bytes]) -> str:
    with pytest.raises(VerificationError) as info:
        verify(notes, blobs)
    return info.value.check


def resign(note: bytes, change: Callable[[dict], None]) -> bytes:
    """What a dishonest office can do: edit a record and sign it again with its own key."""
    body = parse_record_text(note.split(b"\n\n")[0] + b"\n")
    change(body)
    fields = {k: v for k, v in body.items() if k not in ("type", "v", "log", "time")}
    from lottery.core.canonical import parse_time

    return make_record(body["type"], LOG, parse_time(body["time"]), fields, [office_signer()])


def test_disclosed_task_verifies_and_re_runs_the_draw() -> None:
    run = disclosed()
    report = verify(run.published.notes, run.published.blobs)
    assert report.status == "disclosed"
    names = [c.name for c in report.checks]
    for check in ("commit.reveal", "beacon.value", "draw.selection", "draw.teams"):
        assert check in names
    assert report.outcome is not None
    assert report.outcome.picks() == [p.target for _, ps in run.result.selection for p in ps]
    assert len(report.outcome.teams) == run.prepared.pool.picks
    assert all(len(t.inspectors) == 2 for t in report.outcome.teams)


def test_sealed_draw_publishes_no_outcome_and_still_verifies() -> None:
    run = announced()
    inmemory.draw(run, beacon()[1], T_DRAW)
    assert run.result is not None
    assert run.result.outcome_sha256 not in run.published.blobs
    everything = b"".join(run.published.notes) + b"".join(run.published.blobs.values())
    assert secret_for("T2026-001").hex().encode() not in everything
    assert run.result.seed.hex().encode() not in everything
    report = verify(run.published.notes, run.published.blobs)
    assert report.status == "drawn"
    assert report.outcome is None


def test_cancelled_before_draw_reveals_the_secret() -> None:
    run = announced()
    inmemory.cancel(run, "检查事项调整，任务取消", T_DRAW)
    report = verify(run.published.notes, run.published.blobs)
    assert report.status == "cancelled"
    assert "commit.reveal" in [c.name for c in report.checks]


def test_cancelled_draw_reveals_what_was_drawn() -> None:
    run = announced()
    inmemory.draw(run, beacon()[1], T_DRAW)
    inmemory.cancel(run, "抽取后发现名录库数据错误", T_REVEAL)
    report = verify(run.published.notes, run.published.blobs)
    assert report.status == "cancelled"
    assert report.outcome is not None
    assert report.outcome.picks() == [p.target for _, ps in run.result.selection for p in ps]


def test_same_inputs_same_draw_different_secret_different_draw() -> None:
    a, b = disclosed(), disclosed()
    assert a.published.notes == b.published.notes
    other = disclosed("T2026-002")
    assert other.result.seed != a.result.seed


# --- Threats (DESIGN.md §6) ---------------------------------------------------------------


def test_attack_edited_record_bytes() -> None:
    run = disclosed()
    notes = list(run.published.notes)
    notes[1] = notes[1].replace(b'"fallback":false', b'"fallback":true ')
    assert failed_check(notes, run.published.blobs) == "record.signature"


def test_attack_redrawn_task() -> None:
    """The office draws, dislikes the result, and draws again under the same announcement."""
    run = announced()
    inmemory.draw(run, beacon()[1], T_DRAW)
    first = run.published.notes[-1]
    inmemory.draw(run, PublicNumbersValue.from_values([[409], [2, 7, 11, 19, 26, 31]]), T_DRAW)
    notes = run.published.notes
    assert first in notes
    assert failed_check(notes, run.published.blobs) == "task.draw"


def test_attack_forged_beacon_value() -> None:
    """Different numbers than the public draw's, re-signed by the office."""
    run = disclosed()
    notes = list(run.published.notes)

    def forge(body: dict) -> None:
        body["beacon_value"]["key_string"] = "409./2.7.11.19.26.30./"

    notes[1] = resign(notes[1], forge)
    assert failed_check(notes, run.published.blobs) == "beacon.value"


def test_attack_swapped_picked_target() -> None:
    run = disclosed()
    blobs = dict(run.published.blobs)
    outcome = json.loads(blobs.pop(run.result.outcome_sha256))
    picks = outcome["strata"][0]["picks"]
    loser = run.prepared.pool.strata[0].candidates
    spared = picks[0]["target"]
    picks[0]["target"] = next(c for c in loser if c not in {p["target"] for p in picks})
    outcome["teams"][0]["target"] = picks[0]["target"]
    forged = canonical_json(outcome)
    blobs[sha256_hex(forged)] = forged
    notes = list(run.published.notes)

    def point(body: dict) -> None:
        body["outcome"] = sha256_hex(forged)

    notes[2] = resign(notes[2], point)  # the reveal now names the forged outcome
    assert spared != picks[0]["target"]
    assert failed_check(notes, blobs) == "task.links"
    # Even with the draw record re-signed too, the draw no longer matches the re-run.
    notes[1] = resign(notes[1], point)
    check = failed_check(notes, blobs)
    assert check in {"draw.selection", "task.links"}


def test_attack_reveal_with_another_secret() -> None:
    run = disclosed()
    notes = list(run.published.notes)

    def other(body: dict) -> None:
        body["secret"] = secret_for("ground").hex()

    notes[2] = resign(notes[2], other)
    assert failed_check(notes, run.published.blobs) == "commit.reveal"


def test_attack_backdated_announcement(monkeypatch: pytest.MonkeyPatch) -> None:
    """A task announced after its public numbers were drawn: the office knew the beacon.

    The service refuses to announce such a task; here the check is bypassed to publish one
    anyway, and the verifier must catch it.
    """
    from lottery.core.beacon import BeaconSpec

    monkeypatch.setattr(BeaconSpec, "check_schedule", lambda self, at: None)
    regs = small_registries()
    run = inmemory.announce(
        LOG,
        office_signer(),
        params(regs),
        regs.candidates,
        regs.inspectors,
        secret_for("late"),
        datetime(2026, 3, 2, 13, 0, tzinfo=UTC),  # the numbers were drawn on 2026-03-02
        exclusions=regs.exclusions,
        conflicts=regs.conflicts,
        previous=regs.previous,
    )
    monkeypatch.undo()
    inmemory.draw(run, beacon()[1], T_DRAW)
    inmemory.reveal(run, T_REVEAL)
    assert failed_check(run.published.notes, run.published.blobs) == "beacon.future"


def test_service_refuses_to_announce_after_the_beacon() -> None:
    from lottery.core.errors import InputError

    regs = small_registries()
    with pytest.raises(InputError, match="after the announcement"):
        inmemory.announce(
            LOG,
            office_signer(),
            params(regs),
            regs.candidates,
            regs.inspectors,
            secret_for("late"),
            datetime(2026, 3, 2, 13, 0, tzinfo=UTC),
        )


def test_attack_tampered_pool_blob() -> None:
    run = disclosed()
    blobs = dict(run.published.blobs)
    digest = run.announcement.body["pool"]["sha256"]
    blobs[digest] = blobs[digest].replace(b'"count":', b'"count":1', 1)
    assert failed_check(run.published.notes, blobs) == "blob.hash"


def test_attack_deleted_announcement_and_missing_blob() -> None:
    run = disclosed()
    assert failed_check(run.published.notes[1:], run.published.blobs) == "task.announcement"
    blobs = dict(run.published.blobs)
    del blobs[run.result.outcome_sha256]
    assert failed_check(run.published.notes, blobs) == "blob.missing"


def test_attack_unknown_key() -> None:
    from lottery.core.note import Signer

    run = disclosed()
    stranger = Signer.from_seed(LOG, bytes(32))
    with pytest.raises(VerificationError) as info:
        verify_task(run.published.notes, run.published.blobs, [stranger.verifier()], log=LOG)
    assert info.value.check == "record.signature"


def test_times_are_ordered() -> None:
    assert T_ANNOUNCE < T_DRAW < T_REVEAL
