#!/usr/bin/env bash
# Builds kube-controller-manager (same Kubernetes version as build-control-plane.sh) from the Go module
# proxy into ${XDG_CACHE_HOME:-~/.cache}/milvus-index-operator/k8s/<version>-linux-amd64-controller-manager.
# Only the fault tier needs it (a bare kube-apiserver has no namespace controller), so it is not part of the
# control-plane cache that every test waits for. The module set-up is build-control-plane.sh's (k8s-module.sh), so
# the Go module and build caches it filled make this build a few minutes. flock + atomic publish (mv).
# Prints the directory holding the binary on stdout (last line).
set -euo pipefail
K8S=${MIO_K8S_VERSION:-1.37.2}
STAGING="0.${K8S#1.}"
MINOR=$(cut -d. -f2 <<<"$K8S")
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/milvus-index-operator
OUT=$CACHE/k8s/$K8S-linux-amd64-controller-manager
log() { echo "[controller-manager] $*" >&2; }
# shellcheck source=k8s-module.sh
source "$(dirname "$0")/k8s-module.sh"

command -v go >/dev/null || { echo "Go is required to build kube-controller-manager (install Go >= 1.26), or set TEST_ASSET_KUBE_CONTROLLER_MANAGER" >&2; exit 3; }
command -v flock >/dev/null || { echo "flock (util-linux) is required" >&2; exit 3; }

export GOTOOLCHAIN=${GOTOOLCHAIN:-local} GOWORK=off CGO_ENABLED=0 GOFLAGS=
mkdir -p "$CACHE/k8s" "$CACHE/build"

valid() { [ -x "$OUT/kube-controller-manager" ] && [ -f "$OUT/.complete" ]; }
if valid; then echo "$OUT"; exit 0; fi
exec 9>"$CACHE/k8s/.build-controller-manager.lock"
log "waiting for the build lock"; flock 9
if valid; then echo "$OUT"; exit 0; fi

TMP=$(mktemp -d "$OUT.tmp.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
log "building kube-controller-manager v$K8S from the Go module proxy"

k8s_module "$CACHE/build/kcm-$K8S" kcm kube-controller-manager
log "go build kube-controller-manager"
go build "${K8S_BUILD_FLAGS[@]}" -o "$TMP/kube-controller-manager" k8s.io/kubernetes/cmd/kube-controller-manager

"$TMP/kube-controller-manager" --version | grep -qx "Kubernetes v$K8S"
echo "kubernetes=v$K8S" > "$TMP/.complete"
chmod 755 "$TMP"
rm -rf "$OUT"; mv -T "$TMP" "$OUT"; trap - EXIT
log "built into $OUT"
echo "$OUT"
