"""Every API module's router is mounted (a forgotten include once hid a whole area)."""

import importlib
import pkgutil

import ketapath.api
from ketapath.api.router import AREAS


def test_every_api_module_with_a_router_is_mounted():
    modules = {
        info.name
        for info in pkgutil.iter_modules(ketapath.api.__path__)
        if hasattr(importlib.import_module(f"ketapath.api.{info.name}"), "router")
    }
    mounted = {module.__name__.rsplit(".", 1)[1] for module in AREAS}
    assert modules - mounted == set()
