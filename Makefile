# The two commands of the README: `make run` and `make test`.
GO ?= go

.PHONY: run test build vet fuzz bench web bench-web

## run: build the web app, then start the server on its embedded defaults
## (SQLite + files under ./akte-data; open http://127.0.0.1:8080)
run: web
	$(GO) run ./cmd/akte serve

## test: the whole test suite (installs what it needs first), the browser
## tests in Chromium included (web/browser_test.go runs web/test); then the
## end-to-end suite a second time on PostgreSQL + S3 (servers started by the
## tests; the replica, outage and migration tests ran in the first pass)
test:
	./scripts/test-deps.sh
	$(MAKE) web
	$(GO) vet ./...
	AKTE_BROWSER_TESTS=1 $(GO) test -count=1 -timeout 25m ./...
	AKTE_TEST_BACKEND=postgres-s3 $(GO) test -count=1 -timeout 25m \
		-skip '^(TestReplicas|TestPostgresOutage|TestMigrate)$$' ./cmd/akte

## web: the browser app into web/dist (npm ci, Go -> WebAssembly, esbuild)
web:
	cd web && npm ci --no-audit --no-fund --loglevel=error
	cd web && node build.mjs

## build: the akte binary into ./bin
build:
	$(GO) build -o bin/akte ./cmd/akte

## fuzz: run every fuzz target for a short while
fuzz:
	./scripts/fuzz.sh 20s

## bench: the benchmarks recorded in docs/benchmarks.md
bench:
	$(GO) test -run '^$$' -bench . -benchtime 3x ./seal ./blob/disk

## bench-web: browser upload of a 200 MiB file against the CLI's (docs/benchmarks.md)
bench-web: web
	./scripts/test-deps.sh
	cd web && node bench/upload.mjs
