#!/usr/bin/env bash
# Builds toxiproxy-server (github.com/Shopify/toxiproxy/v2/cmd/server, Go module proxy) into
# ~/.cache/milvus-index-operator/tools/toxiproxy-server/<version>/ for the network-fault tests.
set -euo pipefail
TOXIPROXY=${MIO_TOXIPROXY_VERSION:-2.5.0}   # no "v"
VERSION_ARG=-version exec bash "$(dirname "$0")/go-install-tool.sh" toxiproxy-server "$TOXIPROXY" "github.com/Shopify/toxiproxy/v2/cmd/server" \
  "-s -w -X github.com/Shopify/toxiproxy/v2.Version=v$TOXIPROXY" "first build takes under a minute"
