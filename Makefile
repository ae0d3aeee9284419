# The README's two commands, and the team's helpers. Each target sets up .venv first (fast when
# the requirements did not change). Configuration is by environment variable, e.g.
#   BLOG_URL=https://blog.example make demo      DEMO_PORT=8060 make demo
#   PYTEST_ARGS="-k procfile -x" make test
VENV   ?= .venv
MUTATE_VENV ?= .venv-mutate
PY     := $(VENV)/bin/python
PYTEST_ARGS ?=
# Test files run in parallel (pytest-xdist, a file's tests together on one worker): most tests
# wait on servers, crawls and browsers, so 3 workers on 2 cores cut the wall time by half.
TEST_WORKERS ?= 3

.PHONY: demo demo-many test bench lint venv clean-demo mutate

venv:
	@scripts/venv.sh $(VENV)

## demo: local database + bundled 2015 blog (or $BLOG_URL) + crawl + dashboard; Ctrl-C stops all
demo: venv
	@$(PY) scripts/demo.py

## demo-many: a dozen bundled blogs crawled by a pool of workers (Redis), then the dashboard
demo-many: venv
	@scripts/ensure-redis.sh
	@$(PY) scripts/demo_many.py

## test: the whole test suite; fails when pytest fails or collects no test (exit 5)
test: venv
	@scripts/ensure-chromium.sh
	@scripts/ensure-redis.sh
	@$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: pytest collected no tests: failing" >&2; exit 1; fi; \
	exit $$status

bench: venv
	@$(PY) -m bench

## mutate: mutation testing of measure, dates, pipelines, storage, the crawl record, the
## summaries and weeks, and the dashboard's year/figures/table/URL state; prints a table,
## writes mutation/report.md (MUTATE_ARGS="--max-children 1 blogcrawler.measure.*": one module)
mutate:
	@scripts/venv.sh $(MUTATE_VENV)
	@$(MUTATE_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-mutate.txt
	@$(MUTATE_VENV)/bin/python scripts/mutate.py $(MUTATE_ARGS)

lint: venv
	@$(VENV)/bin/ruff check .

## clean-demo: forget the demo's database (./data/db)
clean-demo:
	rm -rf data/db
