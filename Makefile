# The two commands: `make run` and `make test`. Both set up what is missing first:
# a virtual environment with the project and its tools, and the Debian packages
# the station and its tests use. Nothing here needs standard input.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Debian packages the station and its tests use, installed when missing:
# the Vietnamese voice, fonts that cover Vietnamese, a virtual screen for the kiosk,
# the browser the doctor's console is tested in (Playwright drives it; no download),
# and aplay, which plays the doctor's voice on the speaker.
APT_PACKAGES := espeak-ng fonts-noto-core xvfb chromium chromium-driver alsa-utils
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint typecheck pytest deps apt bench clean

run: deps
	CABIN_DATA_DIR=$${CABIN_DATA_DIR:-$(CURDIR)/var} $(BIN)/cabin run --demo

test: deps lint typecheck pytest

lint: deps
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

typecheck: deps
	$(BIN)/mypy

pytest: deps
	$(BIN)/pytest

# Every benchmark prints a table; the slow ones (rppg, bp) take a few minutes each.
BENCHMARKS := serial_decode event_latency ble ecg_peaks ppg_rate spo2 bp respiration rppg fhir_delivery teleconsult guide_search

bench: deps
	$(BIN)/python -m pip install --quiet --group bench
	@for b in $(BENCHMARKS); do echo "== benchmarks/$$b.py"; $(BIN)/python benchmarks/$$b.py || exit 1; done

deps: $(STAMP) apt fhir_bridge/sandbox/node_modules/.installed

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet -e '.[kiosk,portal,wfdb,guide]' --group test --group lint
	touch $(STAMP)

# The FHIR sandbox server (fhir_bridge/sandbox_server.py) and its pinned node modules.
fhir_bridge/sandbox/node_modules/.installed: fhir_bridge/sandbox/package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
	  echo "installing Debian packages: nodejs npm"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm; \
	}
	npm ci --prefix fhir_bridge/sandbox --no-audit --no-fund
	touch $@

apt:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache var
