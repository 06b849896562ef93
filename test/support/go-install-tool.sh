#!/usr/bin/env bash
# go-install-tool.sh NAME VERSION PACKAGE LDFLAGS [NOTE]
# Builds a Go tool whose module has no replace directives (`go install PACKAGE@vVERSION` works) into
# ${XDG_CACHE_HOME:-~/.cache}/milvus-index-operator/tools/NAME/vVERSION/NAME.
# Idempotent and safe to run concurrently: one builder at a time (flock), atomic publish (mv);
# `NAME version` (or `NAME $VERSION_ARG`) must mention vVERSION. A binary that `go install` names after its package
# directory (e.g. cmd/server) is renamed to NAME. Prints the directory holding the binary on stdout (last line).
# GO_BUILD_TAGS (optional): build tags, e.g. to leave out parts of a large module the tests do not need.
set -euo pipefail
NAME=$1 VERSION=$2 PACKAGE=$3 LDFLAGS=$4 NOTE=${5:-}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/milvus-index-operator
OUT=$CACHE/tools/$NAME/v$VERSION
ENV_OVERRIDE="MIO_$(tr '[:lower:]' '[:upper:]' <<<"$NAME")"
log() { echo "[$NAME] $*" >&2; }

command -v go >/dev/null || { echo "Go is required to build $NAME (install Go >= 1.26 from https://go.dev/dl), or set $ENV_OVERRIDE to a $NAME binary" >&2; exit 3; }
command -v flock >/dev/null || { echo "flock (util-linux) is required" >&2; exit 3; }

export GOTOOLCHAIN=${GOTOOLCHAIN:-local} GOWORK=off CGO_ENABLED=0 GOFLAGS=
mkdir -p "$CACHE/tools/$NAME"

valid() { [ -x "$OUT/$NAME" ] && [ -f "$OUT/.complete" ]; }
if valid; then echo "$OUT"; exit 0; fi
exec 9>"$CACHE/tools/$NAME/.build.lock"
log "waiting for the build lock"; flock 9
if valid; then echo "$OUT"; exit 0; fi

TMP=$(mktemp -d "$OUT.tmp.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
log "building $NAME v$VERSION from the Go module proxy ($PACKAGE)${NOTE:+; $NOTE}"
# Run from a scratch dir so no go.mod/go.work of a parent directory is picked up.
cd "$TMP"
GOBIN="$TMP" go install -p 2 -trimpath -buildvcs=false ${GO_BUILD_TAGS:+-tags "$GO_BUILD_TAGS"} -ldflags "$LDFLAGS" "$PACKAGE@v$VERSION"

[ -x "$TMP/$NAME" ] || mv "$TMP/$(basename "${PACKAGE%@*}")" "$TMP/$NAME"
"$TMP/$NAME" "${VERSION_ARG:-version}" 2>&1 | grep -qF "v$VERSION"
go version -m "$TMP/$NAME" > "$TMP/$NAME.buildinfo"
echo "$NAME=v$VERSION" > "$TMP/.complete"
chmod 755 "$TMP"  # mktemp -d makes it 0700
rm -rf "$OUT"; mv -T "$TMP" "$OUT"; trap - EXIT
log "built into $OUT"
echo "$OUT"
