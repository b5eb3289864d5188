# echospec — see README.md. Needs only Go, make and (for the self-test's
# Python faulty servers and the example outside servers) python3;
# everything else is fetched as Go modules.

GO      ?= go
GINKGO  := $(GO) tool ginkgo
REPORTS ?= reports
TEST    := $(REPORTS)/test
# Ginkgo parallel processes for the conformance suite: one more than the
# 2 cores here, since most of a spec's time is waiting (idle times, stall
# limits, measuring windows); the timing specs judge against baselines
# measured beside them, so they keep their margins.
PROCS   ?= 3
# Packages with plain Go tests (everything but the Ginkgo suites and the
# self-test, which have targets of their own).
UNIT_PKGS = $(shell $(GO) list ./... | grep -v -e '/suites/conformance$$' -e '/suites/selftest$$' -e '/examples/')

.PHONY: test lint unit conformance-test selftest example tally conformance bench benchstat report install docs clean realworld stability

## make test: the project's own tests — lint, unit tests, the conformance
## suite against every built-in engine, the self-test, the Go API example.
## The conformance suite spends most of its time waiting (idle times,
## stall limits, measuring windows: about 1.2 of the 2 cores here), so the
## unit tests and the example run beside it, their output held until it
## ends; the self-test runs after both. Every part runs whatever the
## others did; the last line is the "N passed, N failed" tally of all of
## them. .ci/run calls this.
test:
	@mkdir -p $(TEST)
	@rm -f $(TEST)/*.json $(TEST)/failed $(TEST)/times $(TEST)/beside.log
	@t0=$$(date +%s); \
	runpart() { s=$$(date +%s); $(MAKE) --no-print-directory $$1 || echo $$1 >> $(TEST)/failed; \
	  echo "$$1 $$(( $$(date +%s) - s ))s$$2" >> $(TEST)/times; }; \
	runpart lint; \
	{ runpart unit " (beside conformance-test)"; runpart example " (beside conformance-test)"; } > $(TEST)/beside.log 2>&1 & beside=$$!; \
	runpart conformance-test; \
	wait $$beside; echo "== beside the conformance suite: the unit tests and the example"; cat $(TEST)/beside.log; \
	runpart selftest; \
	echo "== wall time per part: $$(tr '\n' ' ' < $(TEST)/times)(all $$(( $$(date +%s) - t0 ))s)"; \
	for part in lint unit conformance conformance-unix selftest example; do \
	  [ -s $(TEST)/$$part.json ] || echo "{\"Action\":\"fail\",\"Package\":\"make\",\"Test\":\"$$part (no report)\"}" >> $(TEST)/parts.json; \
	done; \
	$(MAKE) --no-print-directory tally; \
	if [ -s $(TEST)/failed ]; then echo "failed: $$(tr '\n' ' ' < $(TEST)/failed)"; exit 1; fi

## make lint: go vet, gofmt, and SPEC.md / the README's spec tables current.
lint:
	@echo "== go vet, gofmt"
	@mkdir -p $(TEST)
	@$(GO) vet ./... && (cd $(EXAMPLE) && GOFLAGS=-mod=mod $(GO) vet ./...) && out=$$(gofmt -l .) && { [ -z "$$out" ] || { echo "gofmt needed:"; echo "$$out"; false; }; }; \
	  rc=$$?; echo "{\"Action\":\"$$( [ $$rc -eq 0 ] && echo pass || echo fail )\",\"Package\":\"lint\",\"Test\":\"vet+gofmt\"}" > $(TEST)/lint.json; exit $$rc

## make unit: the plain Go tests of every package.
unit:
	@echo "== unit tests"
	@mkdir -p $(TEST)
	@$(GO) test -count=1 -json $(UNIT_PKGS) > $(TEST)/unit.json; rc=$$?; \
	  $(GO) run ./suites/report/cmd/tally -go $(TEST)/unit.json; exit $$rc

## make conformance-test: the conformance suite against every built-in
## engine, in parallel and random order. Beside it, in the same checkout,
## a second ginkgo run tests goroutine and the asyncio example on Unix
## sockets: it starts once the first run's test binary runs, rebuilds that
## file, and deletes it when it ends while the first still spawns servers
## (which exec the running binary, not its path): both must pass.
# PYTHON is the interpreter itself, not a version manager's shim (which
# takes most of a second to start it, and far longer on a busy host).
PYTHON := $(shell python3 -c 'import sys; print(sys.executable)' 2>/dev/null)
UNIX_RUN = ECHOSPEC_ENGINES=goroutine ECHOSPEC_TARGET_NETWORK=unix \
  $(if $(PYTHON),ECHOSPEC_TARGET_CMD='exec $(PYTHON) fixtures/servers/asyncio_echo.py' ECHOSPEC_TARGET_NAME=asyncio) \
  $(GINKGO) run --procs=2 --randomize-all --timeout=10m --json-report=conformance-unix.json --output-dir=$(TEST) ./suites/conformance
conformance-test:
	@echo "== conformance suite, every built-in engine (-p, --randomize-all); beside it, a second run on Unix sockets"
	@mkdir -p $(TEST)
	@rm -f $(TEST)/conformance-unix.json
	@$(GINKGO) run --procs=$(PROCS) --randomize-all --timeout=20m \
	  --json-report=conformance.json --output-dir=$(TEST) ./suites/conformance & main=$$!; \
	  for i in $$(seq 600); do ls -l /proc/[0-9]*/exe 2>/dev/null | grep -q "suites/conformance/conformance.test" && break; sleep 0.5; done; \
	  $(UNIX_RUN) > $(TEST)/conformance-unix.log 2>&1; urc=$$?; \
	  wait $$main; rc=$$?; \
	  if [ $$urc -eq 0 ]; then echo "the Unix-socket run beside it passed: $$(grep -ao 'Ran [0-9]* of [0-9]* Specs in [0-9.]* seconds' $(TEST)/conformance-unix.log)"; \
	  else echo "the Unix-socket run beside it FAILED ($(TEST)/conformance-unix.log):"; tail -60 $(TEST)/conformance-unix.log; fi; \
	  exit $$(( rc != 0 || urc != 0 ))

## make selftest: the suite against every faulty server (servers/faulty),
## each caught for the right reason; writes reports/selftest.md, and each
## run's Ginkgo JSON report to reports/test/selftest/ (for make
## stability's -from).
selftest:
	@echo "== self-test: the suite against every faulty server (servers/faulty)"
	@mkdir -p $(TEST)
	@command -v python3 >/dev/null || { echo "the self-test needs python3 (its Python faulty servers): install it, e.g. apt-get install python3"; exit 1; }
	@rm -rf $(TEST)/selftest
	@ECHOSPEC_SELFTEST_REPORT=$(abspath $(REPORTS))/selftest.md ECHOSPEC_SELFTEST_KEEP=$(abspath $(TEST))/selftest $(GO) test -count=1 -timeout=30m -json ./suites/selftest > $(TEST)/selftest.json; rc=$$?; \
	  $(GO) run ./suites/report/cmd/tally -go $(TEST)/selftest.json; exit $$rc

EXAMPLE := examples/myengine

## make example: the Go API example, as an engine author runs it: cd
## examples/myengine && go test ./... (its own module; the Ginkgo file, the
## plain go test and the leaky copy S7 must catch); every default spec must
## have run there, none skipped for lack of a process.
example:
	@echo "== the Go API example: cd $(EXAMPLE) && go test ./..."
	@mkdir -p $(TEST)
	@rm -f $(EXAMPLE)/echospec-example.json $(EXAMPLE)/*/echospec-example.json
	@cd $(EXAMPLE) && GOFLAGS=-mod=mod $(GO) test -count=1 -timeout=15m -json ./... \
	    -args -ginkgo.json-report=echospec-example.json > $(abspath $(TEST))/example.json; rc=$$?; \
	  cd $(CURDIR) && $(GO) run ./suites/report/cmd/tally -go $(TEST)/example.json; \
	  mv $(EXAMPLE)/echospec-example.json $(TEST)/example-ginkgo.json 2>/dev/null; \
	  mv $(EXAMPLE)/plain/echospec-example.json $(TEST)/example-plain.json 2>/dev/null; \
	  $(GO) run ./suites/conformancetest/cmd/allran $(TEST)/example-ginkgo.json $(TEST)/example-plain.json || rc=1; \
	  exit $$rc

## make tally: the totals of whatever parts of make test ran.
tally:
	@echo "== totals"
	@$(GO) run ./suites/report/cmd/tally \
	  $$(for f in lint unit selftest example parts; do [ -s $(TEST)/$$f.json ] && echo -go $(TEST)/$$f.json; done) \
	  $$(for f in conformance conformance-unix; do [ -s $(TEST)/$$f.json ] && echo -ginkgo $(TEST)/$$f.json; done)

## make conformance: the suite against every built-in engine, with an
## embedded toxiproxy; a summary matrix; reports under reports/.
conformance:
	@mkdir -p $(REPORTS)
	ECHOSPEC_REPORT_DIR=$(abspath $(REPORTS)) $(GINKGO) run --procs=$(PROCS) --randomize-all --timeout=30m \
	  --json-report=conformance.json --junit-report=conformance.xml --output-dir=$(REPORTS) \
	  ./suites/conformance

## make bench: the engines × scenarios through the load generator, each
## cell run BENCH_REPEAT times interleaved across engines (median, min–max),
## each engine as its own process; reports/bench/ (results.json, results.md,
## results.bench for benchstat, SVG charts). Never part of make test.
## BENCH_ENGINES=all runs every registered engine (~20 min).
BENCH_ENGINES ?=
BENCH_REPEAT  ?= 6
bench:
	$(GO) run ./fixtures/bench/cmd/echobench -out $(REPORTS)/bench -repeat $(BENCH_REPEAT) $(if $(BENCH_ENGINES),-engines $(BENCH_ENGINES))

## make benchstat OLD=path/results.bench: compare a saved run with the latest.
benchstat:
	$(GO) tool benchstat $(OLD) $(REPORTS)/bench/results.bench

## make report: rebuild index.html and matrix.md from saved JSON reports
## (several shards merge: JSON="a.json b.json"); BASE=old/conformance.json
## adds "Changes since baseline" and exits 3 on a regression.
JSON ?= $(REPORTS)/conformance.json
report:
	$(GO) run ./suites/report/cmd/echoreport -out $(REPORTS) $(if $(BASE),-base $(BASE)) $(JSON)

## make install: the echospec command and echoreport, into $(go env GOBIN)
## (or GOPATH/bin): echospec run / list / explain from any directory.
install:
	$(GO) install ./cmd/echospec ./suites/report/cmd/echoreport

## make docs: regenerate SPEC.md and the README's spec tables from the code.
docs:
	ECHOSPEC_UPDATE_DOCS=1 $(GO) test -count=1 -run TestDocsCurrent ./suites/specdoc

## make realworld: the suite against echo servers nobody here wrote, each
## started as an outside command and judged by plain echo (--protocol echo):
## socat forking cat, Node's and Python asyncio's docs examples, and the echo
## examples of gnet, evio, nbio and netpoll (servers/realworld/). Skips
## socat or node where not installed; reports under reports/realworld/NAME/;
## known findings in servers/realworld/expected_failures.txt, so it exits 0
## when the results are as known (~7 min). Never part of make test.
realworld:
	@GO=$(GO) REPORTS=$(REPORTS) bash servers/realworld/run.sh

## make stability: the noise-prone verdicts run RUNS times each
## (suites/stability): every correct engine on the specs that judge a
## bound (time, CPU, memory, threads, fds), every faulty server on the
## specs it declares; HOGS CPU-bound processes spin beside the runs, PAR
## runs go at once; TARGETS and SPECS (comma lists) narrow it. Prints and
## writes reports/stability/ (stability.md, stability.json): per spec ×
## target the runs, passes, failure kinds, catches and each bound's
## margin; exits 1 when a cell is unstable. Never part of make test.
RUNS    ?= 10
HOGS    ?= 0
PAR     ?= 3
TARGETS ?=
SPECS   ?=
stability:
	$(GO) run ./suites/stability/cmd/stability -runs $(RUNS) -hogs $(HOGS) -parallel $(PAR) -out $(REPORTS)/stability \
	  $(if $(TARGETS),-targets $(TARGETS)) $(if $(SPECS),-specs $(SPECS))

clean:
	rm -rf $(REPORTS)
