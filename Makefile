# The two commands a newcomer needs: `make run` and `make test`. Both bring up what is
# missing (scripts/bootstrap.sh) and are safe to run twice.
HOST ?= 127.0.0.1
PORT ?= 8000
PY := .venv/bin/python

.PHONY: run test bench soak lint messages bootstrap worker

bootstrap:
	@bash scripts/bootstrap.sh

messages: bootstrap
	@$(PY) manage.py compilemessages -v 0 --ignore=.venv

run: bootstrap messages
	@$(PY) manage.py load_demo
	@bash scripts/serve.sh "$(HOST)" "$(PORT)"

worker: bootstrap
	@$(PY) manage.py procrastinate worker

lint: bootstrap
	@.venv/bin/ruff check .
	@.venv/bin/lint-imports --no-cache

test: bootstrap messages lint
	@.venv/bin/python -m pytest

bench: bootstrap messages
	@.venv/bin/python -m pytest tests/bench -p no:cacheprovider -s -q -o addopts="" --no-header

soak: bootstrap messages
	@.venv/bin/python -m pytest tests/soak -s -q -o addopts=""
