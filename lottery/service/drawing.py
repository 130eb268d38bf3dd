"""How a task is drawn with its announced drand round: one decision for every caller.

The API route (``POST /api/tasks/{id}/draw``), the command (``lottery task draw``) and the
scheduler's draw job all call :func:`draw_task`; they only translate its answer (an HTTP
status, one line on the terminal, retry or finish the job). It decides:

- the state: a task that is not announced is answered without fetching anything (the
  published draw record when it was drawn already, else :class:`StateError`);
- the beacon: a public-numbers draw (the primary, or a fallback asked for) is refused here,
  because public numbers go through the two-person entry (:mod:`lottery.service.beacons`);
- the value: a drand signature given by the caller, or the round fetched through the
  injected ``fetch`` (the relay client verifies every answer locally); either way
  :meth:`Lifecycle.draw` verifies the value against the announcement before drawing;
- "not yet" versus "relays down": a round not due by our clock is not asked for; only the
  relays saying the round is not out, at or after the announced deadline, with a fallback
  announced, declares the fallback (:func:`declare_fallback`, once per task); relays that
  fail say nothing about the round, so they never do.

docs/scheduler.md ("Draw, the beacon and the fallback") has the table of answers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from lottery.core.beacon import DrandBeacon, DrandValue
from lottery.core.canonical import format_time
from lottery.core.errors import InputError, LotteryError
from lottery.core.records import Record

from .beacons import declare_fallback
from .drand_client import BeaconNotYetAvailable, RelaysUnavailable
from .lifecycle import Lifecycle, StateError
from .params import params_from_task

Fetch = Callable[[DrandBeacon], DrandValue]
"""Fetch and verify an announced drand round (e.g. :meth:`DrandClient.fetch_for`).

Raises :class:`BeaconNotYetAvailable` or :class:`RelaysUnavailable` when it cannot."""


class PublicNumbersDraw(InputError):
    """The draw needs public numbers: they are entered by one person and confirmed by another."""


class FallbackDeclared(StateError):
    """The drand round was missing at its deadline: the announced fallback applies now."""


class DrawStatus(StrEnum):
    """What :func:`draw_task` came to."""

    DRAWN = "drawn"
    """The task is drawn (by this call or earlier): ``record`` is the draw record."""
    NOT_YET = "not-yet"
    """The round is not out yet (and no fallback applies): try again later."""
    RELAYS_DOWN = "relays-down"
    """No relay gave a usable answer; nothing is known about the round: try again later."""
    FALLBACK = "fallback"
    """The fallback is declared (by this call or earlier): staff enter its public numbers."""


@dataclass(frozen=True)
class DrawOutcome:
    """The answer of :func:`draw_task`: a draw record, or why there is none yet.

    ``error`` (when not drawn) is what a caller that cannot wait shows: the fetch's
    :class:`BeaconNotYetAvailable` or :class:`RelaysUnavailable`, or :class:`FallbackDeclared`.
    ``fallback_recorded``: this call recorded the fallback declaration.
    """

    status: DrawStatus
    record: Record | None = None
    error: LotteryError | None = None
    fallback_recorded: bool = False

    def drawn(self) -> Record:
        """The draw record.

        Raises:
            LotteryError: ``error`` when the task was not drawn (see :class:`DrawStatus`).
        """
        if self.record is not None:
            return self.record
        raise self.error or LotteryError(f"no draw: {self.status}")


def draw_task(
    service: Lifecycle,
    task_id: str,
    now: datetime,
    *,
    actor: str,
    signature: bytes | None = None,
    fetch: Fetch | None = None,
    use_fallback: bool = False,
    clock: Callable[[], datetime] | None = None,
    remote_addr: str | None = None,
) -> DrawOutcome:
    """Draw ``task_id`` with its announced drand round, or say why not yet.

    Args:
        service: the lifecycle.
        task_id: the task.
        now: the time the decision is taken at (deadline, round due, fallback declaration).
        actor: who asks (the audit trail records them; ``"scheduler"`` for the job).
        signature: the announced round's signature, when the caller has it; else ``fetch``.
        fetch: how the round is fetched when no signature is given.
        use_fallback: the caller asks for the fallback: refused (two-person entry only).
        clock: the time the draw is recorded at, read after the fetch (which may take a
            while); default ``now``.
        remote_addr: the caller's address, for the audit trail.

    Returns:
        DRAWN with the record (a task drawn earlier gives its existing record, without any
        fetch); NOT_YET or RELAYS_DOWN with the fetch's error; FALLBACK once the round was
        found missing at or after the deadline and a fallback was announced.

    Raises:
        TaskNotFound: for an unknown task.
        StateError: for a task that is neither announced nor drawn.
        PublicNumbersDraw: for a public-numbers primary, or when ``use_fallback``.
        InputError: with neither ``signature`` nor ``fetch``; a beacon naming another chain
            than the fetch's client.
        VerificationError: when the value does not verify against the announced beacon.
    """
    task = service.get_task(task_id)
    if task.state != "announced":  # answered without fetching anything
        return DrawOutcome(DrawStatus.DRAWN, service.published_or_refuse(task_id, "draw", "draw"))
    spec = params_from_task(task).beacon
    primary = spec.primary
    if not isinstance(primary, DrandBeacon) or use_fallback:
        raise PublicNumbersDraw(
            f"任务 {task_id} 须使用公开号码抽取：请一人录入号码"
            f"（POST /api/tasks/{task_id}/numbers 或控制台），另一人再次录入确认"
        )
    if signature is not None:
        value = DrandValue.from_signature(primary.chain, primary.round, signature)
    elif fetch is None:
        raise InputError("no drand signature given and no relay to fetch the round from")
    elif now < primary.due_time():  # not due by our clock: no relay is asked
        due = format_time(primary.due_time())
        not_due = BeaconNotYetAvailable(f"drand round {primary.round} is not due before {due}")
        return DrawOutcome(DrawStatus.NOT_YET, error=not_due)
    else:
        try:
            value = fetch(primary)
        except BeaconNotYetAvailable as exc:
            if spec.fallback is None or not primary.deadline_passed(now):
                return DrawOutcome(DrawStatus.NOT_YET, error=exc)
            detail = {"round": primary.round, "deadline": primary.deadline, "relays": str(exc)}
            recorded = declare_fallback(
                service, task_id, now, detail, actor=actor, remote_addr=remote_addr
            )
            declared = FallbackDeclared(
                f"drand 第 {primary.round} 轮到截止时间 {primary.deadline} 仍未产生，"
                f"任务 {task_id} 改用公告的备用信标：请一人录入备用公开号码，另一人确认"
            )
            return DrawOutcome(DrawStatus.FALLBACK, error=declared, fallback_recorded=recorded)
        except RelaysUnavailable as exc:
            return DrawOutcome(DrawStatus.RELAYS_DOWN, error=exc)
    at = clock() if clock is not None else now
    record = service.draw(task_id, value, at, actor=actor, remote_addr=remote_addr)
    return DrawOutcome(DrawStatus.DRAWN, record)
