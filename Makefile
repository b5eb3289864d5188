# echospec — see README.md. Needs only Go (and python3 for the example
# outside servers); everything else is fetched as Go modules.

GO      ?= go
GINKGO  := $(GO) tool ginkgo
REPORTS ?= reports
# Ginkgo parallel processes for the conformance suite.
PROCS   ?= 2
# Packages with plain Go tests (everything but the Ginkgo suites).
UNIT_PKGS = $(shell $(GO) list ./... | grep -v -e '/suites/conformance$$' -e '/suites/selftest$$' -e '/examples/')

.PHONY: test conformance unit lint bench report clean

## make test: the project's own tests — lint, unit tests, and the
## conformance suite against every built-in engine. .ci/run calls this.
test: lint
	@mkdir -p $(REPORTS)/test
	@echo "== unit tests"
	@$(GO) test -count=1 -json $(UNIT_PKGS) > $(REPORTS)/test/unit.json; \
	  unit=$$?; \
	  $(GO) run ./suites/report/cmd/tally -go $(REPORTS)/test/unit.json; \
	  echo "== conformance suite, every built-in engine (-p, --randomize-all)"; \
	  $(GINKGO) run --procs=$(PROCS) --randomize-all --timeout=20m \
	    --json-report=conformance.json --output-dir=$(REPORTS)/test ./suites/conformance; \
	  conf=$$?; \
	  echo "== self-test: the suite against every faulty server (servers/faulty)"; \
	  ECHOSPEC_SELFTEST_REPORT=$(abspath $(REPORTS))/selftest.md $(GO) test -count=1 -timeout=20m -json ./suites/selftest > $(REPORTS)/test/selftest.json; \
	  self=$$?; \
	  echo "== the Go API example (echo specs)"; \
	  $(GINKGO) run --label-filter=echo --json-report=example.json --output-dir=$(REPORTS)/test ./examples/inprocess; \
	  ex=$$?; \
	  echo "== totals"; \
	  $(GO) run ./suites/report/cmd/tally -go $(REPORTS)/test/unit.json -go $(REPORTS)/test/selftest.json \
	    -ginkgo $(REPORTS)/test/conformance.json -ginkgo $(REPORTS)/test/example.json; \
	  test $$unit -eq 0 -a $$conf -eq 0 -a $$self -eq 0 -a $$ex -eq 0

## make conformance: the suite against every built-in engine, with an
## embedded toxiproxy; a summary matrix; reports under reports/.
conformance:
	@mkdir -p $(REPORTS)
	ECHOSPEC_REPORT_DIR=$(abspath $(REPORTS)) $(GINKGO) run --procs=$(PROCS) --randomize-all --timeout=30m \
	  --json-report=conformance.json --junit-report=conformance.xml --output-dir=$(REPORTS) \
	  ./suites/conformance

## make bench: every engine × scenario through the load generator, each
## engine as its own process; reports/bench/ (never part of make test).
bench:
	$(GO) run ./fixtures/cmd/echobench -out $(REPORTS)/bench

## make report: rebuild index.html and matrix.md from a saved JSON report.
report:
	$(GO) run ./suites/report/cmd/echoreport -json $(REPORTS)/conformance.json -out $(REPORTS)

lint:
	@echo "== go vet, gofmt"
	@$(GO) vet ./...
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

clean:
	rm -rf $(REPORTS)
