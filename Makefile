# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
# With DATABASE_URL / REDIS_URL unset, the embedded PostgreSQL and Redis are used.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
# One stamp per requirements set: `make run` needs the runtime ones only, `make test` the rest.
RUN_STAMP := $(VENV)/.installed-run-$(shell cat requirements.txt | cksum | cut -d' ' -f1)
STAMP := $(VENV)/.installed-dev-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
WITH_SERVICES := $(PY) -m tumorboard.embedded run --
TEST_ENV := SECRET_KEY=$${SECRET_KEY:-test-only-secret-key} DEBUG= WEB_SHOTS_DIR=tests/artifacts

.PHONY: install install-runtime run test lint bench browser oidc-provider calendar-tools services stop clean

install: $(STAMP)

install-runtime: $(RUN_STAMP)

$(RUN_STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	rm -f $(VENV)/.installed-run-*
	touch $@

$(STAMP): $(RUN_STAMP) requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-dev-*
	touch $@

# gunicorn serves the pages (Procfile.dev), WhiteNoise the static files collected here.
run: install-runtime
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" DEBUG=$${DEBUG-1} $(WITH_SERVICES) sh -c \
		'python manage.py migrate --no-input && python manage.py collectstatic --no-input -v0 && \
		python manage.py load_demo && python manage.py welcome && exec honcho start -f Procfile.dev'

test: install browser oidc-provider calendar-tools lint
	$(TEST_ENV) $(WITH_SERVICES) sh -c '$(PY) manage.py makemigrations --check --dry-run && \
		$(PY) -m pytest -n 2 $(PYTEST_ARGS)'

# Browser tests drive Debian's Chromium (no browser downloads here); install it if missing.
# Without root they are skipped, loudly; CI sets BROWSER_TESTS_REQUIRED, making that a failure.
browser:
	@command -v chromium >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
		else echo "WARNING: Chromium is missing, browser tests will be SKIPPED (sudo apt-get install chromium)" >&2; fi; }

# The single sign-on tests run a real OpenID Connect provider (oidc-provider from the npm
# registry, pinned in tests/identity/provider/package-lock.json) on Debian's Node.js.
OIDC_PROVIDER := tests/identity/provider
oidc-provider:
	@command -v npm >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null; \
		else echo "WARNING: npm is missing, single sign-on tests will FAIL (sudo apt-get install nodejs npm)" >&2; fi; }
	@test -f $(OIDC_PROVIDER)/node_modules/oidc-provider/package.json || \
		npm ci --prefix $(OIDC_PROVIDER) --no-audit --no-fund --loglevel=error

# Our invites and feeds are read in tests by libical (Debian's python3-gi and
# gir1.2-ical-3.0, run by /usr/bin/python3) and by ical.js (npm, run by Debian's node).
ICALJS := tests/notifications/icaljs
calendar-tools:
	@/usr/bin/python3 -c 'import gi; gi.require_version("ICalGLib", "3.0")' 2>/dev/null && \
		command -v node >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq python3-gi gir1.2-ical-3.0 nodejs npm >/dev/null; \
		else echo "ERROR: sudo apt-get install python3-gi gir1.2-ical-3.0 nodejs npm" >&2; exit 1; fi; }
	@test -d $(ICALJS)/node_modules/ical.js || \
		npm ci --prefix $(ICALJS) --no-audit --no-fund --silent

# mypy reads the settings (django-stubs) but connects to nothing: the URLs are placeholders.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	SECRET_KEY=lint-only SITE_URL=http://lint.invalid DATABASE_URL=postgresql://lint@127.0.0.1:9/lint \
		REDIS_URL=redis://127.0.0.1:9/0 $(VENV)/bin/mypy

bench: install
	@SECRET_KEY=$${SECRET_KEY:-bench-only-secret-key} DEBUG= $(WITH_SERVICES) $(PY) -m bench.run

services: install-runtime
	$(PY) -m tumorboard.embedded up

stop:
	$(PY) -m tumorboard.embedded down

clean: stop
	rm -rf .data $(VENV)
