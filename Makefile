# Two commands: `make run` (set up, load the demo, start the app) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8501

.PHONY: run dev test bench lint setup db clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

db: setup
	$(BIN)/bgm init
	$(BIN)/bgm seed-demo --if-empty

run: db
	@echo "Open http://localhost:$(PORT) – the survey opens first; log in for the dashboards."
	$(BIN)/streamlit run app.py --server.port $(PORT)

dev: db
	BGM_ENV=development $(BIN)/streamlit run app.py --server.port $(PORT) --client.showErrorDetails full

test: setup
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/bgm bench

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis
