# milvus-index-operator: developer and CI entry points.
# Node 24 comes from node_modules (the `node` devDependency): always go through npm, never a bare `node`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
NPM_EXEC := npm exec --

# $(call timed,label,command): run command, print its wall time, keep its exit status.
timed = @s=$$(date +%s); rc=0; $(2) || rc=$$?; echo "[time] $(1): $$(( $$(date +%s) - s )) s$$( [ $$rc = 0 ] || echo " (exit $$rc)")"; exit $$rc

.PHONY: test prebuild test-unit test-integration build crds demo node_modules

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

## test: everything `.ci/run` runs (unit + integration against real servers)
test: build prebuild test-unit test-integration

## prebuild: build/cache kube-apiserver, etcd, kubectl (Go module proxy) and the Milvus Lite venv (PyPI)
prebuild:
	$(call timed,prebuild,$(NPM_EXEC) tsx scripts/prebuild.ts)

## test-unit: vitest unit tier
test-unit:
	$(call timed,test-unit,npm run test:unit)

## test-integration: vitest integration tier (real kube-apiserver + etcd, real Milvus Lite)
test-integration:
	$(call timed,test-integration,npm run test:integration)
