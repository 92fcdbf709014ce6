"""The README's first command installs the project without its test extra (`pip install -e .`): every
library the server's code imports must then come with the runtime dependencies, not only with the
tests' (httpx once came only with the tests, and `qianshou serve --demo` failed on a fresh machine)."""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib import metadata

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import ROOT

pytestmark = pytest.mark.database_free

SERVER_CODE = ["db", "resolvers", "schema", "server"]
OURS = set(SERVER_CODE) | {"bench", "tests"}


def runtime_distributions() -> set[str]:
    """The distributions `pip install -e .` brings: the runtime requirements and theirs, with the
    extras they ask for, as installed here."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [Requirement(text) for text in project["dependencies"]]
    found: set[str] = set()
    while wanted:
        requirement = wanted.pop()
        name = canonicalize_name(requirement.name)
        if name in found:
            continue
        found.add(name)
        for text in metadata.requires(requirement.name) or []:
            nested = Requirement(text)
            applies = nested.marker is None or any(
                nested.marker.evaluate({"extra": extra}) for extra in requirement.extras | {""}
            )
            if applies:
                wanted.append(nested)
    return found


def imported_at_module_level(path) -> set[str]:
    """Top-level packages a module imports when it is loaded (imports inside functions are optional parts)."""
    names = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - OURS - {"__future__"}


def test_every_library_the_server_imports_is_a_runtime_dependency() -> None:
    runtime = runtime_distributions()
    providers = metadata.packages_distributions()
    missing = []
    for folder in SERVER_CODE:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for name in sorted(imported_at_module_level(path)):
                distributions = {canonicalize_name(d) for d in providers.get(name, [name])}
                if not distributions & runtime:
                    missing.append(f"{path.relative_to(ROOT)} imports {name} ({', '.join(sorted(distributions))})")
    assert missing == [], "add to [project] dependencies in pyproject.toml:\n" + "\n".join(missing)
