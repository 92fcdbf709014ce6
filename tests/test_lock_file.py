"""requirements.lock pins what CI installs: it must pin every dependency pyproject.toml names, each at
a version pyproject.toml allows, or CI would test other versions than a fresh install gets."""

from __future__ import annotations

import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import ROOT

pytestmark = pytest.mark.database_free


def locked_versions() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith((" ", "#", "-")):
            name, _, version = line.partition("==")
            pins[canonicalize_name(name.split("[")[0])] = version.strip()
    return pins


def declared_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = [*project["dependencies"]]
    for extra in ("test", "otel"):
        declared += project["optional-dependencies"].get(extra, [])
    return [Requirement(line) for line in declared if not line.startswith("qianshou")]


def test_every_declared_dependency_is_pinned_at_a_version_pyproject_allows() -> None:
    pins = locked_versions()
    wrong = []
    for requirement in declared_requirements():
        version = pins.get(canonicalize_name(requirement.name))
        if version is None or not requirement.specifier.contains(version, prereleases=True):
            wrong.append(f"{requirement} locked at {version}")
    assert wrong == [], "run: uv pip compile pyproject.toml --extra test --python-version 3.11 -o requirements.lock"
