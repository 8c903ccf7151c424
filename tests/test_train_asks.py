"""Training the ask reader's second opinion (evals/train_asks.py): what it reads, and how a type's cut-off is
chosen. Every row here is written for these tests (none comes from a labelled set)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from drafting.domain.ask_meaning import make_encoder
from evals import train_asks
from evals.splits import split_of
from evals.train_asks import CUTS, MIN_UNSEEN_TICKETS, Source, choose_cut, default_sources, sources_of

ROOT = Path(__file__).resolve().parent.parent


# ── what training reads ──────────────────────────────────────────────────────────────────────────


def test_training_reads_the_training_sets_whole_and_the_labelled_sets_by_their_dev_half() -> None:
    sources = {source.path.relative_to(ROOT).as_posix(): source.rows for source in default_sources()}
    assert sources["evals/data/train/asks_train.jsonl"] == "all"
    assert sources["evals/data/asks/asks.jsonl"] == "dev"
    assert not any("tone" in name for name in sources)  # the folder also holds other guards' training sets
    assert Source(ROOT / "evals/data/train/asks_train.jsonl", "all").unseen
    assert not Source(ROOT / "evals/data/asks/asks.jsonl", "dev").unseen


def test_data_given_on_the_command_line_is_read_as_what_it_is() -> None:
    given = sources_of([ROOT / "evals/data/train/asks_train.jsonl", ROOT / "evals/data/asks/asks_b.jsonl"])
    assert [source.rows for source in given] == ["all", "dev"]


_used: set[str] = set()


def _pick(prefix: str, split: str) -> str:
    """A fresh row id that evals/splits.py puts in `split`."""
    for n in range(10_000):
        key = f"{prefix}-{n}"
        if key not in _used and split_of(key) == split:
            _used.add(key)
            return key
    raise AssertionError("no id found")


def _row(row_id: str, messages: list[str], asks: list[tuple[str, str]]) -> str:
    return json.dumps(
        {
            "id": row_id,
            "lang": "en",
            "incident": "a parcel went missing",
            "messages": messages,
            "asks": [{"type": kind, "phrase": phrase} for kind, phrase in asks],
            "role": "wronged",
            "anger": 1,
        }
    )


TRAINING_ROWS = [
    (["The parcel never came.", "Put the money back on my card."], [("refund", "Put the money back on my card")]),
    (["Still nothing after ten days.", "Someone ring me this afternoon please."], [("callback", "Someone ring me this afternoon please")]),
    (["Just saying the courier was friendly."], []),
    (["Box arrived empty.", "I'd like what I paid returned."], [("refund", "I'd like what I paid returned")]),
    (["Waited all week.", "Have a manager phone me."], [("callback", "Have a manager phone me")]),
    (["Love the new app colours."], []),
]


@pytest.mark.slow
def test_training_reads_every_row_of_a_training_set_and_records_it_as_a_source(tmp_path: Path) -> None:
    labelled, training = tmp_path / "asks_x.jsonl", tmp_path / "asks_train_x.jsonl"
    dev_id, test_id = _pick("lab", "dev"), _pick("lab", "test")
    labelled.write_text(
        _row(dev_id, ["Refund me now."], [("refund", "Refund me now")])
        + "\n"
        + _row(test_id, ["Call me back."], [("callback", "Call me back")])
        + "\n"
    )
    # rows whose ids evals/splits.py would put in either half: a training-only set is read whole
    ids = [_pick("tr", "test" if n % 2 else "dev") for n in range(len(TRAINING_ROWS))]
    training.write_text("".join(_row(row_id, messages, asks) + "\n" for row_id, (messages, asks) in zip(ids, TRAINING_ROWS, strict=True)))
    sources = [Source(labelled, "dev"), Source(training, "all")]

    arrays, meta = train_asks.train(sources, make_encoder("use"), folds=2, grid=(0.3,), unlabelled={})

    by_file = {source["file"]: source for source in meta["sources"]}
    assert by_file[str(training)]["tickets"] == len(TRAINING_ROWS)
    assert "training-only" in by_file[str(training)]["rows"]
    assert by_file[str(labelled)]["tickets"] == 1  # its test row is never read
    assert "dev half only" in by_file[str(labelled)]["rows"]
    assert meta["cross_validated"]["training sets"]["tickets"] == len(TRAINING_ROWS)
    assert json.loads(str(arrays["meta"]))["sources"] == meta["sources"]


def test_the_packaged_weights_name_the_training_set_among_their_sources() -> None:
    from drafting.domain.ask_meaning import AskMeaning

    sources = {source["file"]: source for source in AskMeaning.load().meta["sources"]}
    assert "training-only" in sources["evals/data/train/asks_train.jsonl"]["rows"]
    assert sources["evals/data/train/asks_train.jsonl"]["tickets"] > 0
    assert all("dev half only" in source["rows"] for name, source in sources.items() if name.startswith("evals/data/asks/"))


# ── choosing a type's cut-off ────────────────────────────────────────────────────────────────────


def _tickets(unseen: int, dev: int) -> dict[str, np.ndarray]:
    """Unseen tickets: the first 40% ask, the lexicon hears half of those, meaning scores the rest 0.9 and
    everything else 0.05. Dev tickets: the first half ask and the lexicon hears them all."""
    n = unseen + dev
    gold, lexicon, scores = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool), np.full(n, 0.05)
    asking = int(unseen * 0.4)
    gold[:asking], lexicon[: asking // 2], scores[asking // 2 : asking] = True, True, 0.9
    gold[unseen : unseen + dev // 2] = lexicon[unseen : unseen + dev // 2] = True
    return {"scores": scores, "gold": gold, "lexicon": lexicon, "unseen": np.arange(n) < unseen}


def test_a_cut_off_is_chosen_where_meaning_hears_what_the_lexicon_missed_on_unseen_text() -> None:
    case = _tickets(MIN_UNSEEN_TICKETS, 20)
    cut = choose_cut(case["scores"], case["gold"], case["lexicon"], case["unseen"], floor=0.8)
    assert 0.05 < cut <= 0.9


def test_a_cut_off_that_costs_the_dev_rows_their_precision_is_refused() -> None:
    case = _tickets(MIN_UNSEEN_TICKETS, 20)
    case["scores"][MIN_UNSEEN_TICKETS + 10 :] = 0.9  # on dev, meaning would add ten false asks
    assert choose_cut(case["scores"], case["gold"], case["lexicon"], case["unseen"], floor=0.8) > 1


def test_a_cut_off_never_goes_below_what_the_unlabelled_text_allows() -> None:
    case = _tickets(MIN_UNSEEN_TICKETS, 20)
    assert choose_cut(case["scores"], case["gold"], case["lexicon"], case["unseen"], floor=0.8, lowest=0.95) > 1
    assert choose_cut(case["scores"], case["gold"], case["lexicon"], case["unseen"], floor=0.8, lowest=float(CUTS[0])) <= 0.9


def test_with_few_unseen_tickets_every_ticket_judges_the_cut_off() -> None:
    # the same tickets, too few to judge on alone: the dev tickets (all heard by the lexicon) count too, and
    # meaning's additions still beat the lexicon alone
    case = _tickets(MIN_UNSEEN_TICKETS // 2, 20)
    assert choose_cut(case["scores"], case["gold"], case["lexicon"], case["unseen"], floor=0.8) <= 0.9


def test_dev_rows_spread_over_every_fold() -> None:
    # the dev half shares its first hex digit's half of the alphabet: folds must not follow that digit
    ids = [_pick("fold", "dev") for _ in range(200)]
    assert {train_asks.fold_of(row_id, 5) for row_id in ids} == set(range(5))
