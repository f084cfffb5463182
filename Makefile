# Two commands run everything: `make run` serves the panel with demo data, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test install lint messages clean

# Reinstall only when the dependencies change.
$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

# Processes started without DJANGO_SETTINGS_MODULE get the production settings (see
# telecom_panel/entrypoints.py); the demo and the catalogue tools name the development ones.
run messages: export DJANGO_SETTINGS_MODULE = telecom_panel.settings.base

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@echo ""
	@echo "  Panel:  http://127.0.0.1:$(PORT)/    (demo / demo, autre / autre)"
	@echo "  Admin:  http://127.0.0.1:$(PORT)/admin/    (support / support)"
	@echo ""
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Extract and compile translations (needs GNU gettext); the compiled .mo files are committed.
messages: install
	$(BIN)/python manage.py makemessages -l en --ignore=.venv --ignore=scripts --ignore=tests --ignore=docs --ignore=bench
	$(BIN)/python manage.py compilemessages -l en --ignore=.venv

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
