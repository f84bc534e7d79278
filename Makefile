# The two commands of the README. Both are idempotent: a second run skips finished work.
.PHONY: chat test setup setup-test index bench clean

chat: setup
	.venv/bin/rag index
	.venv/bin/rag chat

test: setup-test
	.venv/bin/python -m pytest -q

setup:
	@scripts/setup.sh

setup-test:
	@scripts/setup.sh --test

index: setup
	.venv/bin/rag index

bench: setup  # make bench BENCH_ARGS="--json --limit 3 --sweep"
	.venv/bin/rag bench $(BENCH_ARGS)

clean:
	rm -rf .venv index/*/ .pytest_cache
