"""Beacons: the public randomness a task announcement commits to, and what was observed.

A :class:`BeaconSpec` is fixed in the task announcement, before the randomness exists:

- a primary :class:`DrandBeacon`: round ``round`` of a pinned drand chain and a ``deadline``.
  Missing-beacon rule: if that round has not been produced by the deadline, the draw uses the
  fallback; a valid round-``round`` signature found later shows the fallback was wrongly used
  (:func:`primary_round_exists`);
- or a :class:`PublicNumbersBeacon`: numbers of named public draws on ``draw_date`` (lottery
  results...), entered by staff after the draw and turned into an RFC 3797 key string.

At draw time the observed value is recorded as a :class:`DrandValue` or a
:class:`PublicNumbersValue`. :func:`beacon_value_bytes` gives the 32 bytes that enter the seed:
the drand randomness ``SHA-256(signature)``, or ``SHA-256(UTF-8(key string))``.
:func:`verify_beacon_value` re-checks a recorded value against the announced spec.

Every ``to_dict`` holds only str, int, list and dict values (no floats, no nulls).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any, ClassVar, Self

from . import drand, rfc3797
from .canonical import JSONValue, check_date, parse_time, sha256
from .errors import EncodingError, InputError, VerificationError

MAX_SOURCES = 16
"""RFC 3797's reference code reads at most 16 sources of at most 16 integers each."""

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}\Z")
_HEX = re.compile(r"^(?:[0-9a-f]{2})+\Z")
_HASH = re.compile(r"^[0-9a-f]{64}\Z")
_MAX_INT = 2**53 - 1


class _FieldError(EncodingError):
    """A bad field; ``from_dict`` re-raises it with the field's full path."""

    def __init__(self, prefix: str, field: str, problem: str) -> None:
        super().__init__(f"{prefix}.{field} {problem}")
        self.field = field
        self.problem = problem


def _obj(value: Any, where: str, keys: set[str], optional: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise EncodingError(f"{where} must be an object")
    missing = sorted(keys - optional - set(value))
    if missing:
        raise EncodingError(f"{where}.{missing[0]} is missing")
    unknown = sorted(set(value) - keys)
    if unknown:
        raise EncodingError(f"{where}.{unknown[0]} is not a known field")
    return value


def _encode(value: Any) -> JSONValue:
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, tuple):
        return [_encode(item) for item in value]
    if isinstance(value, _Record):
        return value.to_dict()
    result: JSONValue = value
    return result


class _Record:
    """Shared ``to_dict``/``from_dict`` of the frozen dataclasses below.

    ``KEYS`` are the dict keys in field order; ``KIND`` (when set) is a ``"kind"`` entry
    that must match; bytes travel as lower-case hex and tuples as lists.
    """

    KIND: ClassVar[str] = ""
    KEYS: ClassVar[tuple[str, ...]] = ()
    OPTIONAL: ClassVar[frozenset[str]] = frozenset()
    WHERE: ClassVar[str] = "beacon"

    def to_dict(self) -> dict[str, JSONValue]:
        """The JSON-able form (only str, int, list, dict); None fields are left out."""
        result: dict[str, JSONValue] = {"kind": self.KIND} if self.KIND else {}
        for key, field in zip(self.KEYS, fields(self), strict=True):  # type: ignore[arg-type]
            value = getattr(self, field.name)
            if value is not None:
                result[key] = _encode(value)
        return result

    @classmethod
    def from_dict(cls, value: Any, where: str = "") -> Self:
        """Parse :meth:`to_dict` output.

        Raises:
            EncodingError: naming the first missing, unknown or malformed field.
        """
        where = where or cls.WHERE
        keys = set(cls.KEYS) | ({"kind"} if cls.KIND else set())
        obj = _obj(value, where, keys, set(cls.OPTIONAL))
        if cls.KIND and obj["kind"] != cls.KIND:
            raise EncodingError(f"{where}.kind must be {cls.KIND!r}")
        args = [cls._decode(k, obj[k], f"{where}.{k}") if k in obj else None for k in cls.KEYS]
        try:
            return cls(*args)
        except _FieldError as exc:
            raise EncodingError(f"{where}.{exc.field} {exc.problem}") from exc

    @classmethod
    def _decode(cls, key: str, value: Any, where: str) -> Any:
        return value


def _text(value: Any, prefix: str, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _FieldError(prefix, field, "must be a non-empty string")
    return value


def _int(value: Any, prefix: str, field: str, low: int = 1, high: int = _MAX_INT) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise _FieldError(prefix, field, f"must be an integer in [{low}, {high}]")
    return value


def _hex(value: Any, where: str, length: int) -> bytes:
    if not isinstance(value, str) or not _HEX.match(value) or len(value) != 2 * length:
        raise EncodingError(f"{where} must be {length} bytes of lower-case hex")
    return bytes.fromhex(value)


@dataclass(frozen=True)
class DrandBeacon(_Record):
    """Round ``round`` of drand chain ``chain``; the fallback applies from ``deadline`` on.

    Dict form: ``{"kind": "drand", "chain", "chain_hash", "round", "deadline"}``.
    """

    KIND: ClassVar[str] = "drand"
    KEYS: ClassVar[tuple[str, ...]] = ("chain", "chain_hash", "round", "deadline")

    chain: str
    chain_hash_hex: str
    round: int
    deadline: str

    def __post_init__(self) -> None:
        if not isinstance(self.chain, str) or not _NAME.match(self.chain):
            raise _FieldError("beacon", "chain", "must be a chain name like 'quicknet'")
        if not isinstance(self.chain_hash_hex, str) or not _HASH.match(self.chain_hash_hex):
            raise _FieldError("beacon", "chain_hash", "must be 32 bytes of lower-case hex")
        _int(self.round, "beacon", "round")
        try:
            parse_time(self.deadline)
        except EncodingError as exc:
            raise _FieldError("beacon", "deadline", "must be an RFC 3339 UTC time") from exc

    def chain_info(self) -> drand.ChainInfo:
        """The pinned chain this beacon names.

        Raises:
            InputError: for an unknown chain, or a chain hash that is not the pinned one.
        """
        info = drand.CHAINS.get(self.chain)
        if info is None:
            known = ", ".join(drand.CHAINS)
            raise InputError(f"unknown drand chain {self.chain!r}; known chains: {known}")
        if info.chain_hash.hex() != self.chain_hash_hex:
            raise InputError(f"{self.chain_hash_hex} is not the chain hash of {self.chain}")
        return info

    def due_time(self) -> datetime:
        """When the round is scheduled (UTC).

        Raises:
            InputError: for an unknown chain.
        """
        return datetime.fromtimestamp(drand.round_time(self.chain_info(), self.round), UTC)

    def deadline_passed(self, now: datetime) -> bool:
        """True once ``now`` is at or after the deadline (the fallback may then be used)."""
        return now >= parse_time(self.deadline)


@dataclass(frozen=True)
class NumberSource(_Record):
    """One public draw feeding an RFC 3797 key string.

    Attributes:
        name: what the source is, e.g. ``"双色球 红球"``.
        announced_draw: which draw, e.g. ``"中国福利彩票 双色球 2026140期"``.
        kind: ``"number"`` (one integer) or ``"set"`` (several; RFC 3797 sorts them).
        count: how many integers the source yields (1 for ``"number"``).
    """

    KEYS: ClassVar[tuple[str, ...]] = ("name", "announced_draw", "kind", "count")
    WHERE: ClassVar[str] = "source"

    name: str
    announced_draw: str
    kind: str
    count: int

    def __post_init__(self) -> None:
        _text(self.name, "source", "name")
        _text(self.announced_draw, "source", "announced_draw")
        if self.kind not in ("number", "set"):
            raise _FieldError("source", "kind", "must be 'number' or 'set'")
        _int(self.count, "source", "count", 1, 1 if self.kind == "number" else MAX_SOURCES)


@dataclass(frozen=True)
class PublicNumbersBeacon(_Record):
    """Numbers of the public draws held on ``draw_date``, entered by staff after the draw.

    Dict form: ``{"kind": "public-numbers", "description", "sources": [...], "draw_date"}``.
    """

    KIND: ClassVar[str] = "public-numbers"
    KEYS: ClassVar[tuple[str, ...]] = ("description", "sources", "draw_date")

    description: str
    sources: tuple[NumberSource, ...]
    draw_date: str

    def __post_init__(self) -> None:
        _text(self.description, "beacon", "description")
        if not isinstance(self.sources, tuple) or not 1 <= len(self.sources) <= MAX_SOURCES:
            raise _FieldError("beacon", "sources", f"must hold 1 to {MAX_SOURCES} sources")
        if not all(isinstance(s, NumberSource) for s in self.sources):
            raise _FieldError("beacon", "sources", "must hold NumberSource values")
        try:
            check_date(self.draw_date)
        except EncodingError as exc:
            raise _FieldError("beacon", "draw_date", "must be a date YYYY-MM-DD") from exc

    @classmethod
    def _decode(cls, key: str, value: Any, where: str) -> Any:
        if key != "sources":
            return value
        if not isinstance(value, list):
            raise EncodingError(f"{where} must be a list")
        return tuple(NumberSource.from_dict(s, f"{where}[{i}]") for i, s in enumerate(value))

    def shape_problem(self, values: Sequence[Sequence[int]]) -> str | None:
        """Why ``values`` (one sequence per source) do not fit the sources, or None."""
        if len(values) != len(self.sources):
            return f"{len(values)} sources given, {len(self.sources)} announced"
        for i, (source, numbers) in enumerate(zip(self.sources, values, strict=True), start=1):
            if len(numbers) != source.count:
                return f"source {i} ({source.name}) has {len(numbers)} values, not {source.count}"
        return None

    def key_string(self, values: Sequence[Sequence[int]]) -> str:
        """The RFC 3797 key string of the observed ``values``, one sequence per source.

        Raises:
            InputError: when the values do not fit the announced sources or are not
                non-negative integers.
        """
        problem = self.shape_problem(values)
        if problem is not None:
            raise InputError(problem)
        return rfc3797.key_string(values)


Beacon = DrandBeacon | PublicNumbersBeacon


@dataclass(frozen=True)
class BeaconSpec(_Record):
    """The beacon part of a task announcement: ``{"primary": {...}, "fallback": {...}}``.

    A fallback (optional, left out of the dict when None) is only allowed behind a drand
    primary, whose deadline makes "missing" a public, mechanical fact. Behind a public-numbers
    primary, falling back would be a choice the office could make after seeing the numbers.
    """

    KEYS: ClassVar[tuple[str, ...]] = ("primary", "fallback")
    OPTIONAL: ClassVar[frozenset[str]] = frozenset({"fallback"})

    primary: Beacon
    fallback: PublicNumbersBeacon | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.primary, DrandBeacon | PublicNumbersBeacon):
            raise _FieldError("beacon", "primary", "must be a drand or public-numbers beacon")
        if self.fallback is not None:
            if not isinstance(self.fallback, PublicNumbersBeacon):
                raise _FieldError("beacon", "fallback", "must be a public-numbers beacon")
            if not isinstance(self.primary, DrandBeacon):
                raise _FieldError("beacon", "fallback", "is only allowed behind a drand primary")

    @classmethod
    def _decode(cls, key: str, value: Any, where: str) -> Any:
        kind = value.get("kind") if isinstance(value, dict) else None
        if key == "primary" and kind == "drand":
            return DrandBeacon.from_dict(value, where)
        if key == "fallback" or kind == "public-numbers":
            return PublicNumbersBeacon.from_dict(value, where)
        raise EncodingError(f"{where}.kind must be 'drand' or 'public-numbers'")

    def check_schedule(self, announced_at: datetime) -> None:
        """Check, for an announcement made at ``announced_at``, that no beacon value exists yet.

        drand: the round is due after ``announced_at`` and before the deadline. Public numbers:
        the draw date is after the announcement's UTC date. A fallback draw is on or after the
        deadline's UTC date, so its numbers are unknown while the primary may still come.

        Raises:
            InputError: naming the beacon that is not in the future.
        """
        primary = self.primary
        if isinstance(primary, PublicNumbersBeacon):
            if primary.draw_date <= announced_at.astimezone(UTC).date().isoformat():
                raise InputError("the public draw must be after the announcement date")
            return
        due = primary.due_time()
        if due <= announced_at:
            raise InputError(f"drand round {primary.round} is not in the future")
        if parse_time(primary.deadline) <= due:
            raise InputError("the drand deadline must be after the round is due")
        if self.fallback is not None and self.fallback.draw_date < primary.deadline[:10]:
            raise InputError("the fallback draw must not be before the drand deadline")


@dataclass(frozen=True)
class DrandValue(_Record):
    """An observed drand round; ``randomness`` must be ``SHA-256(signature)``.

    Dict form: ``{"kind": "drand", "chain", "round", "signature": hex, "randomness": hex}``.
    """

    KIND: ClassVar[str] = "drand"
    KEYS: ClassVar[tuple[str, ...]] = ("chain", "round", "signature", "randomness")
    WHERE: ClassVar[str] = "beacon_value"

    chain: str
    round: int
    signature: bytes
    randomness: bytes

    def __post_init__(self) -> None:
        _text(self.chain, "beacon_value", "chain")
        _int(self.round, "beacon_value", "round")
        for field in ("signature", "randomness"):
            if not isinstance(getattr(self, field), bytes):
                raise _FieldError("beacon_value", field, "must be bytes")

    @classmethod
    def _decode(cls, key: str, value: Any, where: str) -> Any:
        if key == "signature":
            return _hex(value, where, drand.SIGNATURE_LENGTH)
        return _hex(value, where, 32) if key == "randomness" else value

    @classmethod
    def from_signature(cls, chain: str, round: int, signature: bytes) -> DrandValue:
        """The value for a fetched signature (not verified here)."""
        return cls(chain, round, signature, sha256(signature))


@dataclass(frozen=True)
class PublicNumbersValue(_Record):
    """Observed public numbers, one tuple per announced source, and their key string.

    Dict form: ``{"kind": "public-numbers", "key_string", "values": [[...], ...]}``.
    """

    KIND: ClassVar[str] = "public-numbers"
    KEYS: ClassVar[tuple[str, ...]] = ("key_string", "values")
    WHERE: ClassVar[str] = "beacon_value"

    key_string: str
    values: tuple[tuple[int, ...], ...]

    def __post_init__(self) -> None:
        _text(self.key_string, "beacon_value", "key_string")
        if not isinstance(self.values, tuple) or not self.values:
            raise _FieldError("beacon_value", "values", "must be a non-empty tuple")
        for i, numbers in enumerate(self.values):
            if not isinstance(numbers, tuple) or not numbers:
                raise _FieldError("beacon_value", f"values[{i}]", "must be a non-empty tuple")
            for number in numbers:
                _int(number, "beacon_value", f"values[{i}]", 0)

    @classmethod
    def _decode(cls, key: str, value: Any, where: str) -> Any:
        if key != "values":
            return value
        if not isinstance(value, list) or not all(isinstance(v, list) for v in value):
            raise EncodingError(f"{where} must be a list of lists of integers")
        return tuple(tuple(v) for v in value)

    @classmethod
    def from_values(cls, values: Sequence[Sequence[int]]) -> PublicNumbersValue:
        """The value for numbers entered by staff (key string computed here).

        Raises:
            InputError: for values that are not non-negative integers.
        """
        frozen = tuple(tuple(v) for v in values)
        return cls(rfc3797.key_string(frozen), frozen)


BeaconValue = DrandValue | PublicNumbersValue


def beacon_value_from_dict(value: Any) -> BeaconValue:
    """Parse a recorded beacon value by its ``kind``.

    Raises:
        EncodingError: naming the first bad field.
    """
    kind = value.get("kind") if isinstance(value, dict) else None
    if kind == "drand":
        return DrandValue.from_dict(value)
    if kind == "public-numbers":
        return PublicNumbersValue.from_dict(value)
    raise EncodingError("beacon_value.kind must be 'drand' or 'public-numbers'")


def beacon_value_bytes(value: BeaconValue) -> bytes:
    """The 32 bytes that enter the seed.

    drand: ``SHA-256(signature)``, which must equal the recorded randomness. Public numbers:
    ``SHA-256(UTF-8(key string))``, where the key string must be the RFC 3797 key string of
    the recorded values. No BLS check here: see :func:`verify_beacon_value`.

    Raises:
        VerificationError: ``beacon`` when the value is inconsistent with itself.
    """
    if isinstance(value, DrandValue):
        randomness = sha256(value.signature)
        if value.randomness != randomness:
            raise _fail("drand randomness is not SHA-256 of the signature")
        return randomness
    expected = rfc3797.key_string(value.values)  # values are checked non-negative integers
    if value.key_string != expected:
        detail = f"recorded {value.key_string!r}, the values give {expected!r}"
        raise _fail(f"key string mismatch: {detail}")
    return sha256(value.key_string.encode("utf-8"))


def verify_beacon_value(
    spec: BeaconSpec, value: BeaconValue, *, used_fallback: bool, drawn_at: datetime | None = None
) -> bytes:
    """Re-verify a recorded beacon value against the announced spec; return its 32 bytes.

    drand: the chain and its pinned hash, exactly the announced round, the BLS signature and
    the randomness. Public numbers: the number of sources and of values in each, and the key
    string. With ``used_fallback`` the fallback is checked instead, and when ``drawn_at`` is
    given the draw must not precede the drand deadline.

    Raises:
        VerificationError: ``beacon``, naming what is wrong.
    """
    target: Beacon = spec.primary
    if used_fallback:
        primary = spec.primary
        if spec.fallback is None or not isinstance(primary, DrandBeacon):
            raise _fail("the fallback was used but none was announced")
        if drawn_at is not None and not primary.deadline_passed(drawn_at):
            raise _fail(f"fallback used before the deadline {primary.deadline}")
        target = spec.fallback
    if isinstance(target, PublicNumbersBeacon):
        if not isinstance(value, PublicNumbersValue):
            raise _fail("public numbers were announced, got a drand value")
        problem = target.shape_problem(value.values)
        if problem is not None:
            raise _fail(f"values do not fit the announced sources: {problem}")
        return beacon_value_bytes(value)
    if not isinstance(value, DrandValue):
        raise _fail("a drand value was announced, got public numbers")
    if value.chain != target.chain:
        raise _fail(f"wrong chain: announced {target.chain}, got {value.chain}")
    try:
        chain = target.chain_info()
    except InputError as exc:
        raise _fail(f"wrong chain hash: {exc}") from exc
    if value.round != target.round:
        raise _fail(f"wrong round: announced {target.round}, got {value.round}")
    try:
        drand.verify_round(chain, value.round, value.signature)
    except VerificationError as exc:
        raise _fail(f"bad drand signature: {exc.detail}") from exc
    return beacon_value_bytes(value)


def _fail(detail: str) -> VerificationError:
    return VerificationError("beacon", detail)


def primary_round_exists(spec: BeaconSpec, signature: bytes) -> bool:
    """True when ``signature`` is a valid signature of the announced drand round.

    Evidence against a draw that used the fallback: the round called missing exists.

    Raises:
        InputError: when the primary is not a drand beacon or names an unknown chain.
    """
    primary = spec.primary
    if not isinstance(primary, DrandBeacon):
        raise InputError("the primary beacon is not a drand beacon")
    try:
        drand.verify_round(primary.chain_info(), primary.round, signature)
    except VerificationError:
        return False
    return True
