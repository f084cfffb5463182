# Two commands run everything: `make run` serves the panel with demo data, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run serve test install lint messages lock clean

# Reinstall only when the dependencies change. Exactly the versions (and files, by hash) of the
# lock file; the project itself without dependencies, so that nothing unlocked slips in.
$(BIN)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m pip check
	touch $@

install: $(BIN)/.installed

# Processes started without DJANGO_SETTINGS_MODULE get the production settings (see
# telecom_panel/entrypoints.py); the demo and the catalogue tools name the development ones.
run messages: export DJANGO_SETTINGS_MODULE = telecom_panel.settings.base

# This checkout becomes a development machine: its .env names the development settings, so that
# the README's manage.py and celery commands work here as written (a server has no such .env).
.env:
	echo "DJANGO_SETTINGS_MODULE=telecom_panel.settings.base" > $@

run: install .env
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@echo ""
	@echo "  Panel:  http://127.0.0.1:$(PORT)/    (demo / demo, autre / autre)"
	@echo "  Admin:  http://127.0.0.1:$(PORT)/admin/    (support / support)"
	@echo ""
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The production web process (README, "Deploying"): the production settings, PostgreSQL and Redis
# from the environment (it stops at once, naming what is missing), migrations, static files
# collected (hashed and compressed), then gunicorn (telecom_panel/gunicorn.conf.py) on PORT.
serve: export DJANGO_SETTINGS_MODULE = telecom_panel.settings.production
serve: export PORT := $(PORT)
serve: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput -v0
	exec $(BIN)/gunicorn -c telecom_panel/gunicorn.conf.py

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Extract and compile translations (needs GNU gettext); the compiled .mo files are committed.
messages: install
	$(BIN)/python manage.py makemessages -l en --ignore=.venv --ignore=scripts --ignore=tests --ignore=docs --ignore=bench
	$(BIN)/python manage.py compilemessages -l en --ignore=.venv

# After a change of dependencies in pyproject.toml: pin every package, with its hashes, for
# Python 3.11 on every platform (uv, installed on demand), then `make install`.
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --universal --python-version 3.11 --quiet -o requirements.lock

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
