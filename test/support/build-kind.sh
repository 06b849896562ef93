#!/usr/bin/env bash
# Builds kind (sigs.k8s.io/kind, Go module proxy) into ~/.cache/milvus-index-operator/tools/kind/<version>/.
# main.go is at the module root; the version is a constant in the source (no -X needed).
set -euo pipefail
KIND=${MIO_KIND_VERSION:-0.33.0}   # no "v"
exec bash "$(dirname "$0")/go-install-tool.sh" kind "$KIND" "sigs.k8s.io/kind" "-s -w"
