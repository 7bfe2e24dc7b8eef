# Two commands: `make run` (set up, load the demo, start the app) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8501
# `make run` is the demo: the made-up municipality with published demo passwords, on
# 127.0.0.1 only. `BGM_ENV=production make run` starts without demo data and demo accounts.
BGM_ENV ?= demo

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
ifeq ($(BGM_ENV),production)
	@echo "Produktivbetrieb: keine Demo-Daten, keine Demo-Konten. Konten anlegen: bgm user add NAME --role admin"
else
	BGM_ENV=$(BGM_ENV) $(BIN)/bgm seed-demo --if-empty
endif

run: db
ifeq ($(BGM_ENV),production)
	@echo "Produktivbetrieb (BGM_ENV=production). Open http://localhost:$(PORT)"
else
	@echo "Demo-Modus – nicht für den Produktivbetrieb (BGM_ENV=$(BGM_ENV); demo mode, not for production)."
	@echo "Open http://localhost:$(PORT) – the survey opens first; log in for the dashboards."
endif
	BGM_ENV=$(BGM_ENV) $(BIN)/streamlit run app.py --server.port $(PORT)

dev: db
	BGM_ENV=development $(BIN)/streamlit run app.py --server.port $(PORT) --client.showErrorDetails full

# both cores: tests are isolated (a SQLite file or PostgreSQL schema each, free ports for the
# browser tests); a module's tests stay on one worker (module-scoped fixtures)
TEST_WORKERS ?= 2
test: setup
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadscope

bench: setup
	$(BIN)/bgm bench

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis
