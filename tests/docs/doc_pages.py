"""Reading the documentation's example scripts and the places that quote them.

An example is a complete script in ``docs/examples``; it ends with a comment block
``# Output:`` listing, one per line, exactly what it prints. A page quotes an example by a
marker line ``<!-- example: docs/examples/NAME.py -->`` followed by a ```python block that
must equal the file.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
EXAMPLES = sorted((DOCS / "examples").glob("*.py"))
OUTPUT_MARKER = "# Output:"

_QUOTE = re.compile(r"<!-- example: (?P<path>\S+) -->\n```python\n(?P<body>.*?)```\n", re.S)


def expected_output(example: Path) -> list[str]:
    text = example.read_text()
    _head, marker, tail = text.rpartition(OUTPUT_MARKER + "\n")
    if not marker:
        raise AssertionError(f"{example.name} has no '{OUTPUT_MARKER}' block")
    lines = tail.splitlines()
    if not lines or not all(line.startswith("# ") for line in lines):
        raise AssertionError(f"{example.name}: every line after '{OUTPUT_MARKER}' is '# <printed line>'")
    return [line[2:] for line in lines]


def quotes(page: Path) -> list[tuple[str, str]]:
    """(quoted path, quoted text) for every example quoted on ``page``."""
    return [(m["path"], m["body"]) for m in _QUOTE.finditer(page.read_text())]


def fenced_blocks(page: Path) -> list[tuple[str, str]]:
    """(language, text) of every fenced code block on ``page``."""
    return [(m[1], m[2]) for m in re.finditer(r"^```(\w*)\n(.*?)^```$", page.read_text(), re.S | re.M)]
