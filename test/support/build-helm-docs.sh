#!/usr/bin/env bash
# Builds helm-docs (github.com/norwoodj/helm-docs/cmd/helm-docs, Go module proxy) into
# ~/.cache/milvus-index-operator/tools/helm-docs/<version>/ for the chart's values table (make chart-docs).
# The module sets its version only through -ldflags (main.version), so the build stamps it.
set -euo pipefail
HELM_DOCS=${MIO_HELM_DOCS_VERSION:-1.14.2}   # no "v"
VERSION_ARG=--version exec bash "$(dirname "$0")/go-install-tool.sh" helm-docs "$HELM_DOCS" "github.com/norwoodj/helm-docs/cmd/helm-docs" \
  "-s -w -X main.version=v$HELM_DOCS" "first build takes a few minutes (it links part of Helm)"
