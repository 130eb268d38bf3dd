"""Schemathesis against the OpenAPI schema (bounded examples): no 500, no response that
breaks the schema, every status documented — as an admin, so every route is reached.

The run happens in a child process (tests/api/schemathesis_worker.py): schemathesis's ASGI
client leaves a thread behind, and the suite must stay free of threads for the fork tests.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_api_conforms_to_its_schema(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "tests.api.schemathesis_worker", str(tmp_path / "data")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-5000:]
    assert "operations checked" in proc.stdout
