"""What a generated page is made of, as a digest (issue #19): a rebuild with the cache
(publisher/site_cache.py) generates again only the pages whose inputs' digest changed.

The log only grows, and every page is a pure function of the model, so a page's inputs are
named by the records it can read. Each record falls in one **scope**:

- a task's (``X``): every record whose body names ``task`` X (its lifecycle, results,
  reports, rectifications, objections), and a withdrawal of a record of X; split in the
  records that name no ``target`` (its lifecycle, reports) and those of each target;
- a penalty's: the penalty and its withdrawal;
- the **base**: every other record (registry snapshots, item lists, plans, calendars, key
  changes, witness policies...), with the publisher's own code and templates and the
  versions of the libraries that render (:func:`code_digest`).

A scope's digest hashes the ids of its records in log order: it changes exactly when a
record joins the scope. A task page depends on the base and its task's scope, and on its
verification's status and checks (the checks over the whole log, e.g. the visits, add to
them: they are hashed as they are); a task's results page on the base and its task's scope;
a company page on the base and, of each task that drew it or published results,
rectifications or objections for it, the records naming no target and those naming it,
and the ids of its penalties in force (a withdrawal takes one off); a listing page of the
log on its records only; the target registry's shards on the latest targets snapshot. Pages
over the whole log (home, lists, the log's first page, statistics, the feed) are always
generated: there are few of them.

The digests may be coarse (a task report makes every page of that task's targets be
generated again, though they do not show it), never too fine: a page is generated again
whenever a record it could read is new.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from lottery.core.records import Record
from lottery.core.sealed import WITHDRAWALS
from lottery.core.verify import TaskVerification
from publisher.model import SiteModel
from publisher.pages import record_ids

if TYPE_CHECKING:
    from publisher.target_pages import TargetFacts

_ROOT = Path(__file__).resolve().parents[1]
# The code and templates every page is rendered by (the site's data model included).
_CODE = (_ROOT / "publisher", _ROOT / "lottery" / "core")
_PACKAGES = ("lottery", "jinja2", "markupsafe", "pymdown-extensions", "jieba")


@cache
def code_digest() -> str:
    """SHA-256 of the publisher's and the core's files (code, templates, assets) and the
    versions of the packages that render pages; read once per process."""
    digest = hashlib.sha256()
    for folder in _CODE:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(f"{path.relative_to(_ROOT).as_posix()}\n".encode())
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    digest.update(package_versions(_PACKAGES))
    return digest.hexdigest()


def package_versions(packages: Iterable[str]) -> bytes:
    """``name==version`` lines of the installed ``packages`` (``-`` for one not installed),
    for a digest of what the output depends on (here and :func:`site_cache.settings_digest`)."""
    lines = []
    for package in packages:
        try:
            version = metadata.version(package)
        except metadata.PackageNotFoundError:
            version = "-"
        lines.append(f"{package}=={version}\n")
    return "".join(lines).encode()


@dataclass(frozen=True)
class Scopes:
    """The digest of the base scope and of each task's and penalty's (module docstring);
    ``tasks`` covers all of a task's records, ``lifecycle`` those that name no target and
    ``targets`` those that name one, by (task, target)."""

    base: str
    tasks: Mapping[str, str]
    penalties: Mapping[str, str]
    lifecycle: Mapping[str, str]
    targets: Mapping[tuple[str, str], str]

    def task_page(
        self, name: str, verification: TaskVerification | None, status: str, witnessing: str = ""
    ) -> str:
        """The inputs of ``tasks/<name>.md`` (``witnessing``: the text of its witness rows,
        which read the log beyond the task's own records)."""
        checks = [] if verification is None else verification.checks
        parts = [self.base, name, self.tasks.get(name, ""), status, witnessing]
        parts += [f"{c.name}\0{c.detail}" for c in checks]
        return _hash(parts)

    def result_page(self, name: str) -> str:
        """The inputs of ``results/<name>.md``."""
        return _hash([self.base, "results", name, self.tasks.get(name, "")])

    def log_page(self, ids: Iterable[str]) -> str:
        """The inputs of a listing page of the log (``log/<n>.md``): its records, in order
        (each row is its record's own: time, type, subject, id, index)."""
        return _hash([code_digest(), "log", *ids])

    def target_data(self, snapshot: str) -> str:
        """The inputs of the target registry's shards and their manifest (under
        ``targets/data/``): the code and the latest targets snapshot's record id."""
        return _hash([code_digest(), "shards", snapshot])

    def company_page(self, target: str, facts: TargetFacts) -> str:
        """The inputs of ``targets/<target>/``: of each task that drew it or has records
        for it, the records that name no target and those that name it; its penalties."""
        tasks = {d.view.task for d in facts.draws}
        tasks |= {str(r.body["task"]) for r in facts.results}
        tasks |= facts.rectifications | facts.objections
        parts = [self.base, target]
        for task in sorted(tasks):
            own = self.targets.get((task, target), "")
            parts.append(f"{task}={self.lifecycle.get(task, '')}/{own}")
        parts += [f"{p.id}={self.penalties.get(p.id, '')}" for p in facts.penalties]
        return _hash(parts)


def _hash(parts: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def _scope(record: Record, by_id: Mapping[str, Record]) -> tuple[str, ...] | None:
    """``("task", X)``, ``("task", X, target)``, ``("penalty", id)`` or None (the base)."""
    body = record.body
    if record.type in WITHDRAWALS:
        named = by_id.get(str(body.get(WITHDRAWALS[record.type][0])))
        if named is not None and named.type == "penalty":
            return "penalty", named.id
        if named is not None and isinstance(named.body.get("task"), str):
            return _task_scope(named.body)
    if isinstance(body.get("task"), str):
        return _task_scope(body)
    if record.type == "penalty":
        return "penalty", record.id
    return None


def _task_scope(body: Mapping[str, object]) -> tuple[str, ...]:
    target = body.get("target")
    task = str(body["task"])
    return ("task", task, target) if isinstance(target, str) else ("task", task)


def _hasher(found: dict[tuple[str, ...], hashlib._Hash], scope: tuple[str, ...]) -> hashlib._Hash:
    """The scope's running hash (made on first use only)."""
    running = found.get(scope)
    if running is None:
        running = found[scope] = hashlib.sha256()
    return running


def scopes(model: SiteModel) -> Scopes:
    """Every scope's digest over the model's records (module docstring)."""
    records = model.records
    ids = record_ids(model)  # each computed once (a record's id is a hash of its text)
    by_id = dict(zip(ids, records, strict=True))
    base = hashlib.sha256(code_digest().encode())
    found: dict[tuple[str, ...], hashlib._Hash] = {}
    for rid, record in zip(ids, records, strict=True):
        scope = _scope(record, by_id)
        key = rid.encode()
        if scope is None:
            base.update(key)
            continue
        _hasher(found, scope).update(key)
        if scope[0] == "task":  # all of the task's records
            _hasher(found, ("all", scope[1])).update(key)
    digests = {scope: h.hexdigest() for scope, h in found.items()}
    return Scopes(
        base.hexdigest(),
        {s[1]: d for s, d in digests.items() if s[0] == "all"},
        {s[1]: d for s, d in digests.items() if s[0] == "penalty"},
        {s[1]: d for s, d in digests.items() if s[0] == "task" and len(s) == 2},
        {(s[1], s[2]): d for s, d in digests.items() if s[0] == "task" and len(s) == 3},
    )
