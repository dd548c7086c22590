# Opinion Network: `make run` (embedded: SQLite, in-process tasks, demo data) and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.requirements-installed

.PHONY: run test lint setup migrate messages vendor clean

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

setup: $(STAMP)

# Compile translations when msgfmt is present and a .po is newer than its .mo
# (the compiled .mo files are committed, so a machine without gettext still works).
messages: $(STAMP)
	@for po in locale/*/LC_MESSAGES/*.po; do \
	  mo=$${po%.po}.mo; \
	  if [ ! -f "$$mo" ] || [ "$$po" -nt "$$mo" ]; then \
	    if command -v msgfmt >/dev/null; then msgfmt --check -o "$$mo" "$$po" && echo "compiled $$mo"; \
	    else echo "msgfmt not found: using the committed $$mo"; fi; \
	  fi; \
	done

run: export DEBUG ?= 1
run: $(STAMP) messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py setup_periodic_tasks
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: export DEBUG ?= 1
test: $(STAMP) messages
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

vendor:
	bash scripts/vendor_assets.sh

clean:
	rm -rf $(VENV) staticfiles tests/screenshots
