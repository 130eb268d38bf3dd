"""Evidence files of a result, downloaded from the console (result.review, or the result's own
inspectors through result.enter).

The rules are the service's (``ResultsService.download_evidence``): a reviewer reads every
result's files, an inspector only those of a result of their team; a result whose sealed
content was withdrawn gives a Chinese 410 page; each download is an audit event. The response
headers are :mod:`.download`'s.
"""

from __future__ import annotations

import re

from fastapi import APIRouter
from fastapi.responses import Response

from lottery.api.deps import NowDep, RemoteAddr, ServiceDep
from lottery.api.digits import row_id
from lottery.service import users
from lottery.service.lifecycle import Lifecycle
from lottery.service.results import (
    ContentWithdrawn,
    NotAssigned,
    ResultNotFound,
    ResultsService,
)
from lottery.service.roles import Perm

from .download import download_response
from .render import page
from .session import ConsoleUser, Refused, User

router = APIRouter(prefix="/console", include_in_schema=False)
_SHA256 = re.compile(r"[0-9a-f]{64}")


def reader_inspector(service: Lifecycle, user: ConsoleUser) -> tuple[bool, str | None]:
    """(may read any result, the user's inspector id): a reviewer reads every result's
    content; otherwise the account's inspector reads their own team's (None: no link).

    Raises:
        Refused: for a user with neither result.review nor result.enter.
    """
    if user.can(Perm.RESULT_REVIEW):
        return True, None
    if user.can(Perm.RESULT_ENTER):
        return False, users.inspector_of(service, user.name)
    raise Refused(user, Perm.RESULT_REVIEW)


def _message(user: ConsoleUser, status: int, heading: str, message: str) -> Response:
    back = "/console/review" if user.can(Perm.RESULT_REVIEW) else "/console/my"
    return page(
        "message.html",
        user=user,
        status=status,
        heading=heading,
        message=message,
        back=back,
        back_label="返回",
    )


@router.get("/results/{result_id}/evidence/{sha256}", response_model=None)
def download(
    result_id: str,
    sha256: str,
    user: User,
    service: ServiceDep,
    now: NowDep,
    addr: RemoteAddr,
) -> Response:
    """One evidence file of a result, as an attachment; audited."""
    everyone, inspector = reader_inspector(service, user)
    missing = _message(user, 404, "找不到这个证据文件", "找不到这个证据文件：地址可能有误。")
    number = row_id(result_id)
    if number is None or not _SHA256.fullmatch(sha256):
        return missing
    if not everyone and inspector is None:
        return _message(
            user,
            403,
            "不能下载证据文件",
            "您的账号尚未关联执法检查人员编号，只能下载本人所在检查组的检查结果的证据文件。",
        )
    results = ResultsService(service.engine, service.log, service.keeper)
    try:
        file = results.download_evidence(
            int(result_id), sha256, now, actor=user.name, as_inspector=inspector, remote_addr=addr
        )
    except ContentWithdrawn:
        return _message(
            user,
            410,
            "证据文件已随检查结果内容撤回",
            "这条检查结果的内容（发现的问题、后续处理和证据文件）已经撤回，证据文件不再提供下载。",
        )
    except NotAssigned:
        return _message(
            user,
            403,
            "不能下载证据文件",
            "这条检查结果不属于您所在的检查组，不能下载它的证据文件。",
        )
    except ResultNotFound:
        return missing
    return download_response(file.name, file.data)
