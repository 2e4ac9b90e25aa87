# Reseller API platform. `make run` starts everything in one process;
# `make test` is what CI runs (.ci/run).

MODULES  := pkg proto-events services/auth services/directory services/catalog \
            services/invoicing services/edge services/webhooks services/backoffice services/allinone \
            deployments sdk/go
PACKAGES := $(patsubst %,./%/...,$(MODULES))
# make test names the end-to-end module first: go test builds and runs
# packages in the order named, and its tests run longest (a minute or
# more), so they start while the other packages still compile.
TEST_PACKAGES := ./services/allinone/... $(filter-out ./services/allinone/...,$(PACKAGES))
TOOL     := GOWORK=off go tool -modfile=$(CURDIR)/tools/go.mod
TOOLBIN  := $(CURDIR)/bin/tools
LINT_DIR := tools/openapi-lint
# buf from its npm package (its release binary, pinned in tools/buf's lock
# file): compiling it from source was five CPU minutes of a cold CI run.
BUF_DIR  := tools/buf
BUF      := $(CURDIR)/$(BUF_DIR)/node_modules/.bin/buf
BINARIES := auth directory catalog invoicing edge allinone backofficectl

export GOTOOLCHAIN := local
# gin without its MessagePack binding, which we do not use: its codec
# (github.com/ugorji/go) was the costliest package of a cold build, 37 s.
# The images are built with the same tag (deployments/images).
export GOFLAGS := -tags=nomsgpack

.PHONY: run run-services test-faults test-sync test test-short tools lint fmt proto proto-check api api-check api-lint build images fuzz bench screenshots clean

## run: every service in one process over embedded NATS + FerretDB (data in ./.data)
run:
	go run ./services/allinone/cmd/allinone

## run-services: every service its own process, replicated, over a 3-node
## NATS cluster with subject permissions and a FerretDB process (loopback)
run-services:
	go run ./deployments/cmd/runservices

## test-faults: the fault suite over make run-services' processes (loopback,
## a few minutes): kills a consumer, a NATS node, the store, an edge replica
## and a webhooks replica
test-faults:
	go run ./deployments/cmd/faults

## test-sync: the nightly-sync test at 5,000 invoices (make test runs it at
## 500; about 30 minutes on the embedded store)
test-sync:
	SYNC_INVOICES=5000 go test -count=1 -timeout 60m -v -run '^TestANightlySyncByCursorMissesNothing$$' ./services/allinone/platform/

## test: every module's tests (component tests start NATS + FerretDB in process)
# The tests build with the images' configuration (no cgo, -trimpath), so
# that the images and cluster tests reuse every package the other tests
# compiled instead of compiling all of them a second time. Test binaries
# are linked without DWARF (-w; stack traces do not need it): a quarter of
# each of some fifty links.
test test-short: export CGO_ENABLED := 0
test test-short: export GOFLAGS := -tags=nomsgpack -trimpath -ldflags=-w
test:
	go test -timeout 8m -skip '^(TestImages|TestTheServicesRunAsSeparateProcesses)$$' $(TEST_PACKAGES)
	@# These build the services from the other modules' sources, which go
	@# test's cache does not track: never taken from the cache; one at a
	@# time, as each builds and starts many processes.
	go test -timeout 8m -count=1 -p 1 -run '^(TestImages|TestTheServicesRunAsSeparateProcesses)$$' ./deployments/images/ ./deployments/cluster/

## screenshots: the console's screens as PNGs in docs/console, taken by
##              the browser test (needs Chromium: apt-get install chromium)
screenshots:
	@mkdir -p docs/console
	CONSOLE_SCREENSHOTS=$(CURDIR)/docs/console go test -count=1 -run '^TestConsoleInABrowser$$' ./services/allinone/platform/

## test-short: skips the end-to-end suite
test-short:
	go test -short $(PACKAGES)

## tools: compile the pinned Go tools CI's checks use (protoc-gen-go,
## oapi-codegen) into the build cache and install the npm ones (buf, the
## OpenAPI linters), so that the checks using them only link (.ci/run
## does it beside the tests; staticcheck, which only make lint uses, is
## left to make lint)
CI_TOOLS := google.golang.org/protobuf/cmd/protoc-gen-go github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen
tools: $(LINT_DIR)/node_modules/.package-lock.json $(BUF_DIR)/node_modules/.package-lock.json
	cd tools && GOWORK=off go build $(CI_TOOLS)

## lint: gofmt, go vet and staticcheck over every module
lint:
	@out=$$(gofmt -l $(MODULES) | grep -v '\.pb\.go$$'); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet $(PACKAGES)
	cd tools && GOWORK=off go build -o $(TOOLBIN)/ honnef.co/go/tools/cmd/staticcheck
	$(TOOLBIN)/staticcheck $(PACKAGES)

fmt:
	gofmt -w $(MODULES)

## proto: lint the protobuf events and regenerate their Go code
proto: $(BUF_DIR)/node_modules/.package-lock.json
	@# GOWORK=off: buf runs protoc-gen-go with go tool -modfile (its buf.gen.yaml)
	cd proto-events && export GOWORK=off && $(BUF) lint && $(BUF) generate

## proto-check: fails when the committed generated code is stale
proto-check: proto
	@git diff --exit-code -- proto-events || (echo "generated code in proto-events is stale: run make proto and commit" && exit 1)
	@test -z "$$(git status --porcelain -- proto-events)" || (git status --porcelain -- proto-events; echo "make proto produced new files: commit them"; exit 1)

## api: regenerate each HTTP service's types and gin server interface from
##      its OpenAPI document, and the Go SDK's client from the edge's
##      (oapi-codegen; commit the result)
API_SERVICES := services/edge services/auth services/webhooks
api:
	@for d in $(API_SERVICES); do (cd $$d && $(TOOL) oapi-codegen -config api/oapi-codegen.yaml api/openapi.yaml) || exit 1; done
	cd services/edge && $(TOOL) oapi-codegen -config api/representation.oapi-codegen.yaml api/openapi.yaml
	cd sdk/go && $(TOOL) oapi-codegen -config api/oapi-codegen.yaml ../../services/edge/api/openapi.yaml

## api-check: fails when the committed generated HTTP code is stale
api-check: api
	@git diff --exit-code -- $(API_SERVICES) sdk/go || (echo "generated HTTP code is stale: run make api and commit" && exit 1)
	@test -z "$$(git status --porcelain -- $(API_SERVICES) sdk/go)" || (git status --porcelain -- $(API_SERVICES) sdk/go; echo "make api produced new files: commit them"; exit 1)

## api-lint: Spectral (spectral:oas) and Redocly (recommended-strict) on
## the OpenAPI documents: no errors and no warnings (npm packages pinned in
## tools/openapi-lint, installed from its lock file on first use)
api-lint: $(LINT_DIR)/node_modules/.package-lock.json
	@cd $(LINT_DIR) && for d in $(API_SERVICES); do \
		npx --no-install spectral lint -q -r .spectral.yaml --fail-severity=warn ../../$$d/api/openapi.yaml && \
		REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true npx --no-install redocly lint --config redocly.yaml --format=stylish ../../$$d/api/openapi.yaml || exit 1; \
	done

$(LINT_DIR)/node_modules/.package-lock.json: $(LINT_DIR)/package.json $(LINT_DIR)/package-lock.json
	cd $(LINT_DIR) && npm ci --no-audit --no-fund --loglevel=error

$(BUF_DIR)/node_modules/.package-lock.json: $(BUF_DIR)/package.json $(BUF_DIR)/package-lock.json
	cd $(BUF_DIR) && npm ci --no-audit --no-fund --loglevel=error

## build: one binary per service into ./bin
build:
	@mkdir -p bin
	go build -o bin/ ./services/auth/cmd/auth ./services/directory/cmd/directory \
		./services/catalog/cmd/catalog ./services/invoicing/cmd/invoicing \
		./services/edge/cmd/edge ./services/allinone/cmd/allinone \
		./services/backoffice/cmd/backofficectl ./services/webhooks/cmd/webhooks \
		./sdk/go/cmd/resellerctl ./sdk/go/cmd/webhookecho

## images: every service's container image as an OCI archive in bin/images
## (static binary, non-root, no shell; no Docker engine needed)
images:
	go run ./deployments/cmd/images -out bin/images

## fuzz: runs each fuzz target for FUZZTIME (default 20s)
FUZZTIME ?= 20s
fuzz:
	go test ./services/backoffice/ -run '^$$' -fuzz FuzzParseResellers -fuzztime $(FUZZTIME)
	go test ./services/backoffice/ -run '^$$' -fuzz FuzzParseAccounts -fuzztime $(FUZZTIME)
	go test ./services/backoffice/ -run '^$$' -fuzz FuzzParseProducts -fuzztime $(FUZZTIME)
	go test ./services/backoffice/ -run '^$$' -fuzz FuzzParsePriceLists -fuzztime $(FUZZTIME)
	go test ./services/backoffice/ -run '^$$' -fuzz FuzzParseInvoices -fuzztime $(FUZZTIME)
	go test ./services/backoffice/ -run '^$$' -fuzz FuzzParsePayments -fuzztime $(FUZZTIME)
	go test ./services/backoffice/ -run '^$$' -fuzz FuzzTotals -fuzztime $(FUZZTIME)
	go test ./services/backoffice/cmd/backofficectl/ -run '^$$' -fuzz FuzzDeadLetterArgs -fuzztime $(FUZZTIME)
	go test ./pkg/money/ -run '^$$' -fuzz FuzzFormat -fuzztime $(FUZZTIME)
	go test ./pkg/eventsig/ -run '^$$' -fuzz FuzzVerify -fuzztime $(FUZZTIME)
	go test ./pkg/pagetoken/ -run '^$$' -fuzz FuzzDecode -fuzztime $(FUZZTIME)
	go test ./sdk/go/ -run '^$$' -fuzz FuzzRetryAfter -fuzztime $(FUZZTIME)
	go test ./sdk/go/ -run '^$$' -fuzz FuzzVerifyWebhook -fuzztime $(FUZZTIME)
	go test ./services/catalog/internal/ports/ -run '^$$' -fuzz FuzzProductEvent -fuzztime $(FUZZTIME)
	go test ./services/catalog/internal/ports/ -run '^$$' -fuzz FuzzPriceListEvent -fuzztime $(FUZZTIME)
	go test ./services/directory/internal/ports/ -run '^$$' -fuzz FuzzAccountEvent -fuzztime $(FUZZTIME)
	go test ./services/directory/internal/ports/ -run '^$$' -fuzz FuzzResellerEvent -fuzztime $(FUZZTIME)
	go test ./services/invoicing/internal/ports/ -run '^$$' -fuzz FuzzInvoiceEvent -fuzztime $(FUZZTIME)
	go test ./services/invoicing/internal/ports/ -run '^$$' -fuzz FuzzPaymentEvent -fuzztime $(FUZZTIME)
	go test ./services/invoicing/internal/domain/ -run '^$$' -fuzz FuzzSettle -fuzztime $(FUZZTIME)
	go test ./services/webhooks/internal/domain/ -run '^$$' -fuzz FuzzParseURL -fuzztime $(FUZZTIME)
	go test ./services/webhooks/internal/adapters/ -run '^$$' -fuzz FuzzDecodeQueued -fuzztime $(FUZZTIME)
	go test ./services/auth/internal/domain/ -run '^$$' -fuzz FuzzUserChange -fuzztime $(FUZZTIME)
	go test ./services/auth/service/ -run '^$$' -fuzz FuzzOAuthEndpoints -fuzztime $(FUZZTIME)
	go test ./services/auth/service/ -run '^$$' -fuzz FuzzConsoleForms -fuzztime $(FUZZTIME)
	go test ./services/edge/internal/ports/ -run '^$$' -fuzz FuzzGeneratedWrappers -fuzztime $(FUZZTIME)
	go test ./pkg/contract/ -run '^$$' -fuzz FuzzValidate -fuzztime $(FUZZTIME)
	go test ./proto-events/rules/ -run '^$$' -fuzz FuzzCheck -fuzztime $(FUZZTIME)
	go test ./pkg/paging/ -run '^$$' -fuzz FuzzNew -fuzztime $(FUZZTIME)
	go test ./pkg/accesstoken/ -run '^$$' -fuzz FuzzVerify -fuzztime $(FUZZTIME)

## bench: the edge's own cost against a bare gin handler, then the edge and
##        the projection against the raw driver; ratios from one run
##        (ACCOUNTS=2000 REQUESTS=100 EVENTS=200 WALK=10000; FERRETDB_POSTGRESQL_URL for the PostgreSQL handler)
ACCOUNTS ?= 2000
REQUESTS ?= 100
EVENTS   ?= 200
PRODUCTS ?= 500
LISTS    ?= 4
INVOICES ?= 500
WALK     ?= 10000
bench:
	go run ./services/edge/cmd/edgebench
	go run ./services/webhooks/cmd/webhooksbench
	go run ./services/allinone/cmd/bench -accounts $(ACCOUNTS) -requests $(REQUESTS) -events $(EVENTS) -products $(PRODUCTS) -lists $(LISTS) -invoices $(INVOICES) -walk $(WALK)

clean:
	rm -rf bin .data
