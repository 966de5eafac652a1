"""A provider package outside this repository, tested with ``voucher_engine.testing`` alone.

The test copies the example provider's package (docs/provider_example: its pyproject.toml,
giftcard.py and tests/) into a temporary directory, installs it with pip into a temporary
venv layered over this one (voucher-engine, its kit and pytest come from here; nothing is
installed into this venv), and runs pytest in that directory with the venv's interpreter: the
provider is found through its ``voucher_engine`` entry point, the fixtures through the kit's
``pytest11`` entry point, with no conftest and nothing of our tests/ on the path.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "provider_example"


@pytest.fixture(scope="module")
def third_party_venv(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the package's directory, the venv's python) with the package installed."""
    root = tmp_path_factory.mktemp("third-party")
    package = root / "voucher-engine-giftcard"
    shutil.copytree(EXAMPLE, package, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    env_dir = root / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # This venv's packages (and their own .pth files: our editable install) under the new one's.
    outer = sysconfig.get_paths()["purelib"]
    Path(purelib, "_outer_venv.pth").write_text(f"import site; site.addsitedir({outer!r})\n")
    installed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--quiet",
            str(package),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return package, python


def test_the_package_is_installed_in_its_own_venv_only(third_party_venv):
    _, python = third_party_venv
    where = subprocess.run(
        [
            python,
            "-c",
            "import giftcard, importlib.metadata as m; print(giftcard.__file__); "
            "print(sorted(e.name for e in m.entry_points(group='voucher_engine')))",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=python.parent,
    ).stdout.splitlines()
    assert where[0].startswith(str(python.parents[1]))  # installed, not read from docs/
    assert "'giftcard'" in where[1]
    assert (
        subprocess.run([sys.executable, "-c", "import giftcard"], capture_output=True, cwd="/", check=False).returncode
        != 0
    )


@pytest.mark.slow  # a venv, a pip install and a pytest run of its own: about a minute
def test_the_example_provider_passes_its_own_tests_with_the_kit_alone(third_party_venv):
    package, python = third_party_venv
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTEST_ADDOPTS"}}
    done = subprocess.run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=package,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    summary = done.stdout.strip().splitlines()[-1]
    assert "failed" not in summary and "error" not in summary, summary
    # every test ran on both databases (6 tests x 2 backends), none skipped
    assert summary.startswith("12 passed"), summary
