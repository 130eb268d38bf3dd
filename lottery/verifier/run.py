"""Open an export, pick the keys, run the audit: what every front end of the verifier shares.

Errors are :class:`~lottery.core.errors.InputError` in the language asked for (``en`` or
``zh``): the front ends print them as one line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lottery.core.audit import AuditReport, Getter, audit_export, checkpoint_origin
from lottery.core.audit_state import AuditState, PriorAudit
from lottery.core.cosignature import CosignatureVerifier
from lottery.core.errors import EncodingError, InputError
from lottery.core.note import NoteVerifier
from lottery.core.sharing import Workers
from lottery.core.witness_audit import WitnessPolicy
from lottery.export.read import file_getter, hashed_blobs

HttpGetter = Callable[[str], Getter]
"""Makes a getter for a base URL (the CLI uses httpx, the single-file verifier urllib)."""


def _say(lang: str, en: str, zh: str) -> str:
    return zh if lang == "zh" else en


def open_export(location: str, http_getter: HttpGetter, lang: str = "en") -> Getter:
    """A getter for an export directory, a site directory with ``export/``, or a URL.

    Raises:
        InputError: when nothing that looks like an export is found there.
    """
    if location.startswith(("http://", "https://")):
        for base in (location, location.rstrip("/") + "/export"):
            get = http_getter(base)
            try:
                get("checkpoint")
            except KeyError:
                continue
            return get
        raise InputError(
            _say(
                lang,
                f"no export (checkpoint) found at {location}",
                f"在 {location} 没有找到公开数据（checkpoint 文件）",
            )
        )
    root = Path(location)
    for candidate in (root, root / "export"):
        if (candidate / "checkpoint").is_file():
            return file_getter(candidate)
    raise InputError(
        _say(
            lang,
            f"no export found at {location}: expected a 'checkpoint' file there",
            f"在 {location} 没有找到公开数据：那里或其 export 目录下应有 checkpoint 文件",
        )
    )


def blob_listing(location: str) -> Callable[[str], bool] | None:
    """Whether a blob is published with the content its name says (read and hashed, not
    parsed or opened), for an export directory (as :func:`open_export` finds it); None for a
    URL (every blob is read and checked as in a full run)."""
    if location.startswith(("http://", "https://")):
        return None
    root = Path(location)
    for candidate in (root, root / "export"):
        if (candidate / "checkpoint").is_file():
            return hashed_blobs(candidate)
    return None


def _key_lines(keys: list[str]) -> list[str]:
    lines: list[str] = []
    for key in keys:
        path = Path(key)
        if "+" in key or not path.is_file():
            lines.append(key)
            continue
        try:
            lines += path.read_text("utf-8").split()
        except UnicodeDecodeError as exc:  # bad input (2); an OSError is classed by the caller
            raise InputError(f"{key}: not UTF-8 text ({exc.reason})") from exc
    return lines


def office_verifiers(
    keys: list[str], get: Getter, lang: str = "en"
) -> tuple[list[NoteVerifier], bool]:
    """The office's keys (vkeys, or files of vkeys) and whether they were pinned; without
    ``keys``, the export's own ``keys/office.vkey``.

    Raises:
        InputError: when no key is given and the export publishes none.
        EncodingError: for a malformed key.
    """
    lines = _key_lines(keys)
    pinned = bool(lines)
    if not lines:
        try:
            lines = get("keys/office.vkey").decode("utf-8").split()
        except KeyError as exc:
            raise InputError(
                _say(
                    lang,
                    "no --key given and the export publishes no keys/office.vkey",
                    "没有用 --key 指定公钥，公开数据中也没有 keys/office.vkey",
                )
            ) from exc
    return [NoteVerifier.from_vkey(v) for v in lines], pinned


def witness_policy(keys: list[str], quorum: int | None, lang: str = "en") -> WitnessPolicy | None:
    """The witnesses given as vkeys (or files of vkeys, one a line) and the quorum.

    Raises:
        InputError: for a malformed witness key, ``--quorum`` without witnesses, or a quorum
            outside ``1..number of witnesses``.
    """
    lines = _key_lines(keys)
    if not lines:
        if quorum is not None:
            raise InputError(
                _say(
                    lang, "--quorum needs at least one --witness", "--quorum 需要至少一个 --witness"
                )
            )
        return None
    try:
        witnesses = tuple(CosignatureVerifier.from_vkey(v) for v in lines)
    except EncodingError as exc:
        raise InputError(f"--witness: {exc}") from exc
    return WitnessPolicy(witnesses, len(witnesses) if quorum is None else quorum)


@dataclass(frozen=True)
class Audit:
    """One run of the verifier: the report and what it was run with."""

    report: AuditReport
    origin: str
    pinned: bool
    policy: WitnessPolicy | None
    prior: PriorAudit | None = None
    """The earlier run this one went on from (``--state``), or None for a full run."""


def run_audit(
    get: Getter,
    verifiers: list[NoteVerifier],
    *,
    pinned: bool,
    policy: WitnessPolicy | None,
    task: str | None,
    workers: Workers,
    lang: str = "en",
    prior: PriorAudit | None = None,
    present: Callable[[str], bool] | None = None,
) -> Audit:
    """Audit the export behind ``get`` (:func:`lottery.core.audit.audit_export`), going on
    from ``prior`` when given (docs/verifier.md "Incremental runs"; with ``present``, a
    listing of the published blobs, the sealed blobs ``prior`` checked are not read again).

    Raises:
        InputError: when the export has no checkpoint.
    """
    try:
        origin = checkpoint_origin(get("checkpoint"))
    except KeyError as exc:
        raise InputError(_say(lang, "no checkpoint in the export", "公开数据中没有检查点")) from exc
    report = audit_export(
        get,
        verifiers,
        origin=origin,
        task=task,
        witnesses=policy,
        deadlines=True,
        workers=workers,
        prior=prior,
        present=present,
    )
    return Audit(report, origin, pinned, policy, prior)


def state_keys(
    state: AuditState, keys: list[str], origin: str, lang: str = "en"
) -> tuple[list[NoteVerifier], bool]:
    """The keys of a run that goes on from ``state``: the state's own; ``--key`` may only
    repeat them (a state is of one log, verified with one set of keys).

    Raises:
        InputError: when the state is of another log or ``--key`` names other keys.
    """
    if state.origin != origin:
        raise InputError(
            _say(
                lang,
                f"the state file is for log {state.origin!r}, not {origin!r}",
                f"状态文件属于日志 {state.origin!r}，而不是 {origin!r}",
            )
        )
    given = _key_lines(keys)
    if given and set(given) != set(state.keys):
        raise InputError(
            _say(
                lang,
                "--key differs from the keys in the state file; start a new state file to "
                "verify with other keys",
                "--key 与状态文件中的公钥不同；如要用其他公钥核验，请另用一个新的状态文件",
            )
        )
    return [NoteVerifier.from_vkey(k) for k in state.keys], state.pinned or bool(given)
