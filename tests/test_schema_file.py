"""schema/schema.graphql is what the code serves, and it honours the dashboards' contract."""

import subprocess
import sys

import pytest

from schema.schema import schema
from tests.conftest import ROOT

SCHEMA_FILE = ROOT / "schema" / "schema.graphql"
CONTRACT_CHECK = ROOT.parent / "shared" / "tools" / "check_contract.py"


def test_exported_schema_is_current():
    assert SCHEMA_FILE.read_text(encoding="utf-8") == str(schema) + "\n", (
        "schema/schema.graphql is stale: run `qianshou schema export`"
    )


@pytest.mark.skipif(not CONTRACT_CHECK.exists(), reason="../shared/tools/check_contract.py is not beside this checkout")
def test_schema_honours_the_contract():
    result = subprocess.run(
        [sys.executable, str(CONTRACT_CHECK), str(SCHEMA_FILE)], capture_output=True, text=True, check=False
    )
    assert result.stdout.strip().endswith("contract: ok"), result.stdout
