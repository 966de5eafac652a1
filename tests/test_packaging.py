"""The wheel ships every package the type checker covers, each marked typed (PEP 561), so a
host's own mypy reads our annotations instead of treating the engine as untyped."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_wheel_ships_every_checked_package_with_py_typed(tmp_path: Path) -> None:
    checked = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]["packages"])
    built = subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    [wheel] = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    shipped = {name.split("/")[0] for name in names if name.endswith(".py")}
    assert shipped == checked  # a package the wheel ships is type-checked, and the reverse
    assert {name.split("/")[0] for name in names if name.endswith("/py.typed")} == checked
