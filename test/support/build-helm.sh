#!/usr/bin/env bash
# Builds helm from its Go module (helm.sh/helm/v3/cmd/helm, served by the Go module proxy) into
# ${XDG_CACHE_HOME:-~/.cache}/milvus-index-operator/tools/helm/<version>/helm.
# Idempotent and safe to run concurrently: one builder at a time (flock), atomic publish (mv).
# Prints the directory holding the binary on stdout (last line).
set -euo pipefail
HELM=${MIO_HELM_VERSION:-3.22.0}   # no "v"
MAJOR=${HELM%%.*}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/milvus-index-operator
OUT=$CACHE/tools/helm/v$HELM
log() { echo "[helm] $*" >&2; }

command -v go >/dev/null || { echo "Go is required to build helm (install Go >= 1.26 from https://go.dev/dl), or set MIO_HELM to a helm binary" >&2; exit 3; }
command -v flock >/dev/null || { echo "flock (util-linux) is required" >&2; exit 3; }

export GOTOOLCHAIN=${GOTOOLCHAIN:-local} GOWORK=off CGO_ENABLED=0 GOFLAGS=
mkdir -p "$CACHE/tools/helm"

valid() { [ -x "$OUT/helm" ] && [ -f "$OUT/.complete" ]; }
if valid; then echo "$OUT"; exit 0; fi
exec 9>"$CACHE/tools/helm/.build.lock"
log "waiting for the build lock"; flock 9
if valid; then echo "$OUT"; exit 0; fi

TMP=$(mktemp -d "$OUT.tmp.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
log "building helm v$HELM from the Go module proxy (helm.sh/helm/v$MAJOR); first build takes 5-15 minutes"
# cmd/helm's go.mod has no replace directives, so `go install pkg@version` works (no wrapper module needed).
# Run from a scratch dir so no go.mod/go.work of a parent directory is picked up.
cd "$TMP"
GOBIN="$TMP" go install -p 2 -trimpath -buildvcs=false \
  -ldflags "-s -w -X helm.sh/helm/v$MAJOR/internal/version.version=v$HELM -X helm.sh/helm/v$MAJOR/internal/version.gitTreeState=clean" \
  "helm.sh/helm/v$MAJOR/cmd/helm@v$HELM"

"$TMP/helm" version --template '{{.Version}}' | grep -qx "v$HELM"
go version -m "$TMP/helm" > "$TMP/helm.buildinfo"
echo "helm=v$HELM" > "$TMP/.complete"
chmod 755 "$TMP"  # mktemp -d makes it 0700
rm -rf "$OUT"; mv -T "$TMP" "$OUT"; trap - EXIT
log "built into $OUT"
echo "$OUT"
