"""Build the static site: export in, Markdown pages, then MkDocs Material out.

``build_site`` writes the pages into a work directory, copies the whole export into the site
(so the site is self-contained and verifiable offline), and runs ``mkdocs build --strict``
with the project's ``mkdocs.yml``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from publisher import pages
from publisher.model import PublishError, SiteModel, load_model

ROOT = Path(__file__).resolve().parents[1]
ASSETS = Path(__file__).resolve().parent / "assets"
# The in-browser verifier (publisher/assets/verify.js), copied into the built docs here and
# added to every page as an extra script; it only acts on task pages.
VERIFIER_DIR = "assets/verifier"
VERIFIER_JS = f"{VERIFIER_DIR}/verify.js"


def write_pages(model: SiteModel, docs: Path) -> int:
    """Write every Markdown page; return how many."""
    if docs.exists():
        shutil.rmtree(docs)
    (docs / "tasks").mkdir(parents=True)
    (docs / "verify").mkdir()
    (docs / "log").mkdir()
    written = {
        docs / "index.md": pages.index_page(model),
        docs / "tasks" / "index.md": pages.tasks_index(model),
        docs / "verify" / "index.md": pages.verify_page(model),
        docs / "log" / "index.md": pages.log_page(model),
    }
    for view in model.tasks.values():
        written[docs / "tasks" / f"{view.task}.md"] = pages.task_page(model, view)
    for path, text in written.items():
        path.write_text(text, encoding="utf-8")
    return len(written)


def build_site(
    export: Path, out: Path, *, work: Path | None = None, vkeys: list[str] | None = None
) -> int:
    """Audit ``export``, write the pages and build the site into ``out``; return page count.

    Raises:
        PublishError: when the export does not verify or MkDocs fails.
    """
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    model = load_model(export, vkeys)
    docs = (work or ROOT / "build") / "pages"
    count = write_pages(model, docs)
    shutil.copytree(export, docs / "export", ignore=shutil.ignore_patterns("*.tmp"))
    shutil.copytree(ASSETS, docs / VERIFIER_DIR)
    config = load_config(
        str(ROOT / "mkdocs.yml"), docs_dir=str(docs), site_dir=str(out.resolve()), strict=True
    )
    if VERIFIER_JS not in config.extra_javascript:
        config.extra_javascript.append(VERIFIER_JS)
    try:
        build(config)
    except MkDocsException as exc:
        raise PublishError(f"mkdocs build failed: {exc}") from exc
    return count
