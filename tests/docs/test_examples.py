"""Every example in docs/examples runs, on SQLite and on PostgreSQL, and prints exactly what
its ``# Output:`` block says; the guide and the README quote the examples as they are on disk.

The examples run in a separate interpreter (``run_examples.py``), each on its own fresh
database that it finds in ``VOUCHER_ENGINE_URL``, exactly as a reader would run them.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from doc_pages import DOCS, EXAMPLES, ROOT, expected_output, quotes

from dbsupport import BACKENDS, fresh_database_url

EMBEDDING = DOCS / "embedding.md"
README = ROOT / "README.md"
RUNNER = Path(__file__).with_name("run_examples.py")


@pytest.fixture(scope="module", params=BACKENDS)
def example_runs(request, tmp_path_factory) -> dict:
    """Run every example once per backend, each on a fresh database of that backend."""
    backend = request.param
    with contextlib.ExitStack() as stack:
        jobs = []
        for example in EXAMPLES:
            # An operator migrates PostgreSQL once (``voucher-engine db upgrade``); the engine
            # does not on open, so its database is a copy of the session's migrated template.
            # The embedded SQLite file migrates itself, so it starts empty.
            fresh = contextlib.contextmanager(fresh_database_url)(
                backend, tmp_path_factory.mktemp(example.stem), migrated=backend == "postgresql"
            )
            jobs.append([str(example), stack.enter_context(fresh)])
        done = subprocess.run(
            [sys.executable, str(RUNNER)],
            input=json.dumps(jobs),
            capture_output=True,
            text=True,
            cwd=tmp_path_factory.mktemp("cwd"),
            env={**os.environ, "PYTHONPATH": ""},
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)


@pytest.mark.slow  # its fixture runs every example, in a fresh interpreter per backend
@pytest.mark.parametrize("example", EXAMPLES, ids=[e.stem for e in EXAMPLES])
def test_example_prints_what_it_says(example: Path, example_runs: dict) -> None:
    result = example_runs[str(example)]
    assert result["error"] is None, result["error"]
    assert result["stdout"].splitlines() == expected_output(example)


def test_there_are_examples_and_each_has_an_output_block() -> None:
    assert len(EXAMPLES) >= 10
    for example in EXAMPLES:
        assert expected_output(example), example.name


def test_every_example_is_quoted_in_the_embedding_guide_exactly() -> None:
    quoted = quotes(EMBEDDING)
    assert sorted(path for path, _ in quoted) == sorted(str(e.relative_to(ROOT)) for e in EXAMPLES), (
        "every docs/examples/*.py is quoted once in docs/embedding.md"
    )
    for path, body in quoted:
        assert body == (ROOT / path).read_text(), f"{path} as quoted in embedding.md differs from the file"


def test_readme_example_is_the_quickstart_example() -> None:
    quoted = quotes(README)
    assert [path for path, _ in quoted] == ["docs/examples/quickstart.py"]
    assert quoted[0][1] == (DOCS / "examples" / "quickstart.py").read_text()
    code = quoted[0][1].partition("# Output:")[0].rstrip().splitlines()
    assert len(code) == 15, "the README promises a 15-line example"
