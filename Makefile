# billing-admin: `make run` and `make test` work on a fresh Debian 12 machine as root.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: setup system venv run test test-fast lint format hooks lock screenshots install-desktop bench bench-large dist deb dist-check clean

setup: system venv

system:
	@scripts/system-packages

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q --require-hashes -r requirements.lock
	$(PY) -m pip install -q --no-deps -e .
	touch $@

run: setup
	scripts/run-app

# Every test, in parallel: each pytest-xdist worker has its own emulator, X display
# (tests/support/display.py), data folders and PostgreSQL databases; a file stays on one
# worker (module-scoped fixtures seed once). TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= auto
test: setup
	scripts/with-test-services $(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# The edit-run loop: the tests that need no emulator, window or keyring (their markers,
# checked by tests/conftest.py), with no display, D-Bus or PostgreSQL; under a minute.
FAST_MARKERS := not emulator and not keyring and not ui
FAST_WORKERS ?= 2
test-fast: venv
	env -u DISPLAY -u WAYLAND_DISPLAY -u DBUS_SESSION_BUS_ADDRESS -u BILLING_ADMIN_TEST_POSTGRES \
		-u BILLING_ADMIN_REQUIRE_POSTGRES -u BILLING_ADMIN_REQUIRE_KEYRING \
		$(PY) -m pytest -m "$(FAST_MARKERS)" -n $(FAST_WORKERS) $(PYTEST_ARGS)

# mypy checks app/ and ui/ as on Windows and macOS too (app/platform.py holds what differs
# by OS; tests/app/test_as_on_windows.py runs them without POSIX's parts).
lint: venv
	$(VENV)/bin/ruff check billing_admin app ui tests scripts bench
	$(VENV)/bin/ruff format --check billing_admin app ui tests scripts bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	scripts/check-lock
	$(VENV)/bin/mypy --platform win32 --cache-dir .mypy_cache/win32 billing_admin app ui
	$(VENV)/bin/mypy --platform darwin --cache-dir .mypy_cache/darwin billing_admin app ui

format: venv
	$(VENV)/bin/ruff format billing_admin app ui tests scripts bench
	$(VENV)/bin/ruff check --fix billing_admin app ui tests scripts bench

# The git pre-commit hook (.pre-commit-config.yaml): ruff, ruff format and mypy from .venv.
hooks: venv
	$(VENV)/bin/pre-commit install

# Regenerate requirements.lock from pyproject.toml, every package pinned with its hashes, one
# lock for Linux, Windows and macOS (environment markers; scripts/check-lock proves each).
# Pins already in the lock are kept while pyproject.toml allows them; to move every package
# to its newest allowed version: make lock LOCK_ARGS=--upgrade. The new lock is installed and
# PySide6 probed for the reference-count fault of 6.12.0 (tests/ui/test_pyside_refcounts.py).
lock: venv
	$(VENV)/bin/uv pip compile pyproject.toml --extra test --extra demo --extra dev --extra dist \
		--generate-hashes --python-version 3.11 --universal --custom-compile-command "make lock" \
		--quiet -o requirements.lock $(LOCK_ARGS)
	scripts/check-lock
	$(MAKE) venv
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -p no:cacheprovider tests/ui/test_pyside_refcounts.py

bench: setup
	$(PY) bench/run.py

# A million customers on SQLite and PostgreSQL; the caches are kept in BENCH_CACHE and reused
# (BENCH_ARGS=--rebuild builds them again). Several GB of disk.
BENCH_CACHE ?= $(HOME)/.cache/billing-admin-bench
bench-large: setup
	$(PY) bench/large_run.py --cache-dir $(BENCH_CACHE) $(BENCH_ARGS)

screenshots: setup
	scripts/with-test-services $(PY) scripts/screenshots.py

install-desktop: venv
	scripts/install-desktop

# The desktop bundle: dist/billing-admin-VERSION-linux-x86_64.tar.gz (PyInstaller, one folder,
# with install.sh), the Debian package dist/billing-admin_VERSION_amd64.deb made from the same
# folder, and dist/SHA256SUMS. dist-check installs the tarball in a temporary HOME and runs it
# with no venv (scripts/check-bundle), then the .deb in a fresh Debian 13 chroot
# (scripts/check-deb), as CI does. `make deb` builds the package alone (the bundle first when
# build/stage lacks it).
dist: setup
	scripts/make-dist

deb: setup
	scripts/make-deb

dist-check: setup dist
	scripts/check-bundle
	scripts/check-deb

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache build dist
