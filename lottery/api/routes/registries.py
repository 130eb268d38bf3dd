"""Registries: all-or-nothing uploads, staff exports, public snapshots (R1-R3)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path as FsPath
from typing import Annotated, Any, BinaryIO, Literal, TypeVar

from fastapi import APIRouter, Depends, File, Path, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from lottery import registry_io as rio
from lottery.api.deps import NowDep, RemoteAddr, ServiceDep, require
from lottery.api.schemas import (
    ERROR_RESPONSES,
    SPREADSHEET_MEDIA,
    ErrorBody,
    ImportCheckSummary,
    ImportRejectedBody,
    ImportSummary,
    RecordPublic,
    Strict,
    rejected_import,
)
from lottery.api.upload_limit import UploadLimitRoute
from lottery.api.upload_limit import too_large_response as _too_large
from lottery.core.errors import EncodingError, InputError
from lottery.core.risk_rules import RiskRules, label_problem, parse_risk_rules
from lottery.service import committed_pool, registries, registry_view
from lottery.service.publication_review import parse_publication_rules, rules_in_force
from lottery.service.risk_policy import current_rules, current_version
from lottery.service.roles import Perm
from lottery.service.users import StaffUser

router = APIRouter(prefix="/api/registries", tags=["registries"], responses=ERROR_RESPONSES)
Reader = Annotated[StaffUser, Depends(require(Perm.REGISTRY_READ))]
Writer = Annotated[StaffUser, Depends(require(Perm.REGISTRY_WRITE))]
Kind = Annotated[
    Literal["targets", "inspectors", "items", "org-units", "conflicts", "history"], Path()
]
SnapshotKind = Annotated[Literal["targets", "inspectors", "org-units"], Path()]


def _over_limit(kind: str, file: UploadFile) -> JSONResponse | None:
    # The upload arrived under the limit (UploadLimitRoute) into a spooled temporary file:
    # on disk beyond 1 MB, and parsed from there as a stream, never read whole.
    size = file.size
    if size is None:
        size = file.file.seek(0, os.SEEK_END)
    return _too_large(kind, size) if size > rio.limits_for(kind).max_bytes else None


Upload = Annotated[UploadFile, File(description="CSV (UTF-8, UTF-8 BOM, GBK) or XLSX")]
T = TypeVar("T")


def _read_upload(kind: str, file: UploadFile, read: Callable[[BinaryIO], T]) -> T | JSONResponse:
    """``read(file)`` (the service's import or check of the upload), or the refusal: 413 over
    the kind's size limit, 422 with the first bad rows when the file is rejected."""
    refused = _over_limit(kind, file)
    if refused is not None:
        return refused
    try:
        return read(file.file)
    except registries.ImportRejected as exc:
        return rejected_import(exc)


def _upload_route(path: str, endpoint: Callable[..., Any], model: type[BaseModel]) -> None:
    router.add_api_route(
        path,
        endpoint,
        methods=["POST"],
        response_model=model,
        responses={
            413: {"model": ErrorBody, "description": "the file is over the kind's size limit"},
            422: {"model": ImportRejectedBody, "description": "rejected: the first bad rows"},
        },
        route_class_override=UploadLimitRoute,
    )


def import_file(
    kind: Kind, file: Upload, user: Writer, service: ServiceDep, now: NowDep, addr: RemoteAddr
) -> ImportSummary | JSONResponse:
    """Import a registry file: every row is written, or nothing and the first bad rows listed
    (with the total). A file over the kind's size limit is refused with 413."""
    result = _read_upload(
        kind,
        file,
        lambda data: registries.import_registry(
            service, kind, data, actor=user.name, now=now, remote_addr=addr
        ),
    )
    return result if isinstance(result, JSONResponse) else ImportSummary.of(result)


_upload_route("/{kind}/import", import_file, ImportSummary)


def check_file(
    kind: Kind, file: Upload, _: Writer, service: ServiceDep, now: NowDep
) -> ImportCheckSummary | JSONResponse:
    """Check a registry file as an import would, and say what the import would change now;
    nothing is written (no row, record or audit event). Errors and limits as the import's."""
    check = _read_upload(
        kind, file, lambda data: registries.check_registry(service, kind, data, now=now)
    )
    return check if isinstance(check, JSONResponse) else ImportCheckSummary.of(check)


_upload_route("/{kind}/check", check_file, ImportCheckSummary)


@router.get(
    "/{kind}/export",
    response_class=Response,
    responses={200: {"content": {SPREADSHEET_MEDIA["csv"]: {}, SPREADSHEET_MEDIA["xlsx"]: {}}}},
)
def export_file(
    kind: Kind, _: Reader, service: ServiceDep, format: Literal["csv", "xlsx"] = "xlsx"
) -> Response:
    """Download a registry (with private columns, for staff) as CSV or XLSX."""
    with tempfile.TemporaryDirectory() as tmp:
        out = FsPath(tmp) / f"{kind}.{format}"
        registry_view.export_registry(service, kind, out)
        data = out.read_bytes()
    headers = {"Content-Disposition": f'attachment; filename="{kind}.{format}"'}
    return Response(data, media_type=SPREADSHEET_MEDIA[format], headers=headers)


@router.post("/{registry}/snapshot", response_model=RecordPublic)
def publish_snapshot(
    registry: SnapshotKind, user: Writer, service: ServiceDep, now: NowDep, addr: RemoteAddr
) -> RecordPublic:
    """Publish the registry's public fields (a blob and a record; unchanged: the last one)."""
    record = registry_view.publish_snapshot(
        service, registry, actor=user.name, now=now, remote_addr=addr
    )
    return RecordPublic.of(record)


class RiskRuleBody(BaseModel):
    """One rule: a target whose ``when`` count is at least ``at_least`` is in class ``to``."""

    when: Literal["complaints", "bad_records", "serious_violation"]
    at_least: int
    to: Literal["A", "B", "C", "D"]


class RiskRulesBody(BaseModel):
    """The item list's risk rules (docs/spec.md section 4, "Risk rules")."""

    model_config = {"extra": "forbid"}

    raise_: list[RiskRuleBody] = Field(default_factory=list, alias="raise")
    uncapped: list[Literal["A", "B", "C", "D"]] = Field(default_factory=list)
    key_items_uncapped: bool = False
    # The office's own words for the classes (e.g. 河南's 低/中/中高/高); absent: standard.
    labels: dict[Literal["A", "B", "C", "D"], str] | None = None

    def rules(self) -> RiskRules:
        """The rules, checked as the record schema checks them.

        Raises:
            InputError: naming the field that is wrong.
        """
        data = {
            "raise": [r.model_dump() for r in self.raise_],
            "uncapped": list(self.uncapped),
            "key_items_uncapped": self.key_items_uncapped,
        }
        if self.labels:
            for code, label in sorted(self.labels.items()):
                problem = label_problem(label, zh=True)
                if problem is not None:
                    raise InputError(f"字段「labels.{code}」：风险等级名称{problem}")
            if len(set(self.labels.values())) != len(self.labels):
                raise InputError("字段「labels」：两个风险等级不能使用同一名称")
            data["labels"] = dict(self.labels)
        try:
            return parse_risk_rules(data)
        except EncodingError as exc:
            raise InputError(f"字段「risk_rules」：{exc}") from exc


class RiskRulesView(RiskRulesBody):
    """The rules in force, with each in plain Chinese."""

    version: int | None
    words: list[str]


@router.get("/items/risk-rules", response_model=RiskRulesView, response_model_by_alias=True)
def get_risk_rules(_: Reader, service: ServiceDep) -> RiskRulesView:
    """The risk rules of the latest item-list version (none: an empty rule set)."""
    with service.session() as session:
        rules = current_rules(session)
        version = current_version(session)
    return RiskRulesView.model_validate(
        {**rules.to_json(), "version": version, "words": rules.zh_lines()}
    )


@router.put("/items/risk-rules", response_model=RecordPublic)
def put_risk_rules(
    body: RiskRulesBody, user: Writer, service: ServiceDep, now: NowDep, addr: RemoteAddr
) -> RecordPublic:
    """Publish the next item-list version: the same items with these risk rules."""
    record = registries.set_risk_rules(
        service, body.rules(), actor=user.name, now=now, remote_addr=addr
    )
    return RecordPublic.of(record)


class PublicationRulesBody(Strict):
    """The publication rules of the next item-list version (docs/spec.md §2.3): each
    ``{id, record, field, action, reason, when?}``; an empty list removes them."""

    rules: list[dict[str, Any]] = Field(default_factory=list, max_length=100)


class PublicationRulesView(BaseModel):
    """The publication rules in force, each with its words."""

    version: int | None
    rules: list[dict[str, Any]]
    words: list[str]


@router.get("/items/publication-rules", response_model=PublicationRulesView)
def get_publication_rules(_: Reader, service: ServiceDep) -> PublicationRulesView:
    """The publication rules of the latest item-list version (none: an empty list)."""
    with service.session() as session:
        rules = rules_in_force(session, service.log)
        version = current_version(session)
    return PublicationRulesView(
        version=version,
        rules=[r.to_json() for r in rules],
        words=[f"{r.id}：{r.zh()}。理由：{r.reason}" for r in rules],
    )


@router.put("/items/publication-rules", response_model=RecordPublic)
def put_publication_rules(
    body: PublicationRulesBody, user: Writer, service: ServiceDep, now: NowDep, addr: RemoteAddr
) -> RecordPublic:
    """Publish the next item-list version: the same items with these publication rules."""
    rules = parse_publication_rules(body.rules)
    record = registries.set_publication_rules(
        service, rules, actor=user.name, now=now, remote_addr=addr
    )
    return RecordPublic.of(record)


class WithheldTypes(BaseModel):
    """The target types whose targets are published as salted commitments, only the picks
    opened (docs/spec.md §4 "Committed pools"): codes, and their Chinese labels."""

    types: list[str]
    labels: list[str]


class WithheldTypeBody(BaseModel):
    """Withhold a target type's identity (``withheld: false``: name its targets again)."""

    model_config = {"extra": "forbid"}

    type: str = Field(min_length=1, max_length=64, description="code or Chinese label")
    withheld: bool = True


def _withheld_view(codes: list[str]) -> WithheldTypes:
    return WithheldTypes(types=codes, labels=[committed_pool.TYPE_LABELS[c] for c in codes])


@router.get("/targets/withheld-types", response_model=WithheldTypes)
def get_withheld_types(_: Reader, service: ServiceDep) -> WithheldTypes:
    """The target types published as commitments (from the next snapshot and announcement)."""
    with service.session() as session:
        return _withheld_view(sorted(committed_pool.withheld_types(session)))


@router.put("/targets/withheld-types", response_model=WithheldTypes)
def put_withheld_type(
    body: WithheldTypeBody, user: Writer, service: ServiceDep, now: NowDep
) -> WithheldTypes:
    """Withhold (or name again) one target type's identity; the withheld types now."""
    codes = committed_pool.withhold_type(
        service, body.type, body.withheld, actor=user.name, now=now
    )
    return _withheld_view(codes)
