"""python -m evals.promise_probes: the probe file is read with clear errors, and the figures it prints are the guard's."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals import promise_probes
from evals.datafiles import EvalDataError


def test_every_shipped_probe_generates_its_sentences() -> None:
    probes = promise_probes.load()
    assert {p.against for p in probes} == {"nothing", "reference"}
    pledges = next(p for p in probes if p.name == "pledges")
    assert len(pledges.sentences) == 7 * 16 * 10 + 7 * 13 * 8
    gifts = next(p for p in probes if p.name == "gifts")
    assert "I've added a tenner to your account." in gifts.sentences  # a nested slot filled inside the outer one
    assert all("{" not in s for p in probes for s in p.sentences)


@pytest.mark.parametrize("name", ["probes_c.yaml", "probes_d.yaml", "probes_e.yaml"])
def test_the_independent_probe_files_load_with_both_tickets(name: str) -> None:
    probes = promise_probes.load(promise_probes.PROBES.with_name(name))
    assert {p.against for p in probes} == {"nothing", "reference"}
    assert all(p.sentences and all("{" not in s for s in p.sentences) for p in probes)
    assert sum(len(p.sentences) for p in probes) > 2000


def test_the_reference_probes_hold_nothing_and_the_cli_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert promise_probes.main(["--probe", "no_promise_b", "--show", "0"]) == 0
    assert "52 sentences     0 held (false alarm)" in capsys.readouterr().out


def test_a_probe_the_guard_misses_is_listed(tmp_path: Path) -> None:
    data = tmp_path / "probes.yaml"
    # a sentence that promises nothing, judged as if it must be held: the guard passes it, so it is "wrong"
    data.write_text(
        "probes:\n  - name: plain\n    against: nothing\n    groups:\n      - template: 'The shop opens at {h}.'\n        slots: {h: ['9 am', '10 am']}\n",
        encoding="utf-8",
    )
    [result] = promise_probes.run(path=data)
    assert result["sentences"] == 2 and len(result["wrong"]) == 2


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("probes: {}", "expected a mapping with a list under 'probes'"),
        ("probes:\n  - name: x\n    against: everyone\n    groups: []\n", "against must be one of nothing, reference"),
        (
            "probes:\n  - name: x\n    against: nothing\n    groups:\n      - template: '{a} {b}'\n        slots: {a: ['x']}\n",
            "names b, which no slot gives",
        ),
        (
            "probes:\n  - name: x\n    against: nothing\n    groups:\n      - template: '{a}'\n        slots: {a: []}\n",
            "x' group 1.slots.a: expected a non-empty list",
        ),
        ("probes: [", "not valid YAML"),
    ],
)
def test_a_malformed_probe_file_is_refused_with_the_place(tmp_path: Path, body: str, problem: str) -> None:
    data = tmp_path / "probes.yaml"
    data.write_text(body, encoding="utf-8")
    with pytest.raises(EvalDataError, match=problem.replace("(", r"\(").replace("'", ".")):
        promise_probes.load(data)
    assert promise_probes.main(["--data", str(data)]) == 2


def test_an_unknown_probe_name_is_refused() -> None:
    with pytest.raises(EvalDataError, match="no probe named nope"):
        promise_probes.run(["nope"])


# What the independent authors' probes measured on the code that landed (bench/RESULTS.md, sessions 11 and 12):
# harmless replies held 0, promises passed unread 54 (probes_c), 58 (probes_d) and 9 (probes_e). A change may lower
# these, never raise them.
@pytest.mark.parametrize(("name", "unread_at_most"), [("probes_c.yaml", 54), ("probes_d.yaml", 58), ("probes_e.yaml", 9)])
def test_the_independent_probes_do_not_regress(name: str, unread_at_most: int) -> None:
    results = promise_probes.run(path=promise_probes.PROBES.with_name(name))
    held = {r["probe"]: r["wrong"] for r in results if r["against"] == "reference"}
    unread = sum(len(r["wrong"]) for r in results if r["against"] == "nothing")
    assert held and all(not wrong for wrong in held.values()), held
    assert unread <= unread_at_most, unread
