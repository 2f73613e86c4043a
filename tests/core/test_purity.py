"""The clinical core stays pure: importing it loads no framework, and every area pins __all__."""

import importlib
import subprocess
import sys

import pytest

from ketapath.core.catalogue import AREAS

FRAMEWORKS = (
    "sqlalchemy",
    "fastapi",
    "pydantic",
    "typer",
    "rich",
    "starlette",
    "jinja2",
)


def test_importing_the_core_loads_no_framework():
    code = (
        "import sys, importlib\n"
        f"for area in {AREAS!r}:\n"
        "    importlib.import_module('ketapath.core.' + area)\n"
        "importlib.import_module('ketapath.core.catalogue').all_rules()\n"
        f"print(sorted(m for m in {FRAMEWORKS!r} if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("area", AREAS)
def test_every_area_declares_its_public_names(area):
    module = importlib.import_module(f"ketapath.core.{area}")
    assert "RULE_SETS" in module.__all__
    for name in module.__all__:
        assert hasattr(module, name), (
            f"ketapath.core.{area}.__all__ names missing {name}"
        )
