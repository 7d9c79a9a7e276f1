"""Every part's ``__all__`` names exist, are documented, and nothing private leaks."""

from __future__ import annotations

import importlib
import inspect

import pytest

MODULES = [
    "ferrox",
    "ferrox.errors",
    "ferrox.config",
    "ferrox.doctor",
    "ferrox.ad",
    "ferrox.ad.math",
    "ferrox.ad.optimize",
    "ferrox.ad.robotics",
    "ferrox.ad.expr",
    "ferrox.ad.extend",
    "ferrox.ad.checks",
    "ferrox.vectordb",
    "ferrox.infer",
    "ferrox.server",
]


@pytest.mark.parametrize("name", MODULES)
def test_all_names_exist_and_are_documented(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__doc__, f"{name} has no module docstring"
    exported = module.__all__
    assert len(exported) == len(set(exported)), f"{name}.__all__ has duplicates"
    for attr in exported:
        assert hasattr(module, attr), f"{name}.__all__ names missing {attr!r}"
        obj = getattr(module, attr)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert obj.__doc__, f"{name}.{attr} has no docstring"


def test_ad_exports_the_contract() -> None:
    import ferrox.ad as ad

    for name in (
        "Dual",
        "Var",
        "jacobian",
        "grad",
        "jvp",
        "vjp",
        "hessian",
        "derivative",
        "math",
        "METHODS",
        "FunctionEngine",
        "compile_function",
    ):
        assert name in ad.__all__
    assert set(ad.METHODS) == {
        "forward",
        "forward-multi",
        "reverse",
        "finite-difference",
        "compiled",
    }


def test_public_classes_of_ad_are_not_private() -> None:
    import ferrox.ad as ad

    assert all(not n.startswith("_") for n in ad.__all__)
