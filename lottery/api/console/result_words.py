"""The results service's refusals in Chinese, each with the form field it belongs to.

``ResultsService`` names what is wrong in English (the JSON API shows it as is); the console
shows a Chinese sentence next to the field: the first fragment of the message found below
decides. A refusal matched by none is shown above the form with the class's sentence.
"""

from __future__ import annotations

from lottery.api.result_messages import NAMED, worded_by_message
from lottery.core.errors import LotteryError
from lottery.service.results import ResultError, SubstituteError

from . import words


def result_error_zh(exc: LotteryError) -> tuple[str, str]:
    """(field, Chinese sentence) of a refusal by the results service; field "" = the form."""
    if isinstance(exc, ResultError):
        message = str(exc)
        named = NAMED.match(message)  # the on-site record's Chinese refusals name their field
        if named:
            return named[1], named[2]
        worded = worded_by_message(message)
        if worded:
            return worded
        if isinstance(exc, SubstituteError):
            return "inspectors", "替补人员不符合要求"
    return "", words.error_zh(exc)
