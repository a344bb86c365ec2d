# The two commands of the README: `make run` and `make test`.
GO ?= go

.PHONY: run test build vet fuzz bench web bench-web bench-scale screenshots

## run: build the web app, then start the server on its embedded defaults
## (SQLite + files under ./akte-data; open http://127.0.0.1:8080)
run:
	@echo "make run: building the web app (npm packages, the Go client core as WebAssembly, the UI bundle)"
	@echo "          and then the server. The first build takes a few minutes on two cores; later ones seconds."
	@$(MAKE) --no-print-directory web
	@echo "make run: compiling and starting akte serve (SQLite and files under ./akte-data) ..."
	$(GO) run ./cmd/akte serve

## test: the whole test suite (installs what it needs first), the browser
## tests in Chromium included (web/browser_test.go runs web/test) and the
## DICOM CD tests with dcmtk and gdcm (dicom/cd_test.go), the FHIR R4 JSON
## schema checks (internal/fhirschema, node + ajv) and the PDF checks
## (internal/pdftest, poppler-utils); then the
## end-to-end suite a second time on PostgreSQL + S3 (servers started by the
## tests; the replica, outage and migration tests ran in the first pass).
## The browser suite, the longest package, runs beside the others and the
## PostgreSQL pass instead of before the latter (about 10 minutes less).
TEST_ENV = AKTE_BROWSER_TESTS=1 AKTE_FHIR_SCHEMA=1 AKTE_PDF_TESTS=1 AKTE_DICOM_TESTS=1
test:
	./scripts/test-deps.sh
	$(MAKE) web
	cd internal/fhirschema && npm ci --no-audit --no-fund --loglevel=error
	$(GO) vet ./...
	$(TEST_ENV) $(GO) test -count=1 -timeout 25m ./web & browser=$$!; \
	$(TEST_ENV) $(GO) test -count=1 -timeout 25m $$($(GO) list ./... | grep -v '/web$$') && \
	AKTE_TEST_BACKEND=postgres-s3 $(GO) test -count=1 -timeout 25m \
		-skip '^(TestReplicas|TestPostgresOutage|TestMigrate|TestLimitsAcrossReplicas)$$' ./cmd/akte; \
	rc=$$?; wait $$browser || rc=1; exit $$rc

## screenshots: refresh docs/screenshots/ from the browser tests (test runs
## write theirs to a temporary directory, so they leave the tree unchanged)
screenshots: web
	./scripts/test-deps.sh
	AKTE_BROWSER_TESTS=1 AKTE_SCREENSHOTS=docs/screenshots $(GO) test -count=1 -timeout 25m -run TestBrowser ./web

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
	$(GO) test -run '^$$' -bench . -benchtime 3x ./seal ./blob/disk ./dicom

## bench-web: browser upload of a 200 MiB file against the CLI's (docs/benchmarks.md)
bench-web: web
	./scripts/test-deps.sh
	cd web && node bench/upload.mjs

## bench-scale: the load harness at 1 million documents over 10,000 records and 10 million
## audit events, on SQLite and on PostgreSQL + S3 (the test servers, with pgbench -S as the
## baseline); about 20 minutes and 5 GB of temporary data (docs/benchmarks.md, decision 0007)
BENCH_DIR ?= /tmp/akte-bench-scale
BENCH_SHAPE ?= -records 10000 -docs 1000000 -hot 200 -hot-docs 500 -events 10000000
BENCH_LOAD ?= -clients 32 -duration 30s -warmup 5s
bench-scale:
	rm -rf $(BENCH_DIR) && mkdir -p $(BENCH_DIR)
	$(GO) build -o $(BENCH_DIR)/akte ./cmd/akte
	$(GO) run ./bench -akte $(BENCH_DIR)/akte -db sqlite://$(BENCH_DIR)/akte.db -blobs file://$(BENCH_DIR)/blobs $(BENCH_SHAPE) -gen-only
	$(GO) run ./bench -akte $(BENCH_DIR)/akte -db sqlite://$(BENCH_DIR)/akte.db -blobs file://$(BENCH_DIR)/blobs $(BENCH_SHAPE) -reuse $(BENCH_LOAD) -mix list=1
	$(GO) run ./bench -akte $(BENCH_DIR)/akte -db sqlite://$(BENCH_DIR)/akte.db -blobs file://$(BENCH_DIR)/blobs $(BENCH_SHAPE) -reuse $(BENCH_LOAD)
	rm -rf $(BENCH_DIR)
	AKTE_BENCH_SCALE=1 AKTE_BENCH_ARGS="$(BENCH_SHAPE) $(BENCH_LOAD)" $(GO) test -count=1 -timeout 2h -run TestScalePostgresS3 -v ./bench
