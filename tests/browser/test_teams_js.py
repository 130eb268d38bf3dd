"""The in-browser verifier's JavaScript re-derives every team-assignment vector.

``publisher/assets/verify.js`` implements docs/spec.md §5 (``selectStratum``) and docs/teams.md
§2 (``assignTeams``) on its own, in JavaScript with WebCrypto and BigInt, sharing no code with
``lottery/core``. Here it runs in Debian's Chromium on

- the five vectors of docs/teams.md §7: inputs transcribed from the document's prose, the
  expected teams and digests read out of the document itself (so the document, not a copy of
  it, is what is checked);
- the lottery-v1 vectors (tests/vectors/lottery-v1/task-*.json): the file text goes to the page
  as is and the JavaScript reads the seed, the pool blob, the team-input blob, the picks and the
  announcement's team size and cap from it, as any second implementer would.

Two more sections cover what no vector pins: the rejection rule, the random phase's length and
the scan's start, with a scripted ``crypto.subtle.digest`` and teams worked out by hand; and a
differential run against ``lottery.core.teams`` on random instances (teams of 2 to 4, tight caps).

verify.js is loaded as on the site (``assets/lottery/verify.js``) into an otherwise empty page
on a made-up HTTPS origin; Playwright answers both requests from memory, nothing goes to the
network, and the tests assert that nothing else was asked for. (Not ``set_content`` +
``add_script_tag(content=...)``: ``about:blank`` is no secure context, so no WebCrypto, and an
inline script has an empty ``currentScript.src``, which verify.js resolves its export URL
against.) Its test hook (docs/browser-verifier.md "Test hook") exposes the functions.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Route

from lottery.core import teams as team_mod
from lottery.core.teams import assign_teams, minimum_cap
from tests.browser.chromium import TIMEOUT_MS
from tests.core.test_teams import _RejectingSha  # the Python twin of JS_REJECTING

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
VERIFY_JS = ROOT / "publisher" / "assets" / "verify.js"
TEAMS_MD = ROOT / "docs" / "teams.md"
LOTTERY_V1 = ROOT / "tests" / "vectors" / "lottery-v1"
LOTTERY_V1_NAMES = ("public-numbers", "drand")

ORIGIN = "https://verifier.invalid/"
PAGE_URL = ORIGIN
SCRIPT_URL = ORIGIN + "assets/lottery/verify.js"
BLANK = "<!doctype html><html lang='zh'><meta charset='utf-8'><title>verify.js</title></html>"

# Hex helpers and the call into the hook, shared by the evaluations below.
JS_PRELUDE = """
const api = globalThis.__LOTTERY_VERIFIER_TEST__.api;
const fromHex = (h) => Uint8Array.from(h.match(/../g) || [], (b) => parseInt(b, 16));
const toHex = (a) => Array.from(a, (b) => b.toString(16).padStart(2, "0")).join("");
"""

JS_ASSIGN = (
    "async ({ seed, picks, teamInput, size, cap }) => {"
    + JS_PRELUDE
    + """
  const teams = await api.assignTeams(fromHex(seed), picks, teamInput, size, cap);
  return { teams, canonical: api.canonical(teams) };
}"""
)

# A lottery-v1 vector file, read the way a second implementer would read it.
JS_LOTTERY_V1 = (
    "async (fileText) => {"
    + JS_PRELUDE
    + """
  const v = JSON.parse(fileText);
  const seed = fromHex(v.seed);
  const pool = JSON.parse(v.blobs.pool);
  const teamInput = JSON.parse(v.blobs.team_input);
  const note = v.announcement.note;
  const ann = JSON.parse(note.slice(0, note.indexOf("\\n")));
  const strata = [];
  for (const st of pool.strata) {
    const picks = await api.selectStratum(seed, st);
    strata.push({
      key: `${st.region}|${st.risk}`,
      picks: picks.map((p) => ({ target: p.target, ticket: toHex(p.ticket) })),
    });
  }
  const teams = await api.assignTeams(seed, v.picks, teamInput, ann.team_size, ann.cap);
  return { strata, teams, size: ann.team_size, cap: ann.cap };
}"""
)


# ---------------------------------------------------------------------------------------------
# The browser (the ``browser`` fixture: tests/browser/conftest.py)


def hooked_page(browser: Browser) -> Iterator[Page]:
    """The verifier page with its test hook, for a module-scoped ``js`` fixture: after the
    module, no script error and no request but the page and verify.js."""
    page, requests, errors = _open(browser, hook=True)
    yield page
    assert errors == []
    assert requests == [PAGE_URL, SCRIPT_URL], "the page asked for something else"
    page.close()


def _open(browser: Browser, *, hook: bool) -> tuple[Page, list[str], list[str]]:
    """A page with verify.js loaded; return it, every URL it requested and its JS errors."""
    page = browser.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    requests: list[str] = []
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    script = VERIFY_JS.read_text(encoding="utf-8")

    def answer(route: Route) -> None:
        url = route.request.url
        requests.append(url)
        if url == PAGE_URL:
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=BLANK)
        elif url == SCRIPT_URL:
            route.fulfill(status=200, content_type="text/javascript; charset=utf-8", body=script)
        else:
            route.abort()

    page.route("**/*", answer)
    page.goto(PAGE_URL)
    if hook:
        page.evaluate("globalThis.__LOTTERY_VERIFIER_TEST__ = {}")
    page.add_script_tag(url=SCRIPT_URL)
    return page, requests, errors


@pytest.fixture(scope="module")
def js(browser: Browser) -> Iterator[Page]:
    """The page whose test hook exposes verify.js's functions; checked for stray requests."""
    page, requests, errors = _open(browser, hook=True)
    assert page.evaluate("window.isSecureContext"), "WebCrypto needs a secure context"
    assert page.evaluate("typeof globalThis.__LOTTERY_VERIFIER_TEST__.api.assignTeams") == (
        "function"
    )
    yield page
    assert errors == []
    assert requests == [PAGE_URL, SCRIPT_URL], "the page asked for something else"
    page.close()


def assign(page: Page, seed: bytes, picks: list[str], team_input: dict[str, Any], **kw: int) -> Any:
    arg = {"seed": seed.hex(), "picks": picks, "teamInput": team_input, **kw}
    return page.evaluate(JS_ASSIGN, arg)


def test_hook_is_inert_without_the_test_global(browser: Browser) -> None:
    page, requests, errors = _open(browser, hook=False)
    try:
        assert errors == []
        assert page.evaluate("typeof globalThis.__LOTTERY_VERIFIER_TEST__") == "undefined"
        assert page.evaluate("typeof assignTeams") == "undefined"  # the IIFE leaks nothing
        assert requests == [PAGE_URL, SCRIPT_URL]
    finally:
        page.close()


# ---------------------------------------------------------------------------------------------
# docs/teams.md §7: expected values read out of the document


def _vector_paragraphs() -> dict[int, str]:
    text = TEAMS_MD.read_text(encoding="utf-8")
    section = text.split("\n## 7. Vectors\n", 1)[1]
    out = {}
    for part in re.split(r"^(?=\*\*)", section, flags=re.MULTILINE):  # bold paragraph starts
        match = re.match(r"\*\*Vector (\d)\*\*", part)
        if match:
            out[int(match.group(1))] = part
    assert sorted(out) == [1, 2, 3, 4, 5], "docs/teams.md §7 should hold vectors 1 to 5"
    return out


def _teams_in(text: str) -> list[tuple[str, list[str]]]:
    """`T3: E01 E06`-style teams, in the order the text gives them."""
    return [(t, ids.split()) for t, ids in re.findall(r"`(\w+): (\w+(?: \w+)+)`", text)]


def _digest_in(paragraph: str) -> str:
    match = re.search(r"canonical JSON of the `teams` array.*?`([0-9a-f]{64})`", paragraph, re.S)
    assert match, "docs/teams.md: no teams digest in this vector"
    return match.group(1)


def _seed_of(label: str) -> bytes:
    return hashlib.sha256(label.encode()).digest()


def _team_input(
    inspectors: list[str],
    conflicts: dict[str, list[str]],
    previous: dict[str, list[str]],
) -> dict[str, Any]:
    """The team-input blob's shape (spec.md §4): pairs [target, inspector]."""
    return {
        "inspectors": inspectors,
        "conflicts": [[t, i] for t, ids in conflicts.items() for i in ids],
        "previous": [[t, i] for t, ids in previous.items() for i in ids],
    }


def _pairs(teams: list[dict[str, Any]]) -> Counter[frozenset[str]]:
    return Counter(
        frozenset((a, b))
        for t in teams
        for k, a in enumerate(t["inspectors"])
        for b in t["inspectors"][k + 1 :]
    )


def _as_tuples(teams: list[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    return [(t["target"], t["inspectors"]) for t in teams]


def test_teams_md_vector_1(js: Page) -> None:
    doc = _vector_paragraphs()[1]
    seed = _seed_of("lottery-v1 teams.md vector 1/10")
    assert f"`{seed.hex()}`" in doc
    # Inputs as the document states them (inspectors in input order, not sorted).
    team_input = _team_input(
        ["E05", "E01", "E07", "E06", "E03", "E02", "E04"],
        {"T1": ["E02"]},
        {"T2": ["E05", "E06"]},
    )
    got = assign(js, seed, ["T3", "T1", "T4", "T2"], team_input, size=2, cap=2)
    want = _teams_in(doc.split("Teams:", 1)[1])
    assert [t for t, _ in want] == ["T3", "T1", "T4", "T2"]
    assert _as_tuples(got["teams"]) == want


def test_teams_md_vector_2(js: Page) -> None:
    doc = _vector_paragraphs()[2]
    ids = [f"I{k:02d}" for k in range(40)]
    picks = [f"T{k:03d}" for k in range(200)]
    team_input = _team_input(
        ids,
        {f"T{k:03d}": [ids[3 * k % 40]] for k in range(200)},
        {f"T{k:03d}": [ids[k % 40], ids[(k + 1) % 40]] for k in range(200)},
    )
    assert "the suggested cap is **12**" in doc
    got = assign(js, _seed_of("lottery-v1 teams.md vector 2"), picks, team_input, size=2, cap=12)
    first = _teams_in(doc.split("the first teams are", 1)[1].split(", no pair", 1)[0])
    assert len(first) == 3
    assert _as_tuples(got["teams"][:3]) == first
    assert max(_pairs(got["teams"]).values()) == 1, "the document says no pair repeats"
    assert hashlib.sha256(got["canonical"].encode()).hexdigest() == _digest_in(doc)


def test_teams_md_vector_3(js: Page) -> None:
    doc = _vector_paragraphs()[3]
    ids = [f"J{k:03d}" for k in range(150)]
    picks = [f"S{k:03d}" for k in range(300)]
    conflicts = {
        f"S{k:03d}": [i for i in ids if i not in (ids[k % 150], ids[(7 * k + 1) % 150])]
        for k in range(300)
    }
    got = assign(
        js,
        _seed_of("lottery-v1 teams.md vector 3"),
        picks,
        _team_input(ids, conflicts, {}),
        size=2,
        cap=300,
    )
    first = _teams_in(doc.split("First teams", 1)[1].split(";", 1)[0])
    assert len(first) == 3
    assert _as_tuples(got["teams"][:3]) == first
    # "targets Sk and S(k+150) can only repeat each other's pair"
    for k, team in enumerate(got["teams"]):
        assert set(team["inspectors"]) == {ids[k % 150], ids[(7 * k + 1) % 150]}
    assert hashlib.sha256(got["canonical"].encode()).hexdigest() == _digest_in(doc)


def test_teams_md_vector_4(js: Page) -> None:
    doc = _vector_paragraphs()[4]
    ids = ["AaBbCc"[k % 6] + str(k) for k in range(150)]
    picks = [f"S{k:03d}" for k in range(300)]
    conflicts = {
        f"S{k:03d}": [i for i in ids if i not in (ids[k % 150], ids[(7 * k + 1) % 150])]
        for k in range(300)
    }
    seed = _seed_of("lottery-v1 teams.md vector 4/1788")
    assert f"`{seed.hex()}`" in doc
    got = assign(js, seed, picks, _team_input(ids, conflicts, {}), size=2, cap=300)
    first = _teams_in(doc.split("First teams", 1)[1].split(";", 1)[0])
    assert len(first) == 3
    assert _as_tuples(got["teams"][:3]) == first
    assert _as_tuples(got["teams"][107:108]) == _teams_in(doc.split("takes it (", 1)[1])[:1]
    assert hashlib.sha256(got["canonical"].encode()).hexdigest() == _digest_in(doc)


def test_teams_md_vector_5(js: Page) -> None:
    doc = _vector_paragraphs()[5]
    ids = ["AaBbCc"[k % 6] + str(k) for k in range(150)]
    picks = [f"S{k:03d}" for k in range(300)]
    conflicts = {
        f"S{k:03d}": [
            i
            for i in ids
            if i not in (ids[k % 150], ids[(7 * k + 1) % 150], ids[(13 * k + 2) % 150])
        ]
        for k in range(300)
    }
    seed = _seed_of("lottery-v1 teams.md vector 5/33")
    assert f"`{seed.hex()}`" in doc
    got = assign(js, seed, picks, _team_input(ids, conflicts, {}), size=2, cap=300)
    first = _teams_in(doc.split("First teams", 1)[1].split(";", 1)[0])
    assert len(first) == 3
    assert _as_tuples(got["teams"][:3]) == first
    assert _as_tuples(got["teams"][53:54]) == _teams_in(doc.split("`c53`), so ", 1)[1])[:1]
    assert hashlib.sha256(got["canonical"].encode()).hexdigest() == _digest_in(doc)


# ---------------------------------------------------------------------------------------------
# tests/vectors/lottery-v1: selection and teams from the vector files


@pytest.mark.parametrize("name", LOTTERY_V1_NAMES)
def test_lottery_v1_vector(js: Page, name: str) -> None:
    text = (LOTTERY_V1 / f"task-{name}.json").read_text(encoding="utf-8")
    got = js.evaluate(JS_LOTTERY_V1, text)
    v = json.loads(text)
    assert (got["size"], got["cap"]) == (v["inputs"]["team_size"], v["inputs"]["cap"])
    # Selection: the picks in selection order, each with its ticket.
    assert [p["target"] for st in got["strata"] for p in st["picks"]] == v["picks"]
    for st in got["strata"]:
        for p in st["picks"]:
            assert p["ticket"] == v["tickets"][st["key"]][p["target"]]
    outcome = json.loads(v["blobs"]["outcome"])
    assert [
        {"target": p["target"], "ticket": p["ticket"]}
        for st in outcome["strata"]
        for p in st["picks"]
    ] == [p for st in got["strata"] for p in st["picks"]]
    # Teams, team by team, against the vector's list and the published outcome blob.
    assert len(v["teams"]) == len(v["picks"])
    assert _as_tuples(got["teams"]) == _as_tuples(v["teams"]) == _as_tuples(outcome["teams"])


# ---------------------------------------------------------------------------------------------
# Scripted hashes: the rejection rule, the random phase's length and the scan's start
#
# Real SHA-256 almost never rejects a draw or exhausts a random phase with several acceptable
# inspectors left, so no vector above pins those rules. Here the page's crypto.subtle.digest is
# replaced for team draws (as tests/core/test_teams.py swaps lottery.core.teams._sha256), and
# the expected teams are worked out by hand from docs/teams.md §2.4.

# Every team draw gives v = 0 (index 0), except counter 4n + 64 = 88 (n = 6), which gives 3.
JS_SCRIPTED = """() => {
  crypto.subtle.digest = async (alg, data) => {
    const bytes = new Uint8Array(data);
    const c = new DataView(bytes.buffer, bytes.byteOffset).getUint32(bytes.length - 4);
    const out = new Uint8Array(32);
    out[7] = c === 88 ? 3 : 0;
    return out.buffer;
  };
}"""

# Real SHA-256, but v = 2^64 - 1 (rejected: n is not a power of two) when the digest's last
# byte is odd, and always for a target whose id contains "REJECT".
JS_REJECTING = """() => {
  const real = crypto.subtle.digest.bind(crypto.subtle);
  crypto.subtle.digest = async (alg, data) => {
    const bytes = new Uint8Array(data);
    const d = new Uint8Array(await real(alg, bytes));
    if (new TextDecoder("latin1").decode(bytes).includes("REJECT") || d[31] & 1) d.fill(255, 0, 8);
    return d.buffer;
  };
}"""


@pytest.fixture
def scripted(browser: Browser) -> Iterator[Page]:
    """A fresh page with the hook, whose digest each test scripts (the module page is kept)."""
    page, _, errors = _open(browser, hook=True)
    yield page
    assert errors == []
    page.close()


def test_random_phase_length_and_scan_start(scripted: Page) -> None:
    scripted.evaluate(JS_SCRIPTED)
    pool = [f"I{k}" for k in range(6)]
    got = assign(
        scripted, bytes(32), ["CTRL"], _team_input(pool, {"CTRL": ["I0"]}, {}), size=2, cap=1
    )
    # Slot 1: counters 0..87 all draw I0 (a conflict); the scan takes counter 88, index 3: I3.
    # Slot 2: counters 89..176 draw I0 again; scan counter 177 gives index 0: I0 is in
    # conflict, so the scan goes on to I1.
    assert _as_tuples(got["teams"]) == [("CTRL", ["I3", "I1"])]


@pytest.mark.parametrize("n", [3, 5, 6, 7])  # not powers of two: 2^64 - 1 >= limit
def test_rejected_draws(scripted: Page, monkeypatch: pytest.MonkeyPatch, n: int) -> None:
    scripted.evaluate(JS_REJECTING)
    pool = [f"I{k}" for k in range(n)]
    picks = ["A1", "REJECT-1", "B2", "REJECT-2", "C3"]
    conflicts = {"REJECT-1": ["I0"], "REJECT-2": ["I1"]}
    seed = hashlib.sha256(b"test_teams_js rejection").digest()
    got = _as_tuples(
        assign(scripted, seed, picks, _team_input(pool, conflicts, {}), size=2, cap=5)["teams"]
    )
    # Every draw of a REJECT target gives no index: both slots scan from index 0 and take the
    # first acceptable inspectors (the scan ignores the pair preference; the cap of 5 never
    # binds with 5 picks).
    assert got[1] == ("REJECT-1", ["I1", "I2"])
    assert got[3] == ("REJECT-2", ["I0", "I2"])
    # The other targets mix rejected and accepted draws: the same as lottery.core.teams.
    monkeypatch.setattr(team_mod, "_sha256", _RejectingSha)
    sets = {t: frozenset(ids) for t, ids in conflicts.items()}
    want = assign_teams(seed, picks, pool, sets, {}, 2, 5)
    assert got == [(t.target, list(t.inspectors)) for t in want]


# ---------------------------------------------------------------------------------------------
# Differential: JavaScript and lottery.core.teams on random instances
#
# Not known answers: two implementations written from docs/teams.md must agree on instances
# the vectors do not cover (teams of 3 and 4, tight caps, ids that are prefixes of others).

JS_ASSIGN_MANY = (
    "async (instances) => {"
    + JS_PRELUDE
    + """
  const out = [];
  for (const x of instances) {
    out.push(await api.assignTeams(fromHex(x.seed), x.picks, x.teamInput, x.size, x.cap));
  }
  return out;
}"""
)


def _random_instance(rnd: random.Random, k: int) -> dict[str, Any]:
    n = rnd.randint(3, 12)
    size = rnd.randint(2, min(4, n - 1))
    # Ids of varied length ("E1", "E10", "E1x"): byte order, not numeric order.
    pool = rnd.sample([f"E{j}" for j in range(30)] + ["E1x", "E", "e0"], n)
    cands = [f"T{j}" for j in range(rnd.randint(1, 25))]
    picks = rnd.sample(cands, rnd.randint(1, len(cands)))
    conflicts: dict[str, list[str]] = {}
    previous: dict[str, list[str]] = {}
    for t in cands:
        blocked = rnd.sample(pool, rnd.randint(0, n - size))  # leaves e(t) >= size
        cut = rnd.randint(0, len(blocked))
        if blocked[:cut]:
            conflicts[t] = blocked[:cut]
        if blocked[cut:]:
            previous[t] = blocked[cut:]
    sets = ({t: frozenset(v) for t, v in m.items()} for m in (conflicts, previous))
    c_sets, p_sets = sets
    cap = minimum_cap(set(cands), len(picks), pool, c_sets, p_sets, size)
    seed = hashlib.sha256(b"test_teams_js instance %d" % k).digest()
    want = assign_teams(seed, picks, pool, c_sets, p_sets, size, cap)
    return {
        "arg": {
            "seed": seed.hex(),
            "picks": picks,
            "teamInput": _team_input(pool, conflicts, previous),
            "size": size,
            "cap": cap,
        },
        "want": _as_tuples([{"target": t.target, "inspectors": list(t.inspectors)} for t in want]),
    }


def test_agrees_with_python_on_random_instances(js: Page) -> None:
    rnd = random.Random(20261206)  # noqa: S311 (test instances, not secrets)
    instances = [_random_instance(rnd, k) for k in range(300)]
    got = js.evaluate(JS_ASSIGN_MANY, [x["arg"] for x in instances])
    assert len(got) == len(instances)
    for k, (x, teams) in enumerate(zip(instances, got, strict=True)):
        assert _as_tuples(teams) == x["want"], f"instance {k}: {json.dumps(x['arg'])}"
    assert {x["arg"]["size"] for x in instances} == {2, 3, 4}


# --- 部门联合抽查: docs/teams.md §8 ------------------------------------------------------------

TEAMS_JOINT = ROOT / "tests" / "vectors" / "teams-joint" / "cases.json"


def _joint_arg(case: dict[str, Any]) -> dict[str, Any]:
    """A joint vector as the team-input blob carries it (spec.md §4: departments pairs in
    inspector order, team_departments in slot order, absent when the rule is off)."""
    inspectors = sorted(i for i, _ in case["departments"])
    team_input: dict[str, Any] = {
        "inspectors": inspectors,
        "conflicts": case["conflicts"],
        "previous": case["previous"],
        "departments": [[i, dict(case["departments"])[i]] for i in inspectors],
    }
    if case["team_departments"]:
        team_input["team_departments"] = case["team_departments"]
    return {
        "seed": _seed_of(case["seed_label"]).hex(),
        "picks": case["picks"],
        "teamInput": team_input,
        "size": case["team_size"],
        "cap": case["cap"],
    }


def _joint_instance(rnd: random.Random, k: int) -> dict[str, Any]:
    """A random joint task: 2 to 3 rule departments (and sometimes one outside the rule),
    teams of k to k + 1, the smallest cap that passes §8."""
    names = ["人防办", "住建局", "消防支队", "市场监管局"]
    rule = names[: rnd.randint(2, 3)]
    size = len(rule) + rnd.randint(0, 1)
    n = rnd.randint(size + 1, 14)
    pool = rnd.sample([f"E{j}" for j in range(40)], n)
    depts = {i: rule[j] if j < len(rule) else rnd.choice(names) for j, i in enumerate(pool)}
    cands = [f"T{j}" for j in range(rnd.randint(1, 12))]
    picks = rnd.sample(cands, rnd.randint(1, len(cands)))
    conflicts: dict[str, list[str]] = {}
    for t in rnd.sample(cands, len(cands) // 3):
        blocked = [i for i in rnd.sample(pool, rnd.randint(0, 2)) if pool.index(i) >= len(rule)]
        if blocked:
            conflicts[t] = blocked
    c_sets = {t: frozenset(v) for t, v in conflicts.items()}
    kw: dict[str, Any] = {"departments": depts, "team_departments": rule}
    try:
        cap = minimum_cap(set(cands), len(picks), pool, c_sets, {}, size, **kw)
    except team_mod.InfeasibleError:
        return _joint_instance(rnd, k + 1000)
    seed = hashlib.sha256(b"test_teams_js joint instance %d" % k).digest()
    want = assign_teams(seed, picks, pool, c_sets, {}, size, cap, **kw)
    team_input = _team_input(pool, conflicts, {})
    team_input["departments"] = [[i, depts[i]] for i in sorted(pool)]
    team_input["team_departments"] = rule
    return {
        "arg": {
            "seed": seed.hex(),
            "picks": picks,
            "teamInput": team_input,
            "size": size,
            "cap": cap,
        },
        "want": _as_tuples([{"target": t.target, "inspectors": list(t.inspectors)} for t in want]),
    }


def test_joint_vectors_and_random_joint_tasks_agree_with_python(js: Page) -> None:
    """The §8 vectors (expected teams and digests from the vector file) and 150 random joint
    tasks against lottery.core.teams, in one evaluation on the module's page."""
    cases = json.loads(TEAMS_JOINT.read_text(encoding="utf-8"))["cases"]
    rnd = random.Random(20261207)  # noqa: S311 (test instances, not secrets)
    instances = [_joint_instance(rnd, k) for k in range(150)]
    got = js.evaluate(
        JS_ASSIGN_MANY, [_joint_arg(c) for c in cases] + [x["arg"] for x in instances]
    )
    for case, teams in zip(cases, got[: len(cases)], strict=True):
        members = [t["inspectors"] for t in teams]
        if "teams" in case["expected"]:
            assert members == case["expected"]["teams"], case["name"]
        body = [{"inspectors": m, "target": t} for t, m in zip(case["picks"], members, strict=True)]
        text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert hashlib.sha256(text.encode()).hexdigest() == case["expected"]["sha256"], case["name"]
    for k, (x, teams) in enumerate(zip(instances, got[len(cases) :], strict=True)):
        assert _as_tuples(teams) == x["want"], f"joint instance {k}: {json.dumps(x['arg'])}"
