# bordermonitor: `make demo` to try it, `make test` to run every test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/bordermonitor

.PHONY: demo test test-sqlite test-postgres install system-deps lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

# Debian packages the tests need: Chromium for the browser tests, pg_dump for the
# PostgreSQL leak test, Pango (with HarfBuzz and a font covering Cyrillic) for
# WeasyPrint's PDFs, a Java runtime for pyspark.  Installed only when missing (needs root, as on CI).
PDF_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
system-deps:
	@if ! command -v chromium >/dev/null 2>&1; then \
		echo "Installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi
	@command -v chromium >/dev/null 2>&1 || { echo "chromium is missing and could not be installed"; exit 1; }
	@if ! dpkg -s $(PDF_DEBS) >/dev/null 2>&1; then \
		echo "Installing Pango, HarfBuzz and DejaVu fonts for WeasyPrint (the family letter's PDF)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PDF_DEBS) >/dev/null; \
	fi
	@dpkg -s $(PDF_DEBS) >/dev/null 2>&1 || { echo "$(PDF_DEBS) are missing and could not be installed"; exit 1; }
	@if ! command -v java >/dev/null 2>&1; then \
		echo "Installing a Java runtime for the Spark matching engine (pyspark)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null; \
	fi
	@command -v java >/dev/null 2>&1 || { echo "java is missing and could not be installed (needed by pyspark)"; exit 1; }

demo: $(STAMP)
	BM_DEBUG=$${BM_DEBUG:-1} $(BIN)/bordermonitor demo

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/bandit -q -r src -c pyproject.toml

test: $(STAMP) system-deps lint
	@$(MAKE) --no-print-directory test-sqlite
	@$(MAKE) --no-print-directory test-postgres

test-sqlite: $(STAMP)
	@echo "=== test suite on SQLite ==="
	@tmp=$$(mktemp -d) && BM_DATA_DIR=$$tmp BM_DEBUG=1 BM_TEST_SQLITE_FILE=$$tmp/test.sqlite3 \
		DATABASE_URL=sqlite:///$$tmp/bordermonitor.sqlite3 $(BIN)/python -m pytest; \
		rc=$$?; rm -rf $$tmp; exit $$rc

test-postgres: $(STAMP)
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_URL)'.rsplit('/',1)[0] + '/postgres', connect_timeout=3).close()" 2>/dev/null; then \
		echo "=== test suite on PostgreSQL ($(PG_URL)) ==="; \
		tmp=$$(mktemp -d) && BM_DATA_DIR=$$tmp BM_DEBUG=1 DATABASE_URL=$(PG_URL) $(BIN)/python -m pytest; \
		rc=$$?; rm -rf $$tmp; exit $$rc; \
	else \
		echo "=== PostgreSQL is NOT reachable at $(PG_URL): the PostgreSQL run was SKIPPED; only SQLite was tested ==="; \
	fi

clean:
	rm -rf $(VENV) var .pytest_cache
