"""The one rendering layer of the public site: escaping and the Jinja2 templates.

Every page the publisher writes is a template in ``publisher/templates/`` rendered by
:func:`render`. The environment escapes every value a template outputs, by default, with
:func:`escape`: safe as Markdown *and* as HTML at once (HTML-escaped, Markdown specials as
numeric character references, on one line, characters that could hide or reorder text shown
as visible ``[U+XXXX]`` markers). Only :class:`markupsafe.Markup` passes unescaped, and only
the publisher's own helpers (:func:`link`, :func:`code`, the table macro) make it, from parts
they escaped themselves. So a record's text, whatever it holds, is inert on the page.

Records published before the service refused such characters (lottery/core/text_safety.py)
cannot change; this layer is what makes them safe to show (docs/security.md, "Public site and
console").
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup
from markupsafe import escape as html_escape

from lottery.core.canonical import CHINA_STANDARD_TIME, parse_time
from lottery.core.errors import EncodingError
from lottery.core.text_safety import classify
from publisher.check_words import check_zh

TEMPLATES = Path(__file__).resolve().parent / "templates"
# One numeric reference per character that means something in HTML (&, <, >, quotes) or in
# Markdown (backslash, code, emphasis, links, table cells, headings). A reference is plain
# text in both: Markdown never parses it as syntax and HTML shows the character.
_ENTITIES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"}
    | {c: f"&#{ord(c)};" for c in "\\`*_[]|#"}
)
# A URL scheme at the start of an href; only these may become links.
_SCHEME = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.\-]*):")
_SAFE_SCHEMES = {"http", "https"}


def visible(text: str) -> str:
    """``text`` with every control, bidi, surrogate or noncharacter shown as ``[U+XXXX]``.

    A bidi override in a published title would otherwise reorder what the reader sees
    ("Trojan Source"); a NUL or other control breaks XML and Markdown's own placeholders.
    The marker keeps the record's content readable and honest instead of silently dropping it.
    """
    if text.isprintable():  # the common case, and fast
        return text
    return "".join(
        f"[U+{ord(ch):04X}]" if not ch.isprintable() and classify(ch, multiline=False) else ch
        for ch in text
    )


def plain(value: Any) -> str:
    """A value as one line of visible text: JSON for non-strings, whitespace collapsed."""
    if type(value) is str and _as_is(value):  # the common case (a page has hundreds)
        return value
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return visible(" ".join(text.split()))


def escape(value: Any) -> Markup:
    """A value as text safe in Markdown and in HTML (element content or quoted attribute)."""
    if isinstance(value, Markup):
        return value
    return Markup(plain(value).translate(_ENTITIES))  # noqa: S704 - escaped here


def _as_is(text: str) -> bool:
    """Whether :func:`plain` leaves ``text`` as it is: printable (so its only white space is
    U+0020, and nothing to mark), no space at either end, none doubled."""
    return text.isprintable() and text[:1] != " " and text[-1:] != " " and "  " not in text


def safe_href(href: str) -> str | None:
    """``href`` percent-encoded for an attribute, or ``None`` when it must not be a link.

    Relative URLs and http(s) pass; ``javascript:``, ``data:`` and every other scheme are
    refused (browsers drop tabs, newlines and leading spaces from a URL, so they go first).
    """
    cleaned = "".join(ch for ch in href.strip() if ch.isprintable())
    match = _SCHEME.match(cleaned)
    if match and match.group(1).lower() not in _SAFE_SCHEMES:
        return None
    return quote(cleaned, safe="/:?#@!$&'()*+,;=%-._~")


def link(text: Any, href: str) -> Markup:
    """An HTML link; a refused ``href`` (see :func:`safe_href`) leaves the text alone."""
    target = safe_href(href)
    if target is None:
        return escape(text)
    # The href is an attribute of a raw HTML tag, which Markdown never parses: HTML-escaped.
    # (f-strings, not Markup.format: this runs for every link of every table.)
    return Markup(f'<a href="{html_escape(target)}">{escape(text)}</a>')  # noqa: S704


def code(value: Any) -> Markup:
    """``<code>`` around escaped text (not a Markdown code span, which a backtick breaks)."""
    return Markup(f"<code>{escape(value)}</code>")  # noqa: S704 - escaped


def verbatim(line: str) -> Markup:
    """One line of an indented Markdown code block, which shows it verbatim and HTML-escapes
    it itself; only the characters :func:`visible` marks and line breaks are dealt with here.
    """
    return Markup(visible(" ".join(line.splitlines())))  # noqa: S704 - a code block escapes


def url_part(value: Any) -> str:
    """One path segment of a URL (a version, a task, a hash), percent-encoded."""
    return quote(plain(value), safe="")


def _finalize(value: Any) -> Any:
    # Runs on every {{ ... }} before Jinja's own HTML autoescape: the default escape of this
    # environment is the Markdown+HTML one; Markup (built by the helpers above) passes.
    if value is None:
        return ""
    return escape(value)


@cache
def beijing(stamp: str | datetime) -> str:
    """A record's time (RFC 3339, UTC) as a reader in China reads it: Beijing time, UTC+8,
    ``2026-03-01 10:00:00``; the pages say 北京时间 once in the column or sentence. A value that
    is not a time (a hostile record cannot reach here: records are schema-checked) is shown
    as it is."""
    try:
        moment = stamp if isinstance(stamp, datetime) else parse_time(stamp)
    except EncodingError:
        return str(stamp)
    return moment.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M:%S")


@cache
def environment() -> Environment:
    """The templates' environment, built once per process: each template is then compiled
    once (building it per page compiled the template again for every page: 37 s of 37 for
    1,282 company pages)."""
    # autoescape is on, and finalize escapes first with the Markdown+HTML escape.
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        finalize=_finalize,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.globals.update(link=link, code=code, verbatim=verbatim)
    env.filters.update(url=url_part, code=code, beijing=beijing, check_zh=check_zh, text=escape)
    return env


def render(template: str, **context: Any) -> str:
    """Render ``publisher/templates/<template>`` with ``context``."""
    return environment().get_template(template).render(**context)
