"""The reference parts of the docs are checked against the code they describe, so that a new
error class, transition, event, page or import contract cannot go undocumented."""

from __future__ import annotations

import inspect
import re
import tomllib
from pathlib import Path

from doc_pages import DOCS, ROOT, fenced_blocks

from voucher_engine import errors
from voucher_engine.domain import events, lifecycle

ARCHITECTURE = DOCS / "architecture.md"
INVARIANTS = DOCS / "invariants.md"
README = ROOT / "README.md"


def section(page: Path, name: str) -> str:
    text = page.read_text()
    match = re.search(rf"<!-- {name}:[^>]*-->\n(.*?)<!-- end {name} -->", text, re.S)
    assert match, f"{page.name} has no '{name}' section"
    return match[1]


def table_rows(text: str) -> list[list[str]]:
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in text.splitlines()
        if line.startswith("|")
    ]
    return rows[2:]  # after the header and its separator


def ticked(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def error_classes() -> dict[str, type[errors.VoucherEngineError]]:
    return {
        name: cls
        for name, cls in vars(errors).items()
        if inspect.isclass(cls) and issubclass(cls, errors.VoucherEngineError) and cls.__module__ == errors.__name__
    }


def test_the_error_table_lists_every_error_class_with_its_code_parent_and_retryability() -> None:
    rows = {ticked(r[1])[0]: r for r in table_rows(section(ARCHITECTURE, "errors table"))}
    classes = error_classes()
    missing = sorted(set(classes) - set(rows))
    assert not missing, f"error classes missing from docs/architecture.md: {missing}"
    assert not set(rows) - set(classes), f"documented but not in errors.py: {sorted(set(rows) - set(classes))}"
    for name, cls in classes.items():
        code, _, parent, retryable, meaning = rows[name]
        assert ticked(code) == [cls.code], name
        assert ticked(parent) == [cls.__mro__[1].__name__], name
        assert retryable == ("yes" if cls.retryable else "no"), name
        assert meaning, f"{name} needs a 'raised when'"


def test_error_codes_are_unique() -> None:
    codes = [cls.code for cls in error_classes().values()]
    assert len(codes) == len(set(codes))


def test_the_lifecycle_table_is_the_one_in_the_code() -> None:
    documented = {
        ticked(action)[0]: (set(ticked(sources)) | ({None} if "(new)" in sources else set()), set(ticked(targets)))
        for action, sources, targets, *_ in table_rows(section(INVARIANTS, "lifecycle table"))
    }
    actual = {
        action.value: ({s.value if s else None for s in sources}, {t.value for t in targets})
        for action, (sources, targets) in lifecycle.TRANSITIONS.items()
    }
    assert documented == actual


def test_the_events_list_is_every_event_type() -> None:
    documented = ticked(section(INVARIANTS, "events list"))
    actual = [v for k, v in vars(events).items() if k.isupper() and isinstance(v, str)]
    assert sorted(documented) == sorted(actual)


def test_every_import_contract_is_documented() -> None:
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    text = ARCHITECTURE.read_text()
    assert contracts
    for contract in contracts:
        assert f"| {contract['name']} |" in text, contract["name"]


def test_readme_sets_up_with_exactly_make_demo_and_make_test() -> None:
    shell = [body.strip() for lang, body in fenced_blocks(README) if lang != "python"]
    assert shell == ["make demo", "make test"]
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^demo:", makefile, re.M) and re.search(r"^test:", makefile, re.M)


def test_mkdocs_lists_every_page_and_only_pages() -> None:
    nav = re.findall(r"^\s+- [^:]+: (\S+\.md)$", (ROOT / "mkdocs.yml").read_text(), re.M)
    assert {"index.md", "embedding.md", "architecture.md", "cli.md", "fixtures.md"} <= set(nav)
    assert sorted(nav) == sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md"))


def test_relative_links_lead_to_files_and_anchors_that_exist() -> None:
    for page in [README, *DOCS.rglob("*.md")]:
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text()):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            linked = (page.parent / path).resolve() if path else page
            assert linked.exists(), f"{page.name} links to missing {target}"
            if anchor and linked.suffix == ".md":
                assert anchor in _anchors(linked), f"{page.name} links to missing anchor {target}"


def _anchors(page: Path) -> set[str]:
    """Heading ids as mkdocs' toc extension makes them."""
    ids = set()
    for heading in re.findall(r"^#+ (.+)$", page.read_text(), re.M):
        slug = re.sub(r"[^\w\s-]", "", heading.lower()).strip()
        ids.add(re.sub(r"[-\s]+", "-", slug))
    return ids
