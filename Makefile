# The two commands of the README: `make run` and `make test`.
GO ?= go

.PHONY: run test build vet fuzz bench

## run: start the server on its embedded defaults (SQLite + files under ./akte-data)
run:
	$(GO) run ./cmd/akte serve

## test: the whole test suite (installs what it needs first)
test:
	./scripts/test-deps.sh
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 25m ./...

## build: the akte binary into ./bin
build:
	$(GO) build -o bin/akte ./cmd/akte

## fuzz: run every fuzz target for a short while
fuzz:
	./scripts/fuzz.sh 20s

## bench: the benchmarks recorded in docs/benchmarks.md
bench:
	$(GO) test -run '^$$' -bench . -benchtime 3x ./seal ./blob/disk
