"""Run documentation examples one after another in this process, as ``python EXAMPLE`` would.

Used by test_examples.py: one interpreter for all examples of a backend instead of one per
example (starting Python and importing SQLAlchemy costs more than most examples take).
Reads ``[[path, database_url], ...]`` as JSON on stdin; writes ``{path: {"stdout", "error"}}``
as JSON on stdout.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import runpy
import sys
import traceback


def run(path: str, url: str) -> dict[str, str | None]:
    os.environ["VOUCHER_ENGINE_URL"] = url
    printed = io.StringIO()
    error = None
    try:
        with contextlib.redirect_stdout(printed):
            runpy.run_path(path, run_name="__main__")
    except BaseException:  # noqa: BLE001 - report whatever the example raised, even SystemExit
        error = traceback.format_exc()
    return {"stdout": printed.getvalue(), "error": error}


def main() -> None:
    jobs = json.load(sys.stdin)
    results = {path: run(path, url) for path, url in jobs}
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
