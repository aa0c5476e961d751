# scimloop — common tasks. `make run` and `make test` are the two a newcomer needs.
GO       ?= go
BIN      ?= bin/scimloop
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X github.com/scimloop/scimloop/harness.Version=$(VERSION)

.PHONY: build run test test-matrix test-chaos race bench bench-watch lint fuzz clean image screenshot

build: ## build the scimloop binary into bin/
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/scimloop

run: build ## run every check against the embedded reference server
	./$(BIN) run --out scimloop-report

test: ## the whole test suite but the fault matrix, race detector on (CI runs it, then test-matrix and test-chaos)
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 20m -skip '^TestFaultMatrix$$' ./...

# test-matrix: one full run per reference-server fault (over 200), each held to
# harness/testdata/faultmatrix.golden; slow, so make test leaves it to this target.
test-matrix: ## the fault matrix: every fault's run against its golden line
	$(GO) test -race -count=1 -timeout 30m -run '^TestFaultMatrix$$' ./harness/

race: test

# test-chaos: 20 full runs against each chaos fault (flaky-5xx, flaky-429)
# must each give the clean verdict; make test runs 2 of each. CI runs both.
CHAOS_RUNS ?= 20
test-chaos: ## 20 runs against each chaos fault, each with the clean verdict
	SCIMLOOP_CHAOS_RUNS=$(CHAOS_RUNS) $(GO) test -race -count=1 -timeout 40m -run '^TestChaosVerdictsStable$$' ./harness/

# fuzz: every target that reads server output, FUZZTIME each, one at a time
# (the seed corpora in */testdata/fuzz also run in plain `go test`). New
# interesting inputs land in $(go env GOCACHE)/fuzz; copy the ones worth
# keeping into <pkg>/testdata/fuzz/<Target>/. A long run: make fuzz FUZZTIME=10m
FUZZTIME    ?= 30s
FUZZTARGETS := ./fakeidp/:FuzzDiscover ./fakeidp/:FuzzGetAttr ./fakeidp/:FuzzRecorder \
	./assertions/:FuzzJudge ./assertions/:FuzzJudgeMore ./reports/:FuzzWriters ./internal/redact/:FuzzBody ./safety/:FuzzSweep

fuzz: ## fuzz every parser of server output for FUZZTIME each (default 30s)
	@set -e; for t in $(FUZZTARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; echo "fuzz $$name ($$pkg) for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) -parallel 1 $$pkg; \
	done

# image: the scimloop image, FROM scratch: the static binary and the host's CA
# bundle (so https targets verify), copied into bin/ for the Dockerfile.
IMAGE     ?= scimloop
CA_BUNDLE ?= /etc/ssl/certs/ca-certificates.crt

image: ## build the scimloop image as $(IMAGE) and $(IMAGE):$(VERSION) (needs Docker)
	$(MAKE) build BIN=bin/scimloop
	cp $(CA_BUNDLE) bin/ca-certificates.crt
	docker build -t $(IMAGE) -t $(IMAGE):$(VERSION) .

bench: ## benchmarks: harness throughput vs plain net/http (and the clients alone), reference server at scale, reconcile at 100k and its 10k/100k/1M curve (index and cursor paging)
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 2s ./fakeidp/ ./harness/ ./sequences/ ./internal/refserver/
	$(GO) test -run '^$$' -bench 'Reconcile' -benchtime 1x -timeout 30m ./reconcile/

bench-watch: ## scimloop watch: 10,000 ticks at 10ms (RSS, goroutines, state size) and detection latency, run once
	$(GO) test -run '^$$' -bench 'BenchmarkWatchEndurance|BenchmarkDetectionLatency' -benchtime 1x ./watch/

lint: ## gofmt and go vet
	@test -z "$$(gofmt -l .)" || (gofmt -l .; echo "gofmt: the files above need formatting"; exit 1)
	$(GO) vet ./...

# screenshot: a run against the embedded server with faults (so failures show),
# its report.html rendered by headless Chromium (Debian: apt-get install chromium).
SHOT_DIR    ?= scimloop-screenshot
SHOT_FAULTS ?= no-etag,ignore-if-match,create-returns-200,patch-returns-stale-body
CHROMIUM    ?= chromium

screenshot: build ## render report.html of a faulty run in headless Chromium into $(SHOT_DIR)/report.png
	rm -rf $(SHOT_DIR) && mkdir -p $(SHOT_DIR)
	./$(BIN) run --quiet --out $(SHOT_DIR) --fault $(SHOT_FAULTS); rc=$$?; test $$rc -le 1 || exit $$rc
	profile=$$(mktemp -d); $(CHROMIUM) --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync --user-data-dir=$$profile \
		--screenshot=$(abspath $(SHOT_DIR))/report.png --window-size=1280,2400 \
		file://$(abspath $(SHOT_DIR))/report.html; rc=$$?; rm -rf $$profile; exit $$rc
	@echo "screenshot: $(SHOT_DIR)/report.png"

clean:
	rm -rf bin scimloop-report scimloop-screenshot
