# Two commands on a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
# pytest-xdist processes for `make test` (each has its own database, schema and temp dirs); 0 runs in one process.
TEST_WORKERS ?= 2

.PHONY: run test install migrate demo serve bench clean

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

serve: install
	$(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

run: demo serve

test: install
	$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance static/media
