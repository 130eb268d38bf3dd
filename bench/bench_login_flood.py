"""Benchmark: a flood of wrong-password logins must not slow staff requests (issue #23, defect 3).

    .venv/bin/python bench/bench_login_flood.py                 # 20 flooders, 30 s
    .venv/bin/python bench/bench_login_flood.py --seconds 10    # a quicker run

Starts ``lottery serve`` on 127.0.0.1 (a free port) over a new data directory in a temporary
directory (SQLite), as a subprocess, and logs a staff member in. Then:

1. idle: one staff client sends ``GET /api/auth/me`` (bearer token), 10 ms apart, for
   ``--idle-seconds`` (after 2 s of warm-up); its latencies are the baseline;
2. flood: ``--clients`` threads send wrong-password logins as fast as the server answers, for
   ``--seconds`` seconds and at most ``--max-logins`` logins in all, while the staff client
   goes on as in 1. Each flooder binds its own loopback source address (127.0.0.11,
   127.0.0.12, ...: all of 127.0.0.0/8 is this machine), so the per-address throttle counts
   them apart, as it would 20 attackers; ``--same-address`` sends them all from 127.0.0.1.
   Flooders guess a fresh made-up name on every try (no account lock) and, one try in four,
   the staff member's own name.

Reported: the staff latencies idle and under the flood (p50, p95, max, count) and their ratio,
and the flood's answers by status (401: a password was hashed and was wrong; 429: refused
before hashing, locked or no hashing slot free). Goal: p50 and p95 under the flood within 2x
of idle (docs/benchmarks.md, "Login flood"). Traffic goes only to 127.0.0.0/8 and stops by
itself.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
from _server import cli, serving

PASSWORD = "bench-only-password"  # noqa: S105 - a throw-away data directory


def _summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "p50": statistics.median(ordered) * 1000,
        "p95": ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000,
        "max": ordered[-1] * 1000,
    }


def _staff_loop(base: str, headers: dict[str, str], stop: threading.Event) -> list[float]:
    """Latencies of back-to-back GET /api/auth/me until ``stop``."""
    samples: list[float] = []
    with httpx.Client(base_url=base, timeout=60, headers=headers) as client:
        while not stop.is_set():
            t0 = time.perf_counter()
            r = client.get("/api/auth/me")
            samples.append(time.perf_counter() - t0)
            if r.status_code != 200:
                raise RuntimeError(f"staff request failed: {r.status_code} {r.text}")
            time.sleep(0.01)  # a person's console, not a second flood
    return samples


def _flooder(
    base: str,
    source: str,
    index: int,
    budget: threading.Semaphore,
    stop: threading.Event,
    answers: Counter[int],
    lock: threading.Lock,
) -> None:
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(base_url=base, timeout=60, transport=transport) as client:
        n = 0
        while not stop.is_set() and budget.acquire(blocking=False):
            n += 1
            name = "staff" if n % 4 == 0 else f"guess-{index}-{n}"
            try:
                r = client.post("/api/auth/login", json={"name": name, "password": f"wrong-{n}"})
                status = r.status_code
            except httpx.HTTPError:
                status = 0
            with lock:
                answers[status] += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--idle-seconds", type=float, default=10)
    parser.add_argument("--max-logins", type=int, default=20_000)
    parser.add_argument("--same-address", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp_name:
        data = Path(tmp_name) / "data"
        cli("init", "--admin", "staff", data=data, LOTTERY_ADMIN_PASSWORD=PASSWORD)
        with serving(data, "--no-scheduler") as (base, _):
            login = httpx.post(
                f"{base}/api/auth/login", json={"name": "staff", "password": PASSWORD}
            )
            login.raise_for_status()
            headers = {"Authorization": f"Bearer {login.json()['token']}"}

            stop = threading.Event()
            threading.Timer(2, stop.set).start()
            _staff_loop(base, headers, stop)  # warm-up: first requests fill the caches
            stop = threading.Event()
            threading.Timer(args.idle_seconds, stop.set).start()
            idle = _summary(_staff_loop(base, headers, stop))

            stop = threading.Event()
            budget = threading.Semaphore(args.max_logins)
            answers: Counter[int] = Counter()
            lock = threading.Lock()
            flooders = [
                threading.Thread(
                    target=_flooder,
                    args=(
                        base,
                        "127.0.0.1" if args.same_address else f"127.0.0.{11 + i}",
                        i,
                        budget,
                        stop,
                        answers,
                        lock,
                    ),
                )
                for i in range(args.clients)
            ]
            t0 = time.perf_counter()
            for thread in flooders:
                thread.start()
            time.sleep(1)  # the flood is under way before staff latencies count
            threading.Timer(args.seconds - 1, stop.set).start()
            flood = _summary(_staff_loop(base, headers, stop))
            for thread in flooders:
                thread.join()
            took = time.perf_counter() - t0

    sources = "one address" if args.same_address else f"{args.clients} loopback addresses"
    print(
        f"flood: {args.clients} clients from {sources}, {sum(answers.values())} logins in "
        f"{took:.1f} s; answers: "
        + ", ".join(f"{status or 'error'}: {n}" for status, n in sorted(answers.items()))
    )
    print("| staff GET /api/auth/me | n | p50 ms | p95 ms | max ms |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for label, s in (("idle", idle), ("under the flood", flood)):
        print(f"| {label} | {s['n']:.0f} | {s['p50']:.1f} | {s['p95']:.1f} | {s['max']:.1f} |")
    ratio = {k: flood[k] / idle[k] for k in ("p50", "p95", "max")}
    print(
        f"ratio flood/idle: p50 {ratio['p50']:.2f}x, p95 {ratio['p95']:.2f}x, "
        f"max {ratio['max']:.2f}x (goal: p50 and p95 within 2x)"
    )


if __name__ == "__main__":
    main()
