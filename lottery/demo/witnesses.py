"""The demo city's witnesses: three fictional parties that cosign its checkpoints in-process.

市纪委监委, 市公证处 and 青岚大学 (docs/witness.md "Who the witnesses are") each get a fresh
TEST/DEMO-only key per run, written under ``DIR/data/witnesses/`` (owner-only, never
published). The office publishes their ``witness-policy`` record (2 of 3, margin 300 s) first
in the log, and after each announcement the service's own pusher
(:func:`lottery.service.witness_push.push_once`) sends the latest checkpoint to each of them
with a consistency proof. Nothing leaves the process: the pusher's ``post`` is answered here by
the witness's decision (:func:`lottery.core.witness_protocol.add_checkpoint`, exactly what
``lottery witness serve`` runs) with the demo's clock, 30 seconds after the announcement.
青岚大学's witness is down (503) when T2026-002 is announced, so that task shows a quorum of 2
of the 3; the pusher catches it up at the next announcement.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from lottery.core.cosignature import Cosigner
from lottery.core.errors import InputError
from lottery.core.records import Record
from lottery.core.witness_protocol import (
    SIZE_CONTENT_TYPE,
    Cosigned,
    LogState,
    Refusal,
    add_checkpoint,
    parse_request,
)
from lottery.demo.witness_servers import DemoWitness, ServeFile, write_serve_file
from lottery.service.lifecycle import Lifecycle
from lottery.service.witness_policy import publish_policy
from lottery.service.witness_push import push_once
from lottery.settings import Settings, WitnessConfig
from lottery.storage.models import CheckpointRow, CosignatureRow

# (name in the policy, directory, key name): fictional parties of the fictional city.
WITNESSES = (
    ("市纪委监委", "jiwei", "jiwei.qinglan.example/witness"),
    ("市公证处", "notary", "notary.qinglan.example/witness"),
    ("青岚大学", "university", "witness.qlu.example/log"),
)
QUORUM = 2
MARGIN = 300
DELAY = timedelta(seconds=30)
"""How long after an announcement the witnesses cosign (the pusher runs every 5 seconds)."""
POLICY_AT = "2023-08-01T00:00:00Z"
DOWN = {"T2026-002": "青岚大学"}
"""A witness that does not answer when the task is announced (it is caught up later)."""
ACTOR = "demo:管理员"


class DemoWitnesses:
    """The three witnesses, their keys and states, answering the pusher in-process."""

    def __init__(self, lc: Lifecycle, settings: Settings, data: Path) -> None:
        self.lc = lc
        self.cosigners: dict[str, Cosigner] = {}
        configs = []
        folder = self.folder = data / "witnesses"
        for name, slug, key_name in WITNESSES:
            cosigner = Cosigner.generate(key_name)
            self.cosigners[f"demo-witness:{slug}"] = cosigner
            _write_key(folder / slug, cosigner)
            configs.append(
                WitnessConfig(name=name, url=f"demo-witness:{slug}", vkey=cosigner.verifier().vkey)
            )
        self.settings = settings.model_copy(
            update={"witnesses": configs, "witness_quorum": QUORUM, "witness_margin": MARGIN}
        )
        self.states: dict[str, dict[str, LogState]] = {url: {} for url in self.cosigners}
        self.clock = 0
        self.down: set[str] = set()

    @property
    def vkeys(self) -> list[str]:
        """The witnesses' public keys (as the policy record lists them)."""
        return [w.vkey for w in self.settings.witnesses]

    def publish_policy(self, lines: list[str]) -> None:
        """The ``witness-policy`` record, as an admin publishes it (audited)."""
        now = datetime.strptime(POLICY_AT, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        record = publish_policy(self.lc, self.settings, actor=ACTOR, now=now, require_admin=False)
        names = "、".join(w.name for w in self.settings.witnesses)
        lines.append(
            f"witness-policy: {QUORUM} of {len(WITNESSES)} ({names}), margin {MARGIN} s, "
            f"record {record.id[:16]}… (TEST/DEMO-only witness keys in data/witnesses/)"
        )
        self.cosign(now)

    def cosign(self, at: datetime, task: str | None = None) -> dict[str, str]:
        """The pusher's round ``DELAY`` after ``at``, the witnesses' clocks reading that time.

        Raises:
            InputError: when fewer than the quorum cosigned the latest checkpoint.
        """
        when = at + DELAY
        self.clock = int(when.timestamp())
        away = DOWN.get(task or "")
        self.down = {f"demo-witness:{slug}" for name, slug, _ in WITNESSES if name == away}
        done = push_once(self.lc, self.settings, when, post=self._post)
        cosigned = [name for name, what in done.items() if what.startswith("cosigned")]
        if done and len(cosigned) < QUORUM:  # nothing done: the latest is cosigned already
            raise InputError(f"the demo's witnesses did not cosign: {done}")
        return done

    def follow_announcements(self) -> None:
        """After every announcement the demo makes (here, in lottery/demo/early.py and
        cross.py alike), run the witnesses' round ``DELAY`` later, as the scheduler would."""
        announce = self.lc.announce

        def announced(task_id: str, now: datetime, **kwargs: Any) -> Record:
            record = announce(task_id, now, **kwargs)
            self.cosign(now, task_id)
            return record

        setattr(self.lc, "announce", announced)  # noqa: B010 (an instance's method, on purpose)

    def cosign_latest(self) -> str:
        """A round for the latest checkpoint, ``DELAY`` after it was signed (none when the
        witnesses cosigned it already); says how many cosigned it."""
        with self.lc.session() as session:
            latest = session.exec(
                select(CheckpointRow).order_by(col(CheckpointRow.size).desc()).limit(1)
            ).one()
        at = latest.created_at
        self.cosign(at if at.tzinfo is not None else at.replace(tzinfo=UTC))
        with self.lc.session() as session:
            lines = session.exec(
                select(CosignatureRow).where(CosignatureRow.size == latest.size)
            ).all()
        return (
            f"witnesses: the latest checkpoint (size {latest.size}) carries {len(lines)} of "
            f"{len(WITNESSES)} cosignatures; lottery verify enforces the published policy"
        )

    def write_serve_file(self) -> Path:
        """``data/witnesses/serve.json``: what ``make demo`` needs to run these witnesses as
        ``lottery witness serve`` processes after the demo (lottery/demo/witness_servers.py)."""
        serve = ServeFile(
            origin=self.lc.log.origin,
            office_vkeys=tuple(key.vkey for key in self.lc.log.office_keys),
            quorum=QUORUM,
            margin=MARGIN,
            witnesses=tuple(
                DemoWitness(name, slug, self.cosigners[f"demo-witness:{slug}"].verifier().vkey)
                for name, slug, _ in WITNESSES
            ),
        )
        return write_serve_file(self.folder, serve)

    def _post(self, url: str, body: bytes) -> tuple[int, str, bytes]:
        """One ``POST <url>/add-checkpoint``, answered by that witness (C2SP tlog-witness)."""
        witness = url.removesuffix("/add-checkpoint")
        if witness in self.down:
            return 503, "text/plain; charset=utf-8", b"the witness is down for maintenance\n"
        try:
            request = parse_request(body)
        except InputError as exc:
            return 400, "text/plain; charset=utf-8", f"malformed: {exc}\n".encode()
        states = self.states[witness]
        logs = {self.lc.log.origin: list(self.lc.log.office_keys)}
        answer: Cosigned | Refusal = add_checkpoint(
            request, logs, states, self.cosigners[witness], self.clock
        )
        if isinstance(answer, Refusal):
            kind = SIZE_CONTENT_TYPE if answer.size is not None else "text/plain; charset=utf-8"
            return answer.status, kind, answer.body()
        states[answer.checkpoint.origin] = answer.state
        return 200, "text/plain; charset=utf-8", answer.body()


def _write_key(folder: Path, cosigner: Cosigner) -> None:
    """``witness.key`` (owner-only) and ``witness.pub``, as ``lottery witness keygen`` writes."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / "witness.key", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(cosigner.private_key_string() + "\n")
    (folder / "witness.pub").write_text(cosigner.verifier().vkey + "\n", encoding="ascii")


def read_private_keys(data: Path) -> dict[str, bytes]:
    """The demo witnesses' private keys as written under ``data`` (what must never be published)."""
    return {
        f"witness {slug}": (data / "witnesses" / slug / "witness.key").read_bytes().strip()
        for _, slug, _ in WITNESSES
        if (data / "witnesses" / slug / "witness.key").exists()
    }
