"""The benchmarks stay runnable: every bench module imports against today's code (they
are not run by the suite, so a moved name would otherwise break them unnoticed)."""

import importlib
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.mark.parametrize("name", sorted(p.stem for p in BENCH.glob("*.py")))
def test_bench_module_imports(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(BENCH))

    module = importlib.import_module(name)

    assert module.__file__ == str(BENCH / f"{name}.py")
    sys.modules.pop(name, None)
