# Two commands on a fresh machine: `make run` serves the demo, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: run test format clean

# Reinstall only when the project's dependencies change.
$(VENV)/.site: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[site]"
	touch $@

$(VENV)/.test: $(VENV)/.site
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[site,test]"
	touch $@

# axe-core for the browser tests' accessibility checks, and Biome, exactly as package-lock.json
# pins them. Without npm, or if the install fails, those checks skip with a reason (on CI they fail
# instead).
NPM := $(shell command -v npm 2>/dev/null)

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error && touch $@ \
		|| echo "npm ci failed: the axe-core accessibility checks and Biome will skip"

run: $(VENV)/.site
	DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=1 $(BIN)/python manage.py demo
	@# Tasks run at once here (no worker), so nothing waits for a "publish at" time: publish_due
	@# looks every 5 seconds beside the server, and stops with it.
	DJANGO_DEBUG=1 $(BIN)/python manage.py publish_due --every 5 & trap "kill $$! 2>/dev/null" EXIT INT TERM; \
		DJANGO_DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:8000

# Biome, as package-lock.json pins it, lints the JavaScript and CSS and checks their formatting
# (biome.json) before the tests; `make format` applies its fixes. Without it the check skips with a
# reason (on CI it fails instead).
BIOME := node_modules/.bin/biome

# The app's tests under its own minimal settings (tests/settings.py), then the site's (tests/site,
# the site's settings), each on every core (pytest-xdist; a test module stays on one worker).
# PYTEST_ARGS adds options to both, e.g. PYTEST_ARGS="-k photo -x". pytest exits 5 when it
# collected nothing: say so plainly rather than fail without a reason.
WORKERS ?= auto
PYTEST := $(BIN)/python -m pytest -n $(WORKERS) --dist loadfile $(PYTEST_ARGS)
define run_tests
	@$(PYTEST) $(1); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests in $(1)"; status=0; fi; \
	exit $$status
endef

test: $(VENV)/.test $(if $(NPM),node_modules/.installed)
	@test -n "$(NPM)" || echo "npm is not installed: the axe-core accessibility checks will skip"
	@if [ -x $(BIOME) ]; then $(BIOME) ci --error-on-warnings liveblogs/static; \
	elif [ "$$CI" = true ]; then echo "Biome is not installed (npm ci): CI must lint"; exit 1; \
	else echo "Biome is not installed (npm ci): the JavaScript and CSS are not linted"; fi
	$(call run_tests,tests --ignore=tests/site --ds=tests.settings)
	$(call run_tests,tests/site --ds=tests.site_settings)

format: $(if $(NPM),node_modules/.installed)
	$(BIOME) check --write liveblogs/static

clean:
	rm -rf $(VENV) db.sqlite3 build dist *.egg-info node_modules
