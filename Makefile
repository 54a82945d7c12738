# The two commands a newcomer needs: `make run` and `make test`. Both bring up what is
# missing (scripts/bootstrap.sh) and are safe to run twice.
HOST ?= 127.0.0.1
PORT ?= 8000
PY := .venv/bin/python

.PHONY: run dev test bench soak lint messages bootstrap worker failover-test

bootstrap:
	@bash scripts/bootstrap.sh

messages: bootstrap
	@$(PY) manage.py compilemessages -v 0 --ignore=.venv

# `make run` serves as production does: DEBUG off (a generated secret key kept in var/, static
# files from WhiteNoise). `make dev` (or `make run DEBUG=1`) turns Django's debug mode on.
DEBUG ?= 0

run: bootstrap messages
	@$(PY) manage.py load_demo
	@DEBUG=$(DEBUG) bash scripts/serve.sh "$(HOST)" "$(PORT)"

dev: bootstrap messages
	@$(PY) manage.py load_demo
	@DEBUG=1 bash scripts/serve.sh "$(HOST)" "$(PORT)"

worker: bootstrap
	@$(PY) manage.py jobs_worker

lint: bootstrap
	@.venv/bin/ruff check .
	@.venv/bin/lint-imports --no-cache
	@node_modules/.bin/biome lint

# The suite as concurrent shards (slow: browser and real-process tests; the rest in two), each
# with its own test database and Redis keys; logs in var/test-logs/ (scripts/test.sh).
test: bootstrap messages lint
	@bash scripts/test.sh

# Issue 26 on its own: a Patroni cluster (etcd + primary + synchronous standby + pgBackRest) on
# loopback; kill -9 the primary's postmaster under load, then a point-in-time restore. Part of
# `make test` too (the slow shard); this runs only it (about 3-4 minutes).
failover-test: bootstrap messages
	@.venv/bin/python -m pytest tests/failover -p no:cacheprovider -s

bench: bootstrap messages
	@.venv/bin/python -m pytest tests/bench -p no:cacheprovider -s -q -o addopts="" --no-header

soak: bootstrap messages
	@.venv/bin/python -m pytest tests/soak -s -q -o addopts=""
