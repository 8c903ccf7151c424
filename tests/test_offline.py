"""No network at run time: the embedding models load from their installed packages
and a whole ingest + search works inside a network namespace with no interfaces up."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = r"""
import socket, sys
from pathlib import Path
from knowledge.embeddings import E5Embeddings, UseEmbeddings
from knowledge.ingest import ingest
from knowledge.store import KnowledgeStore, open_client

# Prove the sandbox really is offline before trusting the result.
try:
    socket.create_connection(("1.1.1.1", 443), timeout=2)
    sys.exit("network is reachable; this test would prove nothing")
except OSError:
    pass
for ef in (UseEmbeddings(), E5Embeddings()):
    store = KnowledgeStore(open_client(path=Path(sys.argv[2]) / ef.name()), ef)
    report = ingest(store, [Path(sys.argv[1])])
    assert report.ok, report.errors
    hits = store.search("refund for a late order", k=1, lang="en")
    assert hits and hits[0].doc_id == "late-delivery", hits
    print(ef.name(), "ok")
from drafting.guards.tone import check
assert check("別鬧了行嗎").verdict == "block"  # traditional-character table loads from its package
print("tone ok")
"""


def _netless_prefix() -> list[str]:
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("unshare (util-linux) is not installed")
    for prefix in ([unshare, "-n"], [unshare, "-rn"]):
        if subprocess.run([*prefix, "true"], capture_output=True).returncode == 0:
            return prefix
    pytest.skip("this machine does not allow network namespaces")


@pytest.mark.slow
def test_models_and_store_work_without_network(corpus: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_"))}
    env["HF_HUB_OFFLINE"] = "1"
    result = subprocess.run(
        [*_netless_prefix(), sys.executable, "-c", SCRIPT, str(corpus), str(tmp_path / "db")],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "tactful-use-multilingual ok" in result.stdout and "tactful-e5-small ok" in result.stdout
    assert "tone ok" in result.stdout
