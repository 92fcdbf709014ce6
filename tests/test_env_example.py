"""deploy/qianshou.env.example is the administrator's list of settings: it must name every one of
them, name nothing that is not one, and be accepted as it stands."""

from __future__ import annotations

import re

import pytest

from server.settings import Settings, load_settings
from tests.conftest import ROOT

pytestmark = pytest.mark.database_free

EXAMPLE = ROOT / "deploy" / "qianshou.env.example"
# Read by Uvicorn, prometheus-client and OpenTelemetry rather than by our settings.
OTHERS = {"FORWARDED_ALLOW_IPS", "PROMETHEUS_MULTIPROC_DIR", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_SERVICE_NAME"}
ASSIGNMENT = re.compile(r"^#?([A-Z][A-Z0-9_]*)=(.*)$")


def assignments() -> dict[str, tuple[str, bool]]:
    """Each variable the example names: its value, and whether it is set (not commented out)."""
    found = {}
    for line in EXAMPLE.read_text(encoding="utf-8").splitlines():
        if match := ASSIGNMENT.match(line):
            found[match[1]] = (match[2], not line.startswith("#"))
    return found


def setting_names() -> set[str]:
    return {f"QIANSHOU_{name.upper()}" for name in Settings.model_fields}


def test_the_example_names_every_setting_and_nothing_else() -> None:
    named = set(assignments())
    assert setting_names() - named == set(), "settings missing from the example"
    assert named - setting_names() - OTHERS == set(), "the example names variables nothing reads"


def test_the_example_as_it_stands_is_valid_settings() -> None:
    values = {
        name.removeprefix("QIANSHOU_").lower(): value
        for name, (value, is_set) in assignments().items()
        if is_set and name in setting_names() and value != ""
    }
    settings = load_settings(**values)
    assert settings.env == "production"
    assert settings.database_url.startswith("postgresql")
