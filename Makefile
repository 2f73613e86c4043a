# Two commands a newcomer needs: `make demo` (the main job) and `make check` (every check and test).
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
RUN := $(UV) run --frozen --no-sync

.PHONY: demo calculators check test lint sync clean

$(UV):
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

sync: $(UV)
	UV_PYTHON_DOWNLOADS=never $(UV) sync --frozen

# The clinic server on a demo clinic (SQLite in ./ketapath-data, created and seeded on first run).
demo: sync
	$(RUN) ketapath serve --demo --data-dir ketapath-data $(DEMO_ARGS)

# The offline calculators on a worked example (no server, no database).
calculators: sync
	$(RUN) ketapath demo

lint: sync
	$(RUN) ruff format --check src tests bench scripts
	$(RUN) ruff check src tests bench scripts
	$(RUN) mypy
	$(RUN) lint-imports

# PostgreSQL is production: the tests run against it too (scripts/ensure-postgres starts or
# installs it); browser tests drive Debian's chromium (scripts/ensure-chromium installs it).
# KETAPATH_REQUIRE_POSTGRES=1 / KETAPATH_REQUIRE_BROWSER=1 (set by CI) make a missing one fail.
test: sync
	@scripts/ensure-chromium >/dev/null || [ "$${KETAPATH_REQUIRE_BROWSER:-0}" != 1 ]
	@url=$$(scripts/ensure-postgres) || { [ "$${KETAPATH_REQUIRE_POSTGRES:-0}" = 1 ] && exit 1; url=; }; \
	KETAPATH_TEST_POSTGRES_URL=$${KETAPATH_TEST_POSTGRES_URL:-$$url} $(RUN) pytest $(PYTEST_ARGS)

check: lint test

clean:
	rm -rf $(TOOLS) $(VENV)
