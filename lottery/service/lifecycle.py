"""The task lifecycle, durable and exactly once: draft -> announced -> drawn -> disclosed.

A task may be cancelled from announced or drawn; a disclosed task is closed when its task
report is published (:mod:`lottery.service.reports`). Each transition is one transaction that
(1) claims the transition with a conditional update ``UPDATE task SET state=<to> WHERE id=<id>
AND state IN <from>`` and checks that exactly one row changed, (2) computes and signs the
record with the pure core (:mod:`lottery.core.draw`), (3) appends it to the log with its blobs,
an audit event and a new checkpoint, and commits, or rolls all of it back.

Exactly once across processes: on PostgreSQL the conditional update locks the task row; a
concurrent caller blocks on it, re-evaluates the ``WHERE`` after the first commits, changes no
row, and returns the record already published. On SQLite every transaction is ``BEGIN
IMMEDIATE``, so they run one at a time. Behind that, ``log_entry`` allows one record per (task,
step): even a bug in the claim could not publish a second draw.

The office secret is written (encrypted) and committed in its own transaction before the
announcement that publishes its commitment, and is never replaced (one row per task), so a
crash between the two loses nothing and a retry commits to the same secret.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from lottery.core.beacon import BeaconSpec, BeaconValue, verify_beacon_value
from lottery.core.canonical import format_time, parse_time, sha256_hex
from lottery.core.checkpoint import Checkpoint
from lottery.core.draw import (
    DrawResult,
    TaskParams,
    cancellation_fields,
    compute_outcome,
    draw_fields,
    prepare_announcement,
    reveal_fields,
    secret_lost_cancellation_fields,
)
from lottery.core.errors import InfeasibleError, InputError, LotteryError
from lottery.core.outcome import decode_outcome, decode_team_input
from lottery.core.pool_blob import decode_pool
from lottery.core.records import Record
from lottery.core.seed import commitment
from lottery.runtime.gcpause import gc_paused
from lottery.settings import Settings
from lottery.storage.engine import make_engine, new_session
from lottery.storage.keys import archived_office_keys
from lottery.storage.migrate import prepare_schema
from lottery.storage.models import (
    OrgUnit,
    SealedOutcome,
    Task,
    TaskSecret,
)

from .audit_trail import record_audit
from .committed_pool import commit_registries, openings_blob, staff_outcome
from .fork_guard import ForkGuard
from .held_results import held_rows, missing_results, publish_held, void_results
from .integrity import StoredDataMissing, stored
from .item_refs import check_item_refs, check_minimums
from .log import PublicLog
from .office_key import admin_signer, rotation_lock, settle_office_key, settle_signer_rotation
from .office_signer import SocketSigner, open_office_signer
from .org_scope import require_task, require_units, task_units
from .params import params_from_task, params_to_json
from .plan_refs import check_plan_ref
from .pool_rules import cross_check_refusal, joint_refusal, load_registries
from .registry_view import publish_snapshot_in
from .result_notices import issue_owed
from .secrets import SecretKeeper, new_office_secret
from .secrets_check import open_secrets_keeper
from .secrets_rotation import settle_secrets_key
from .text_input import refuse_unsafe_text

if TYPE_CHECKING:
    from .metrics import ServiceMetrics


class TaskNotFound(InputError):
    """No task with this id."""


class StateError(InputError):
    """The task is not in a state that allows this transition."""


ANNOUNCED_REGISTRIES = ("org-units", "targets", "inspectors")
"""The registries whose snapshots an announcement names (``registries``, spec section 4)."""


def draw_outcome(
    log: PublicLog,
    session: Session,
    ann: Record,
    value: BeaconValue,
    *,
    fallback: bool,
    drawn_at: datetime,
    secret: Callable[[], bytes],
) -> DrawResult:
    """The draw of the task announced by ``ann``: the beacon ``value`` checked against the
    announced beacon (drawn at ``drawn_at``, ``fallback`` or not), the announced pools read
    from the log's blobs, and the outcome computed with the office secret ``secret()``.

    Shared by :meth:`Lifecycle.draw` and ``lottery recover`` (which re-runs a draw published
    after the backup from the stored secret: :mod:`.recovery`).

    Raises:
        VerificationError: ``beacon`` when the value does not fit the announced beacon.
        LogIntegrityError: when an announced pool blob is missing.
    """
    body = ann.body
    spec = BeaconSpec.from_dict(body["beacon"])
    beacon = verify_beacon_value(spec, value, used_fallback=fallback, drawn_at=drawn_at)
    blobs = log.blobs_by_digest(session, [body["pool"]["sha256"], body["inspector_pool"]["sha256"]])
    with gc_paused():  # only when this process runs one thread (a command line)
        return compute_outcome(
            ann.digest,
            decode_pool(blobs[body["pool"]["sha256"]]),
            decode_team_input(blobs[body["inspector_pool"]["sha256"]]),
            body["team_size"],
            body["cap"],
            beacon,
            secret(),
            bytes.fromhex(body["commit"]),
        )


NO_SECRET_ROW = "数据库中没有该任务的秘密值"  # noqa: S105 - a message, not a secret
SECRET_DOES_NOT_OPEN = "该任务的秘密值无法用当前的 secrets.key 解密"  # noqa: S105 - a message
"""Why :meth:`Lifecycle.secret_lost` says a secret is lost (also :mod:`.lost_secrets`)."""


def _settle_in_signer(settings: Settings, engine: Engine) -> str | None:
    """Settle a rotation a crash interrupted inside the signer, only in a process given the
    signer's admin socket (``lottery key rotate`` on the signer host) and only when no other
    process holds the rotation lock (it may be between ``rotate-begin`` and its commit)."""
    if settings.signer_admin_socket is None:
        return None
    with rotation_lock(settings) as held:
        if not held:
            return None
        return settle_signer_rotation(admin_signer(settings), engine)


class SecretInArchivedKey(InputError):
    """A task's secret does not open with ``keys/secrets.key`` but does with an archived key:
    it is not lost (docs/operations.md "Incidents: lost secrets key")."""

    def __init__(self, task_id: str, archived: Path) -> None:
        """Name the task and the archived key file that opens its secret."""
        self.archived = archived
        super().__init__(
            f"任务 {task_id} 的秘密值没有遗失：它不能用当前的 secrets.key 解密，但能用已存档的 "
            f"{archived} 解密。请停止服务，把 keys/secrets.key 移到别处保存（不要删除），"
            f"用 cp -p {archived} keys/secrets.key 放回该密钥后重新启动；"
            "不能以“秘密值遗失”取消（docs/operations.md“Incidents: lost secrets key”）"
        )


class Lifecycle:
    """The service's task operations. Each public method is one (or, for announce, two)
    transactions on its own session; it is safe to call from several processes at once."""

    def __init__(self, engine: Engine, log: PublicLog, keeper: SecretKeeper) -> None:
        """Use ``engine`` (schema up to date), the office's log and the secret keeper."""
        self.engine = engine
        self.log = log
        self.keeper = keeper
        # Set by the app factory (docs/operations.md); a command line measures nothing.
        self.metrics: ServiceMetrics | None = None

    @classmethod
    def open(cls, settings: Settings) -> Lifecycle:
        """Open the service's state from settings: engine, schema, keys, secrets key, and the
        checkpoints outside the database that the log must extend (:mod:`.fork_guard`).

        A new database gets the schema; one at an older revision is refused
        (``lottery db upgrade``, docs/operations.md).

        Raises:
            SchemaOutdated: the database's schema is not this code's.
            LogIdentityError: the settings name another log or key than the stored log's
                (checked before the secrets key: :mod:`.secrets_check`).
            InputError: ``keys/secrets.key`` is missing or not the database's.
        """
        engine = make_engine(settings)
        try:
            prepare_schema(engine)
        except BaseException:
            engine.dispose()
            raise
        try:
            if settings.signer_socket is None:  # the signer process settles its own
                settle_office_key(settings, engine)  # a rotation a crash interrupted
            settle_secrets_key(engine, settings.data_dir)
            signer = open_office_signer(settings)  # the key file, or the signer process
            if isinstance(signer, SocketSigner) and _settle_in_signer(settings, engine):
                signer = open_office_signer(settings)  # the key in force changed
            archived = archived_office_keys(settings.keys_dir)
            known = {k.vkey for k in archived}
            archived += [k for k in signer.archived() if k.vkey not in known]
            log = PublicLog(
                settings.log_origin, signer, ForkGuard.from_settings(settings), archived
            )
            with new_session(engine) as session:
                # First: another office's database (a wrong LOTTERY_DATABASE_URL) is named as
                # such, not as a secrets-key mismatch that would suggest replace-lost.
                log.check_identity(session)
            keeper = open_secrets_keeper(engine, settings.data_dir, datetime.now(UTC))
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, log, keeper)

    def session(self) -> Session:
        """A new session (use ``with lc.session() as s, s.begin():``)."""
        return new_session(self.engine)

    # -- helpers --------------------------------------------------------------------------

    def _claim(
        self, session: Session, task_id: str, from_states: Sequence[str], to: str, now: datetime
    ) -> Task | None:
        """Move the task to ``to`` if it is in ``from_states``; None when another did it."""
        result = session.connection().execute(
            update(Task)
            .where(col(Task.id) == task_id, col(Task.state).in_(from_states))
            .values(state=to, updated_at=now)
        )
        if result.rowcount != 1:
            return None
        return session.get(Task, task_id, populate_existing=True)

    def _done_or_refuse(self, session: Session, task_id: str, step: str, action: str) -> Record:
        """The record of ``step`` when it was already published; else why not allowed."""
        task = session.get(Task, task_id, populate_existing=True)
        if task is None:
            raise TaskNotFound(f"no task {task_id}")
        record = self.log.task_record(session, task_id, step)
        if record is not None:
            return record
        raise StateError(f"task {task_id} is {task.state}: cannot {action} it")

    def published_or_refuse(self, task_id: str, step: str, action: str) -> Record:
        """The record of ``step`` if already published, else the reason ``action`` is refused.

        Raises:
            TaskNotFound, StateError: as the transition itself would.
        """
        with self.session() as session:
            return self._done_or_refuse(session, task_id, step, action)

    def _secret(self, session: Session, task_id: str) -> bytes:
        row = session.get(TaskSecret, task_id)
        if row is None:
            raise StoredDataMissing(f"task {task_id} has no office secret")
        return self.keeper.open("office-secret", task_id, row.ciphertext)

    def secret_lost(self, session: Session, task_id: str) -> str | None:
        """Why the service cannot open the task's office secret (no row, or a row that does
        not decrypt with the secrets key), or ``None`` when it can (spec §7, "Cancelled,
        secret lost": only then may a cancellation say the secret is lost).

        A row that does not open with the key in force but with an archived one
        (``keys/archive/secrets-<n>.key``) is not lost: that is refused, naming the file.

        Raises:
            SecretStoreError: the key file was rotated after this process read it.
            SecretInArchivedKey: an archived key opens the secret (put it back).
        """
        row = session.get(TaskSecret, task_id)
        if row is None:
            return NO_SECRET_ROW
        if self.keeper.opens("office-secret", task_id, row.ciphertext):
            return None
        archived = self.keeper.archived_opening("office-secret", task_id, row.ciphertext)
        if archived is not None:
            raise SecretInArchivedKey(task_id, archived)
        return SECRET_DOES_NOT_OPEN

    def _publish(
        self,
        session: Session,
        task: Task,
        kind: str,
        step: str,
        fields: dict[str, Any],
        now: datetime,
        blobs: Iterable[bytes] = (),
    ) -> Record:
        for blob in blobs:
            self.log.put_blob(session, blob)
        note = self.log.make_record(kind, now, fields)
        self.log.append(session, note, task=task.id, step=step)
        return stored(
            self.log.task_record(session, task.id, step), f"the {step} record just appended"
        )

    # -- transitions ----------------------------------------------------------------------

    def create_task(
        self,
        params: TaskParams,
        now: datetime,
        *,
        actor: str,
        remote_addr: str | None = None,
        announce_at: datetime | None = None,
    ) -> Task:
        """Create a draft task (idempotent for the same id and parameters).

        ``announce_at``: when the scheduler announces it (stored as ``params["announce_at"]``);
        without it staff announce the task.

        A draft is checked by the rules announcing it will apply that do not depend on the
        clock (text, org units); :meth:`draft_warnings` tells what the clock would refuse.

        Raises:
            StateError: when a task with this id exists with other parameters.
            UnsafeTextError: a control, bidi or other refused character in a text field.
            InputError: an org unit that does not exist; no item, or an item the item list
                does not hold (:func:`lottery.service.item_refs.check_item_refs`); a plan
                entry that is not in the year's plan in force or does not plan the task's items
                (:func:`lottery.service.plan_refs.check_plan_ref`).
        """
        refuse_unsafe_text({"title": params.title, **params_to_json(params)})
        stored = params_to_json(params)
        if announce_at is not None:
            stored["announce_at"] = format_time(announce_at)
        with self.session() as session, session.begin():
            existing = session.get(Task, params.task)
            if existing is not None:
                require_task(session, actor, params.task)
                if existing.params != stored or existing.title != params.title:
                    raise StateError(f"task {params.task} exists with other parameters")
                return existing
            known = set(session.exec(select(OrgUnit.code)))
            unknown = [u for u in params.org_units if u not in known]
            if unknown:
                raise InputError(f"字段「org_units」含有不存在的组织单位：{'、'.join(unknown)}")
            require_units(session, actor, task_units(session, stored), f"任务 {params.task} ")
            check_item_refs(session, params.items)
            check_plan_ref(session, params)
            task = Task(
                id=params.task,
                title=params.title,
                state="draft",
                params=stored,
                created_by=actor,
                created_at=now,
                updated_at=now,
            )
            session.add(task)
            record_audit(session, now, actor, "task.create", params.task, None, remote_addr)
        return task

    @staticmethod
    def draft_warnings(params: TaskParams, now: datetime) -> list[str]:
        """What announcing the draft at ``now`` would refuse because of the clock (Chinese)."""
        warnings = []
        try:
            params.beacon.check_schedule(now)
        except LotteryError as exc:
            warnings.append(f"随机数来源的时间不在将来，现在公告会被拒绝：{exc}")
        return warnings

    def ensure_secret(self, task_id: str, now: datetime, *, actor: str = "system") -> None:
        """Generate and durably commit the task's office secret, once (own transaction)."""
        with self.session() as session:
            try:
                with session.begin():
                    if session.get(TaskSecret, task_id) is not None:
                        return
                    if session.get(Task, task_id) is None:
                        raise TaskNotFound(f"no task {task_id}")
                    sealed = self.keeper.seal("office-secret", task_id, new_office_secret())
                    session.add(TaskSecret(task=task_id, ciphertext=sealed, created_at=now))
                    record_audit(session, now, actor, "secret.create", task_id)
            except IntegrityError:
                return  # another process committed the secret first: theirs is the one

    def announce(
        self, task_id: str, now: datetime, *, actor: str = "system", remote_addr: str | None = None
    ) -> Record:
        """Freeze the pools, publish the commitment: draft -> announced.

        Raises:
            TaskNotFound, StateError: for a missing task or a cancelled one.
            InputError, InfeasibleError: for bad parameters or registries (nothing changes).
        """
        with self.session() as session, session.begin():
            task = session.get(Task, task_id)
            if task is None:
                raise TaskNotFound(f"no task {task_id}")
            require_task(session, actor, task_id)
            if task.state != "draft":
                return self._done_or_refuse(session, task_id, "announce", "announce")
        self.ensure_secret(task_id, now, actor=actor)
        with self.session() as session, session.begin():
            task = self._claim(session, task_id, ["draft"], "announced", now)
            if task is None:
                return self._done_or_refuse(session, task_id, "announce", "announce")
            params = params_from_task(task)
            params.beacon.check_schedule(now)
            # The plan entry it carries out, in the year's plan in force (docs/plans.md).
            plan = check_plan_ref(session, params)
            # A withheld type's targets go by their commitment ids (spec §4, committed pools).
            regs = commit_registries(session, load_registries(session, params))
            # The announcement names the scope with its sub-units expanded (spec section 4):
            # their inspectors may go, as their targets may be drawn.
            params = dataclasses.replace(params, org_units=regs.org_units)
            try:
                prepared = prepare_announcement(
                    params,
                    regs.candidates,
                    regs.inspectors,
                    commit=commitment(self._secret(session, task_id)),
                    exclusions=regs.exclusions,
                    conflicts=regs.conflicts,
                    previous=regs.previous,
                )
            except InfeasibleError as exc:
                if params.departments is not None and params.departments.one_per_team:
                    raise joint_refusal(params, exc) from None
                if not params.cross_check.on:
                    raise
                raise cross_check_refusal(params, exc) from None
            # The share drawn is not below a cited item's ratio (spec section 4, min_ratio).
            check_minimums(session, params.items, prepared.pool.picks, prepared.pool.candidates)
            # The registries the pool was read from, published in the same transaction, so
            # that anyone can re-derive the pool from public data (spec section 4).
            fields = dict(prepared.fields)
            registries = self._snapshots(session, now, actor, remote_addr)
            if registries is not None:
                fields["registries"] = registries
            if plan is not None:
                fields["plan"] = plan
            if regs.cap_exceptions:  # kept despite the annual cap, with the reasons
                fields["cap_exceptions"] = [
                    {"target": t, "reason": r} for t, r in regs.cap_exceptions
                ]
            record = self._publish(
                session,
                task,
                "task-announcement",
                "announce",
                fields,
                now,
                prepared.blobs.values(),
            )
            task.announcement_record = record.id
            session.add(task)
            record_audit(
                session, now, actor, "task.announce", task_id, {"record": record.id}, remote_addr
            )
            self.log.sign_checkpoint(session, now)
        return record

    def _snapshots(
        self, session: Session, now: datetime, actor: str, remote_addr: str | None
    ) -> dict[str, str] | None:
        """Publish the registries' snapshots that changed; the record id of each in force.

        None when a registry is empty (then the announcement names no snapshot).
        """
        refs: dict[str, str] = {}
        for registry in ANNOUNCED_REGISTRIES:
            record, _ = publish_snapshot_in(
                session, self.log, registry, actor=actor, now=now, remote_addr=remote_addr
            )
            if record is None:
                return None
            refs[registry] = record.id
        return refs

    def draw(
        self,
        task_id: str,
        value: BeaconValue,
        now: datetime,
        *,
        fallback: bool = False,
        actor: str = "system",
        remote_addr: str | None = None,
    ) -> Record:
        """Draw with the beacon value; publish the sealed draw record: announced -> drawn.

        The outcome is stored encrypted; only its SHA-256 is published.

        Raises:
            TaskNotFound, StateError: for a missing task or one not announced.
            VerificationError: ``beacon`` when the value does not fit the announced beacon.
        """
        started = time.perf_counter()
        with self.session() as session, session.begin():
            require_task(session, actor, task_id)
            task = self._claim(session, task_id, ["announced"], "drawn", now)
            if task is None:
                return self._done_or_refuse(session, task_id, "draw", "draw")
            ann = stored(
                self.log.task_record(session, task_id, "announce"),
                f"the announcement record of task {task_id}",
            )
            result = draw_outcome(
                self.log,
                session,
                ann,
                value,
                fallback=fallback,
                drawn_at=now,
                secret=lambda: self._secret(session, task_id),
            )
            fields = draw_fields(task_id, ann.id, value.to_dict(), fallback, result)
            record = self._publish(session, task, "task-draw", "draw", fields, now)
            session.add(
                SealedOutcome(
                    task=task_id,
                    sha256=result.outcome_sha256,
                    ciphertext=self.keeper.seal("outcome", task_id, result.outcome_blob),
                    created_at=now,
                )
            )
            task.draw_record = record.id
            session.add(task)
            record_audit(
                session, now, actor, "task.draw", task_id, {"record": record.id}, remote_addr
            )
            self.log.sign_checkpoint(session, now)
        if self.metrics is not None:  # committed: a draw that happened
            self.metrics.drew(time.perf_counter() - started)
        return record

    def _sealed_outcome(self, session: Session, task_id: str) -> tuple[str, bytes]:
        row = session.get(SealedOutcome, task_id)
        if row is None:
            raise StoredDataMissing(f"task {task_id} has no sealed outcome")
        return row.sha256, self.keeper.open("outcome", task_id, row.ciphertext)

    def open_outcome(self, session: Session, task_id: str) -> tuple[str, bytes]:
        """(SHA-256, bytes) of a task's outcome, decrypted inside ``session``.

        For the service's own readers (:mod:`.assignments`), which audit what they show (R6).

        Raises:
            StoredDataMissing: when the task has no outcome.
        """
        return self._sealed_outcome(session, task_id)

    def disclose(
        self, task_id: str, now: datetime, *, actor: str = "system", remote_addr: str | None = None
    ) -> Record:
        """Reveal the secret and the outcome at (or after) the disclosure time: -> disclosed.

        Earlier only when the task was announced with ``disclose_early`` and every pick has
        an approved, held result. The held results are published right after the reveal, in
        the same transaction (:mod:`.held_results`).

        Raises:
            TaskNotFound, StateError: for a missing task or one not drawn.
            InputError: before the announced disclosure time (nothing changes).
        """
        with self.session() as session, session.begin():
            require_task(session, actor, task_id)
            task = self._claim(session, task_id, ["drawn"], "disclosed", now)
            if task is None:
                return self._done_or_refuse(session, task_id, "reveal", "disclose")
            digest, outcome = self._sealed_outcome(session, task_id)
            early = now < parse_time(task.params["disclosure"])
            # The picks, in selection order, only when they are needed (a large outcome is
            # not parsed for a disclosure on time without held results).
            picks = (
                staff_outcome(session, outcome).picks()
                if early or held_rows(session, task_id)
                else []
            )
            if early:
                self._refuse_early(session, task, picks)
            # A committed pool opens its picks, and nothing else (spec §4).
            opened = openings_blob(session, task_id, lambda: decode_outcome(outcome).picks())
            fields = reveal_fields(
                task_id,
                task.draw_record or "",
                self._secret(session, task_id),
                digest,
                None if opened is None else sha256_hex(opened),
            )
            blobs = [outcome] if opened is None else [outcome, opened]
            record = self._publish(session, task, "task-reveal", "reveal", fields, now, blobs)
            publish_held(
                self.engine,
                self.log,
                session,
                task_id,
                picks,
                now,
                actor=actor,
                remote_addr=remote_addr,
            )
            task.closing_record = record.id
            session.add(task)
            record_audit(
                session, now, actor, "task.disclose", task_id, {"record": record.id}, remote_addr
            )
            self.log.sign_checkpoint(session, now)
        # Committed: now the 告知书 its held results are owed (rendering may fail; the
        # scheduler's sweep retries: docs/documents.md).
        issue_owed(self.engine, self.log, now, actor=actor, task=task_id)
        return record

    def _refuse_early(self, session: Session, task: Task, picks: Sequence[str]) -> None:
        """Refuse a disclosure before the announced time unless the task allows an early one
        and every pick has an approved, held result, reviewed (保密审查) when the rules in force
        require it (docs/results.md).

        Raises:
            InputError: in Chinese, saying why.
        """
        when = task.params["disclosure"]
        if not task.params.get("disclose_early"):
            raise InputError(
                f"任务 {task.id} 公告的结果公开时间是 {when}，未选择“全部检查结果审核完毕时"
                "提前公开”，不能提前公开"
            )
        missing = missing_results(session, task.id, picks)
        if missing:
            raise InputError(
                f"任务 {task.id} 还有 {len(missing)} 个抽中对象没有审核通过的检查结果，"
                f"不能在公告的公开时间 {when} 之前公开"  # no pick named: R6
            )
        unreviewed = missing_results(session, task.id, picks, self.log)
        if unreviewed:
            raise InputError(
                f"任务 {task.id} 还有 {len(unreviewed)} 条审核通过的检查结果未完成保密审查，"
                f"不能在公告的公开时间 {when} 之前公开"  # no pick named: R6
            )

    def cancel(
        self,
        task_id: str,
        reason: str,
        now: datetime,
        *,
        actor: str = "system",
        remote_addr: str | None = None,
        secret_lost: bool = False,
    ) -> Record:
        """Cancel an announced or drawn task, revealing the secret (and the outcome if drawn);
        with ``secret_lost``, one whose secret the service cannot open (:meth:`cancel_in`).

        One person's act: staff cancel through the two-person request and confirmation of
        :mod:`lottery.service.cancellations`, which calls :meth:`cancel_in`.

        Raises:
            TaskNotFound, StateError: for a missing task or one in another state.
            InputError: for an empty reason.
        """
        with self.session() as session, session.begin():
            return self.cancel_in(
                session,
                task_id,
                reason,
                now,
                actor=actor,
                remote_addr=remote_addr,
                secret_lost=secret_lost,
            )

    def cancel_in(
        self,
        session: Session,
        task_id: str,
        reason: str,
        now: datetime,
        *,
        actor: str = "system",
        remote_addr: str | None = None,
        detail: dict[str, Any] | None = None,
        secret_lost: bool = False,
        checkpoint: bool = True,
    ) -> Record:
        """:meth:`cancel` inside the caller's transaction ``session`` (which commits it).

        ``detail``: extra keys for the ``task.cancel`` audit event (who asked for it).
        ``checkpoint``: sign the checkpoint last; False when the caller does more work in the
        transaction and then signs it as its own last statement before the commit.
        ``secret_lost``: publish a cancellation that says the secret is lost (no secret, no
        outcome blob; spec §7), allowed only when :meth:`secret_lost` says the service really
        cannot open it; a cancellation without it needs the secret.

        Raises:
            TaskNotFound, StateError: for a missing task or one in another state.
            InputError: for an empty reason; a lost-secret cancellation of a task whose secret
                opens, or an ordinary one of a task whose secret is lost (nothing changes).
        """
        if not reason.strip():
            raise InputError("a cancellation needs a reason")
        require_task(session, actor, task_id)
        task = self._claim(session, task_id, ["announced", "drawn"], "cancelled", now)
        if task is None:
            return self._done_or_refuse(session, task_id, "cancel", "cancel")
        lost = self.secret_lost(session, task_id)
        if secret_lost and lost is None:
            raise InputError(
                f"任务 {task_id} 的秘密值仍可打开：不能以“秘密值遗失”取消，"
                "取消时须公开秘密值（去掉 --secret-lost）"
            )
        if not secret_lost and lost is not None:
            raise InputError(
                f"任务 {task_id}：{lost}，无法公开秘密值；"
                "确认遗失后请以“秘密值遗失”方式取消（--secret-lost，docs/operations.md）"
            )
        draw_id = task.draw_record
        digest: str | None = None
        blobs: list[bytes] = []
        if secret_lost:
            if draw_id is not None:
                draw = stored(
                    self.log.task_record(session, task_id, "draw"),
                    f"the draw record of task {task_id}",
                )
                digest = str(draw.body["outcome"])  # its blob cannot be checked: not published
            fields = secret_lost_cancellation_fields(
                task_id, task.announcement_record or "", reason, draw_id, digest
            )
        else:
            if draw_id is not None:
                digest, outcome = self._sealed_outcome(session, task_id)
                blobs.append(outcome)
            fields = cancellation_fields(
                task_id,
                task.announcement_record or "",
                reason,
                self._secret(session, task_id),
                draw_id,
                digest,
            )
        record = self._publish(session, task, "task-cancellation", "cancel", fields, now, blobs)
        task.closing_record = record.id
        task.cancel_reason = reason
        session.add(task)
        void = void_results(session, task_id)  # never published (docs/results.md)
        record_audit(
            session,
            now,
            actor,
            "task.cancel",
            task_id,
            {
                "record": record.id,
                "reason": reason,
                **({"secret_lost": True} if secret_lost else {}),
                **({"results_void": void} if void else {}),
                **(detail or {}),
            },
            remote_addr,
        )
        if checkpoint:
            self.log.sign_checkpoint(session, now)  # the last statement before the commit
        return record

    # -- reading --------------------------------------------------------------------------

    def read_sealed_outcome(
        self, task_id: str, actor: str, now: datetime, *, remote_addr: str | None = None
    ) -> bytes:
        """Return the (possibly still sealed) outcome blob; the read is audited (R6).

        Authorization (which roles may call this) is the caller's job; this records who did.

        Raises:
            TaskNotFound: for an unknown task.
            StateError: when the task has no outcome yet.
        """
        with self.session() as session, session.begin():
            task = session.get(Task, task_id)
            if task is None:
                raise TaskNotFound(f"no task {task_id}")
            require_task(session, actor, task_id)
            if session.get(SealedOutcome, task_id) is None:
                raise StateError(f"task {task_id} is {task.state}: it has no outcome yet")
            digest, outcome = self._sealed_outcome(session, task_id)
            record_audit(
                session, now, actor, "outcome.read", task_id, {"sha256": digest}, remote_addr
            )
        return outcome

    def get_task(self, task_id: str) -> Task:
        """The task row.

        Raises:
            TaskNotFound: when there is none.
        """
        with self.session() as session:
            task = session.get(Task, task_id)
        if task is None:
            raise TaskNotFound(f"no task {task_id}")
        return task

    def list_tasks(self) -> list[Task]:
        """Every task, newest first."""
        with self.session() as session:
            return list(
                session.exec(select(Task).order_by(col(Task.created_at).desc(), col(Task.id)))
            )

    def export_to(self, out: Path) -> Checkpoint:
        """Write the public export (log entries and public blobs only) to ``out``."""
        return self.log.export_to(self.engine, out)
