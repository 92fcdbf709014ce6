"""docs/api/index.html is the API reference of the schema file as it is now (like the schema export
test), built by `qianshou docs build`, and carries the schema's descriptions and who may call what."""

import re

import pytest

from server.api_reference import OUTPUT, SCHEMA_FILE, render
from tests.commands import qianshou

pytestmark = pytest.mark.database_free


def page() -> str:
    return render(SCHEMA_FILE.read_text(encoding="utf-8"))


def row(html: str, owner: str, field: str) -> str:
    match = re.search(rf'<tr id="{owner}\.{field}">(.*?)</tr>', html, re.S)
    assert match, f"no row for {owner}.{field}"
    return re.sub(r"<[^>]+>", "", match.group(1))


def test_the_committed_reference_is_current():
    assert OUTPUT.read_text(encoding="utf-8") == page(), "docs/api/index.html is stale: run `qianshou docs build`"


def test_the_reference_carries_descriptions_arguments_and_permissions():
    html = page()
    submit = row(html, "Mutation", "submitMilestoneUpdate")
    assert "the milestone becomes SUBMITTED" in submit
    assert "Who may call it: ADMIN, MENTOR_AGENCY (own)." in submit
    assert "Who may call it: ADMIN, MINISTRY, REGIONAL_STAFF (own)." in row(html, "Mutation", "reviewMilestoneUpdate")
    assert "ADMIN only." in row(html, "Mutation", "createWebhookSubscription")
    pairings = row(html, "Query", "pairings")
    assert "first: Int" in pairings and "filter: PairingFilter" in pairings
    assert '<section class="type" id="PairingStatus">' in html and "<td>TERMINATED</td>" in html
    assert 'href="#Pairing"' in html


@pytest.mark.slow
def test_docs_build_writes_the_page(tmp_path):
    output = tmp_path / "api" / "index.html"
    result = qianshou("docs", "build", "--output", str(output))
    assert result.returncode == 0, result.stderr
    assert output.read_text(encoding="utf-8") == page()
