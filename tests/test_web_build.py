"""The built web app committed in server/static/app/ is what web/'s sources build to: a change to the
sources without a rebuild (or a hand edit of a built file) fails here."""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.database_free]  # runs npm ci and a Vite build

ROOT = Path(__file__).parents[1]
BUILT = ROOT / "server" / "static" / "app"


def _files(folder: Path) -> set[str]:
    return {str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file()}


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed; the built app cannot be checked")
def test_the_committed_build_matches_the_sources(tmp_path):
    sources = tmp_path / "web"
    shutil.copytree(ROOT / "web", sources, ignore=shutil.ignore_patterns("node_modules"))
    # vite.config.ts and tsconfig.json refer to ../schema/schema.graphql and ../server/static/app.
    shutil.copytree(ROOT / "schema", tmp_path / "schema", ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    out = tmp_path / "out"
    environment = {**os.environ, "QIANSHOU_WEB_OUT": str(out)}
    for command in (["npm", "ci", "--no-audit", "--no-fund"], ["npm", "run", "build"]):
        done = subprocess.run(command, cwd=sources, env=environment, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert _files(out) == _files(BUILT), "rebuild: cd web && npm run build, and commit server/static/app"
    differing = [name for name in sorted(_files(out)) if not filecmp.cmp(out / name, BUILT / name, shallow=False)]
    assert differing == [], f"built files differ from the sources' build: {differing}"
