# Two entry points (see README): `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
OUT    ?= demo-out
LEAK_DATE ?= 2017-05-05
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export DO_NOT_TRACK ?= 1

.PHONY: demo test lint sample-dump system-deps browser-deps test-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# python-magic needs the system libmagic; install it with apt when missing (Debian/Ubuntu).
system-deps:
	@if ! ldconfig -p 2>/dev/null | grep -q 'libmagic\.so\.1'; then \
	  echo "installing libmagic1 (needed by python-magic)"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q libmagic1; \
	  else sudo apt-get update -q && sudo apt-get install -y -q libmagic1; fi; \
	fi

# The tests edit real files with ExifTool (a metadata editor forgers use) and the
# benchmarks time it: Debian's libimage-exiftool-perl.
test-deps:
	@if ! command -v exiftool >/dev/null 2>&1; then \
	  echo "installing exiftool (tests and benchmarks)"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q libimage-exiftool-perl; \
	  else sudo apt-get update -q && sudo apt-get install -y -q libimage-exiftool-perl; fi; \
	fi

# The review app's browser tests drive Debian's chromium (never a downloaded browser).
browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "installing chromium (browser tests of the review app)"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q chromium; \
	  else sudo apt-get update -q && sudo apt-get install -y -q chromium; fi; \
	fi

$(VENV)/.installed: pyproject.toml | $(BIN)/python system-deps
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python system-deps browser-deps test-deps
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/authenticity scan data/sample_dump --out $(OUT) --leak-date $(LEAK_DATE)
	@echo
	@echo "Scorecards: $(OUT)/scorecards.jsonl"
	@echo "Report:     $(OUT)/report.html"

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -q

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check authenticity flows tests data benchmarks
	$(BIN)/ruff format --check authenticity flows tests data benchmarks

# Regenerate the bundled sample dump (deterministic; needs the producer libraries).
sample-dump: $(VENV)/.installed-dev
	$(BIN)/python data/make_sample_dump.py --out data/sample_dump

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache
