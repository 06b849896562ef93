#!/usr/bin/env bash
# Builds promtool (github.com/prometheus/prometheus/cmd/promtool, Go module proxy) into
# ~/.cache/milvus-index-operator/tools/promtool/<module version>/ for the alerting-rule tests.
# Prometheus 3.x is published as Go module v0.3XX.Y (= Prometheus 3.XX.Y); -X stamps both so
# `promtool --version` names the module version the cache is keyed by. The tag remove_all_sd leaves out the
# service-discovery plugins (AWS, Azure, GCE, Kubernetes, ...): the tests only check and unit-test rule files, and
# without them the cold build downloads and compiles far less.
set -euo pipefail
PROMTOOL=${MIO_PROMTOOL_VERSION:-0.316.0}   # Go module version, no "v"
MINOR=${PROMTOOL#0.}; MINOR=${MINOR%%.*}; PATCH=${PROMTOOL##*.}
RELEASE="$((MINOR / 100)).$((MINOR % 100)).$PATCH"
V=github.com/prometheus/common/version
GO_BUILD_TAGS=remove_all_sd VERSION_ARG=--version exec bash "$(dirname "$0")/go-install-tool.sh" promtool "$PROMTOOL" "github.com/prometheus/prometheus/cmd/promtool" \
  "-s -w -X $V.Version=$RELEASE -X $V.Revision=v$PROMTOOL -X $V.Branch=module" "first build takes several minutes"
