# Two commands get a new machine going: `make run` and `make test`.
# Everything installs into .venv from pyproject.toml, pinned by constraints.txt.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.tactful-installed
PORT   ?= 8501
export HF_HUB_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: install run test test-fast lint bench eval lock clean

install: $(STAMP)

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Tactful needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "pip>=24,<27"

$(STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $@

## make run: install, load the sample incident with its tickets, start the app on http://localhost:$(PORT) and
## load the sample knowledge base beside it (the first page shows at once, with the progress; drafting waits for it)
run: install
	$(BIN)/tactful load --incident drafting/samples/delivery-growth.incident.yaml --tickets drafting/samples/delivery-growth.tickets.jsonl
	$(BIN)/tactful app --port $(PORT) --ingest knowledge/samples

## make test: lint and type checks, then the whole suite (slow tests included; see README for -m "not slow")
test: install lint
	$(BIN)/python -m pytest

## make lint: ruff (lint and format check) and mypy (config in pyproject.toml)
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test-fast: install
	$(BIN)/python -m pytest -m "not slow"

## make bench: tone-guard throughput, the guards' cost per LLM draft, drafting throughput, API load (50 clients, SQLite and PostgreSQL), then retrieval latency and ingest throughput at 1k and 10k chunks
## -> bench/RESULTS.md (the default fused models, then USE alone); takes about 30 minutes on 2 cores
bench: install
	$(BIN)/python -m bench.tone
	$(BIN)/python -m bench.guards
	$(BIN)/python -m bench.drafting
	$(BIN)/python -m bench.load
	$(BIN)/python -m bench.app
	$(BIN)/python -m bench.radar
	$(BIN)/python -m bench.retrieval --sizes 1000 10000 --embedding use+e5
	$(BIN)/python -m bench.retrieval --sizes 1000 10000 --embedding use

## make eval: tone guard on the labelled set (never-tuned split) and on the Stanford Politeness Corpus
## (if ../shared/data is beside the checkout), drafting over the scenario set, retrieval quality, the chat
## radar, then the promise sets, injection signs and attacks on the drafting path (test splits);
## HTML reports under data/reports/
eval: install
	$(BIN)/python -m evals.tone --data evals/data/tone_labelled.jsonl --split test --report data/reports/tone-test.html
	if [ -f ../shared/data/politeness/wikipedia.annotated.csv ]; then \
	  $(BIN)/python -m evals.tone --data ../shared/data/politeness/wikipedia.annotated.csv --text-col Request \
	    --label-col "Normalized Score" --task score --kind chat --report data/reports/politeness.html; fi
	$(BIN)/python -m evals.drafts --report data/reports/drafts.html
	$(BIN)/python -m evals.retrieval --report data/reports/retrieval.html
	$(BIN)/python -m evals.radar
	$(BIN)/python -m evals.commitments --split test
	$(BIN)/python -m evals.commitments --data evals/data/commitments/promises_b.jsonl --split test
	$(BIN)/python -m evals.injection --split test
	$(BIN)/python -m evals.attacks --split test --report data/reports/attacks-test.html

## make lock: refresh constraints.txt from the current environment
lock: install
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^tactful' > constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
