"""关于本站 and the footer (issue #17): the office's name and contact from the settings, escaped,
an unset field left off, the objection routes and the legal basis on the page."""

from __future__ import annotations

import re

import pytest
from jinja2 import Environment, FileSystemLoader

from lottery.service.site_publishing import office_from_settings
from lottery.settings import get_settings
from publisher.office import DEFAULT_NAME, Office, about_page
from tests.publisher.conftest import BuiltSite

OVERRIDES = "publisher/overrides"


def test_the_settings_name_the_office_and_its_contact(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOTTERY_OFFICE_NAME", "舞钢市人民防空办公室")
    monkeypatch.setenv("LOTTERY_OFFICE_PHONE", "0375-8123456")
    monkeypatch.setenv("LOTTERY_OFFICE_EMAIL", "rfb@example.gov.cn")
    office = office_from_settings(get_settings())
    assert office == Office(
        name="舞钢市人民防空办公室", phone="0375-8123456", email="rfb@example.gov.cn"
    )
    # Only what is set is listed, in reading order.
    assert office.contacts() == [
        ["单位", "舞钢市人民防空办公室"],
        ["电话", "0375-8123456"],
        ["电子邮箱", "rfb@example.gov.cn"],
    ]


def test_the_about_page_escapes_the_office_s_words() -> None:
    hostile = "<script>alert(1)</script>*人防办*"
    page = about_page(Office(name=hostile, phone="[电话](javascript:alert(1))", rules=hostile))
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "](javascript:" not in page  # no Markdown link can be made of it
    assert "*人防办*" not in page and "&#42;人防办&#42;" in page
    assert page.count("&lt;script&gt;") == 3  # who runs it, the contact table, the rules


def test_without_a_contact_the_page_says_where_to_ask() -> None:
    page = about_page(Office())
    assert "本单位尚未在本站公布联系方式" in page and DEFAULT_NAME in page
    assert "<table" not in page.split("## 如何提出异议")[0]


def test_the_about_page_gives_the_routes_to_object_and_the_legal_basis(
    built_site: BuiltSite,
) -> None:
    html = (built_site.site / "about" / "index.html").read_text("utf-8")
    article = html[html.index("<article") : html.index("</article>")]
    text = re.sub(r"<[^>]+>", "", article)
    for words in ("陈述、申辩", "行政复议", "行政诉讼", "3 个工作日内撤回", "第四十一条"):
        assert words in text, words
    assert "国发〔2019〕5号" in text and "第四十八条" in text and "7 个工作日" in text
    objections = article[article.index("如何提出异议") : article.index("公开的依据")]
    for href in ("../verify/", "../fair/", "../results/", "../penalties/"):
        assert f'href="{href}"' in objections, href
    # The site's nav and every page's footer lead here.
    home = (built_site.site / "index.html").read_text("utf-8")
    assert '<a href="about/">关于本站：联系方式、如何提出异议、公开依据</a>' in home
    assert f"{DEFAULT_NAME}主办" in home
    log = (built_site.site / "log" / "1" / "index.html").read_text("utf-8")
    assert '<a href="../../about/">关于本站' in log


def test_the_footer_escapes_the_office_s_name() -> None:
    """The theme does not autoescape: publisher/overrides/partials/copyright.html does."""
    env = Environment(loader=FileSystemLoader(OVERRIDES), autoescape=False)  # noqa: S701 - as MkDocs
    env.filters["url"] = lambda path: path
    office = Office(name="<img src=x onerror=alert(1)>", phone="<b>1</b>").footer()
    html = env.get_template("partials/copyright.html").render(config={"extra": {"office": office}})
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;主办" in html
    assert "<b>" not in html and "联系电话 &lt;b&gt;1&lt;/b&gt;" in html
