# The two commands of the README. Each does its own set-up (scripts/bootstrap.sh).
UV ?= uv
export PATH := $(HOME)/.local/bin:$(PATH)

.PHONY: demo test lint

demo:
	@scripts/bootstrap.sh
	$(UV) run nongso demo

test:
	@scripts/bootstrap.sh test
	$(UV) run pytest -q -n 2 --dist loadgroup

lint:
	$(UV) run mypy qr ocop server
