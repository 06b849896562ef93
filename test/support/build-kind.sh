#!/usr/bin/env bash
# Builds kind from its Go module (sigs.k8s.io/kind, served by the Go module proxy) into
# ${XDG_CACHE_HOME:-~/.cache}/milvus-index-operator/tools/kind/<version>/kind.
# Idempotent and safe to run concurrently: one builder at a time (flock), atomic publish (mv).
# Prints the directory holding the binary on stdout (last line).
set -euo pipefail
KIND=${MIO_KIND_VERSION:-0.33.0}   # no "v"
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/milvus-index-operator
OUT=$CACHE/tools/kind/v$KIND
log() { echo "[kind] $*" >&2; }

command -v go >/dev/null || { echo "Go is required to build kind (install Go >= 1.26 from https://go.dev/dl), or set MIO_KIND to a kind binary" >&2; exit 3; }
command -v flock >/dev/null || { echo "flock (util-linux) is required" >&2; exit 3; }

export GOTOOLCHAIN=${GOTOOLCHAIN:-local} GOWORK=off CGO_ENABLED=0 GOFLAGS=
mkdir -p "$CACHE/tools/kind"

valid() { [ -x "$OUT/kind" ] && [ -f "$OUT/.complete" ]; }
if valid; then echo "$OUT"; exit 0; fi
exec 9>"$CACHE/tools/kind/.build.lock"
log "waiting for the build lock"; flock 9
if valid; then echo "$OUT"; exit 0; fi

TMP=$(mktemp -d "$OUT.tmp.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
log "building kind v$KIND from the Go module proxy (sigs.k8s.io/kind)"
# main.go is at the module root and go.mod has no replace directives: `go install pkg@version` works.
# The version is a constant in the source (no -X needed).
cd "$TMP"
GOBIN="$TMP" go install -p 2 -trimpath -buildvcs=false -ldflags "-s -w" "sigs.k8s.io/kind@v$KIND"

"$TMP/kind" version | grep -q "v$KIND"
go version -m "$TMP/kind" > "$TMP/kind.buildinfo"
echo "kind=v$KIND" > "$TMP/.complete"
chmod 755 "$TMP"  # mktemp -d makes it 0700
rm -rf "$OUT"; mv -T "$TMP" "$OUT"; trap - EXIT
log "built into $OUT"
echo "$OUT"
