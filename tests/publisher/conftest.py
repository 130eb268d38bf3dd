"""A site built once per session from a synthetic export (tests/publisher/factory.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from publisher.build import build_site
from tests.publisher.factory import Built, build_export


@dataclass
class BuiltSite:
    """The export, what it must not leak, and the site built from it."""

    built: Built
    site: Path
    work: Path


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    root = tmp_path_factory.mktemp("publisher-site")
    built = build_export(root / "export", tasks=6, targets=5000, pool=300, results=10)
    build_site(built.export, root / "site", work=root / "work")
    return BuiltSite(built, root / "site", root / "work")
