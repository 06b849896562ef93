# milvus-index-operator: developer and CI entry points.
# Node 24 comes from node_modules (the `node` devDependency): always go through npm, never a bare `node`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
NPM_EXEC := npm exec --

# $(call timed,label,command): run command, print its wall time, keep its exit status.
timed = @s=$$(date +%s); rc=0; $(2) || rc=$$?; echo "[time] $(1): $$(( $$(date +%s) - s )) s$$( [ $$rc = 0 ] || echo " (exit $$rc)")"; exit $$rc

.PHONY: test prebuild test-unit test-integration

## test: everything `.ci/run` runs (unit + integration against real servers)
test: prebuild test-unit test-integration

## prebuild: build/cache kube-apiserver, etcd, kubectl (Go module proxy) and the Milvus Lite venv (PyPI)
prebuild:
	$(call timed,prebuild,$(NPM_EXEC) tsx scripts/prebuild.ts)

## test-unit: vitest unit tier
test-unit:
	$(call timed,test-unit,npm run test:unit)

## test-integration: vitest integration tier (real kube-apiserver + etcd, real Milvus Lite)
test-integration:
	$(call timed,test-integration,npm run test:integration)
