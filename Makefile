# The two commands of README.md: `make run` and `make test`. Each creates the virtual
# environment when missing and installs what it needs, so a fresh clone needs nothing else.
VENV   ?= .venv
PYTHON ?= python3
BIN    := $(VENV)/bin
TORCH  ?= 2.13.0
PIP    := $(BIN)/python -m pip
EXTRAS ?= dev

.PHONY: run test test-slow lint bench bench-vectordb bench-rag bench-server bench-c2rust bench-c2rust-corpus clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

## run: install ferrox with what its main job needs and start the workbench
# (http://127.0.0.1:6333/app; the first start ingests the quick Rust-docs subset in the
# background). HOST, PORT and SERVE_ARGS pass through, e.g. SERVE_ARGS=--enable-translate
HOST       ?= 127.0.0.1
PORT       ?= 6333
SERVE_ARGS ?=
run: $(BIN)/python
	$(PIP) install --quiet torch==$(TORCH)
	$(PIP) install --quiet -e '.[ad,vectordb,server,rag,c2rust]'
	$(BIN)/ferrox serve --host $(HOST) --port $(PORT) $(SERVE_ARGS)

## test: install ferrox with the test extras and run the whole default test suite
# torch is pinned first: on this project's machines 2.13.0 is a local CPU build, and an
# unpinned requirement (from sentence-transformers) would fetch a multi-GB CUDA build.
# EXTRAS=dev,llama adds llama-cpp-python (compiled from source, several minutes) so the
# slow tests run the real llama.cpp stack; CI does that.
test: $(BIN)/python
	$(PIP) install --quiet torch==$(TORCH)
	$(PIP) install --quiet -e '.[$(EXTRAS)]'
	$(BIN)/python -m pytest

## test-slow: only the slow checks (CI selects them with the rest in one run)
test-slow: $(BIN)/python
	$(PIP) install --quiet -e '.[dev]'
	$(BIN)/python -m pytest -m slow || [ $$? -eq 5 ]

lint: $(BIN)/python
	$(PIP) install --quiet -e '.[dev]'
	$(BIN)/ruff check .

## bench: race ferrox.ad against its peers (installs JAX, CasADi, autograd, PyTorch CPU)
bench: $(BIN)/python
	$(PIP) install --quiet torch==$(TORCH)
	$(PIP) install --quiet -e '.[bench]'
	$(BIN)/python bench/ad/run.py

## bench-vectordb: embed the Rust-docs corpus once, then race ferrox.vectordb against its peers
bench-vectordb: $(BIN)/python
	$(PIP) install --quiet torch==$(TORCH)
	$(PIP) install --quiet -e '.[bench]'
	$(BIN)/python bench/vectordb/corpus.py
	$(BIN)/python bench/vectordb/run.py

## bench-server: search QPS and latency over HTTP at 8/32/128 clients vs the embedded API
bench-server: $(BIN)/python
	$(PIP) install --quiet -e '.[dev]'
	$(BIN)/python bench/server/run.py

## bench-c2rust: translate the C corpus with no LLM; build, test and safety figures
bench-c2rust: $(BIN)/python
	$(PIP) install --quiet -e '.[dev]'
	$(BIN)/python bench/c2rust/run.py

## bench-c2rust-corpus: the same on real C from Debian packages (../shared/c2rust-corpus;
# fetched with apt-get source, never committed). CORPUS_ARGS passes through, e.g.
# CORPUS_ARGS='--only jsmn-simple,libcsv-csvtest --jobs 2'
CORPUS_ARGS ?=
bench-c2rust-corpus: $(BIN)/python
	$(PIP) install --quiet -e '.[dev]'
	$(BIN)/python bench/c2rust/corpus.py $(CORPUS_ARGS)

## bench-rag: retrieval quality and latency over the local Rust docs (builds the KB once)
bench-rag: $(BIN)/python
	$(PIP) install --quiet torch==$(TORCH)
	$(PIP) install --quiet -e '.[bench]'
	$(BIN)/python bench/rag/run.py
	$(BIN)/python bench/infer/run.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
