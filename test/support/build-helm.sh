#!/usr/bin/env bash
# Builds helm (helm.sh/helm/v3/cmd/helm, Go module proxy) into ~/.cache/milvus-index-operator/tools/helm/<version>/.
# cmd/helm's go.mod has no replace directives; -X sets the version `helm version` reports.
set -euo pipefail
HELM=${MIO_HELM_VERSION:-3.22.0}   # no "v"
MAJOR=${HELM%%.*}
exec bash "$(dirname "$0")/go-install-tool.sh" helm "$HELM" "helm.sh/helm/v$MAJOR/cmd/helm" \
  "-s -w -X helm.sh/helm/v$MAJOR/internal/version.version=v$HELM -X helm.sh/helm/v$MAJOR/internal/version.gitTreeState=clean" \
  "first build takes 5-15 minutes"
