"""Files outside MkDocs' docs folder (the export, publisher/mkdocs_run.py ``Outside``): a
page's link to one is resolved as for a static file in the docs (the same HTML), and the
file is not copied (the build links the export into the site after MkDocs)."""

from __future__ import annotations

from pathlib import Path

import pytest
from mkdocs.config import load_config

from publisher.mkdocs_run import Outside, run


def _build(tmp_path: Path, names: list[str], outside: bool) -> Path:
    docs, site, export = tmp_path / "docs", tmp_path / "site", tmp_path / "export"
    (docs / "tasks").mkdir(parents=True, exist_ok=True)
    (docs / "index.md").write_text("# 首页\n", encoding="utf-8")
    (docs / "tasks" / "T1.md").write_text(
        "# 任务\n\n[名单](../export/blobs/abc)\n", encoding="utf-8"
    )
    for name in names:
        (export / name).parent.mkdir(parents=True, exist_ok=True)
        (export / name).write_bytes(b"blob")
    if not outside:  # the reference: the export copied into the docs, as before
        for name in names:
            (docs / "export" / name).parent.mkdir(parents=True, exist_ok=True)
            (docs / "export" / name).write_bytes(b"blob")
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: t\nuse_directory_urls: true\nplugins: []\n", encoding="utf-8"
    )
    config = load_config(
        str(tmp_path / "mkdocs.yml"), docs_dir=str(docs), site_dir=str(site), strict=True
    )
    run(config, outside=Outside("export", export, names) if outside else None)
    return site


@pytest.mark.parametrize(
    ("names", "href"),
    [
        (["blobs/abc"], "../../export/blobs/abc"),
        # Not resolved, left as written: an export file gone makes a full build.
        (["blobs/other"], "../export/blobs/abc"),
    ],
)
def test_a_link_to_an_outside_file_is_as_in_the_docs(
    tmp_path: Path, names: list[str], href: str
) -> None:
    reference = _build(tmp_path / "in", names, outside=False)
    site = _build(tmp_path / "out", names, outside=True)
    page = (site / "tasks" / "T1" / "index.html").read_text("utf-8")
    assert f'href="{href}"' in page
    assert page == (reference / "tasks" / "T1" / "index.html").read_text("utf-8")
    # Known to MkDocs, not copied: the build links the export in after MkDocs.
    assert not (site / "export").exists()
    assert (reference / "export" / names[0]).is_file()
