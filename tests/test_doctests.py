"""The examples in every docstring of the package run and print what they show.

Modules are imported under their package names (``cogov.model.engine.sweep``), so the
examples run exactly as a user's script would.
"""

import doctest
import importlib
import pkgutil

import pytest

PACKAGES = ["cogov.model", "cogov.agents"]


def _modules() -> list[str]:
    names = ["cogov", *PACKAGES]
    for package in PACKAGES:
        module = importlib.import_module(package)
        names += [m.name for m in pkgutil.walk_packages(module.__path__, package + ".")]
    return [n for n in names if n != "cogov.model.ui.app"]  # the app needs a browser session


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                             verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
