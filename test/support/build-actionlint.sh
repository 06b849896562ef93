#!/usr/bin/env bash
# Builds actionlint (github.com/rhysd/actionlint/cmd/actionlint, Go module proxy) into
# ~/.cache/milvus-index-operator/tools/actionlint/<version>/ for linting .github/workflows (make lint-workflows).
set -euo pipefail
ACTIONLINT=${MIO_ACTIONLINT_VERSION:-1.7.12}   # no "v"
VERSION_ARG=-version exec bash "$(dirname "$0")/go-install-tool.sh" actionlint "$ACTIONLINT" "github.com/rhysd/actionlint/cmd/actionlint" \
  "-s -w" "first build takes under a minute"
