# Two commands on a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
# pytest-xdist processes for `make test` (each has its own database, schema and temp dirs); 0 runs in one process.
TEST_WORKERS ?= 2

.PHONY: run test install migrate demo serve worker bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed

migrate: install
	$(FLASK) db upgrade

demo: migrate
	$(FLASK) demo load

# gunicorn and the job consumer together; Ctrl-C (or gunicorn stopping) stops both.
serve: install
	@$(BIN)/huey_consumer wsgi.huey --workers 2 & consumer=$$!; \
	trap 'kill $$consumer 2>/dev/null; wait $$consumer' EXIT INT TERM; \
	$(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

# One more consumer, e.g. on another machine sharing JOBS_URL=redis://…: -n leaves the periodic jobs to the first.
worker: install
	$(BIN)/huey_consumer wsgi.huey --workers 2 -n

run: demo serve

test: install
	$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance static/media
