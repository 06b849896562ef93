#!/usr/bin/env bash
# Builds kube-apiserver, kubectl (same Kubernetes version) and etcd from Go modules served by the
# Go module proxy, into ${XDG_CACHE_HOME:-~/.cache}/milvus-index-operator/k8s/<version>-linux-amd64.
# Idempotent and safe to run concurrently: one builder at a time (flock), atomic publish (mv).
# Prints the directory holding the binaries on stdout (last line).
set -euo pipefail
K8S=${MIO_K8S_VERSION:-1.37.2}
ETCD=${MIO_ETCD_VERSION:-3.7.3}
STAGING="0.${K8S#1.}"
MINOR=$(cut -d. -f2 <<<"$K8S")
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/milvus-index-operator
OUT=$CACHE/k8s/$K8S-linux-amd64
log() { echo "[control-plane] $*" >&2; }
# shellcheck source=k8s-module.sh
source "$(dirname "$0")/k8s-module.sh"

command -v go >/dev/null || { echo "Go is required to build kube-apiserver/etcd (install Go >= 1.26 from https://go.dev/dl or 'apt-get install golang'), or set KUBEBUILDER_ASSETS to a directory holding kube-apiserver, etcd and kubectl" >&2; exit 3; }
command -v flock >/dev/null || { echo "flock (util-linux) is required" >&2; exit 3; }

export GOTOOLCHAIN=${GOTOOLCHAIN:-local} GOWORK=off CGO_ENABLED=0 GOFLAGS=
mkdir -p "$CACHE/k8s" "$CACHE/build"

valid() {
  [ -x "$OUT/kube-apiserver" ] && [ -x "$OUT/etcd" ] && [ -x "$OUT/kubectl" ] && [ -f "$OUT/.complete" ]
}
if valid; then echo "$OUT"; exit 0; fi
exec 9>"$CACHE/k8s/.build.lock"
log "waiting for the build lock"; flock 9
if valid; then echo "$OUT"; exit 0; fi

TMP=$(mktemp -d "$OUT.tmp.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
log "building Kubernetes v$K8S (kube-apiserver, kubectl) and etcd v$ETCD from the Go module proxy; first build takes 10-30 minutes"

k8s_module "$CACHE/build/kube-$K8S" kube kube-apiserver kubectl
BF=("${K8S_BUILD_FLAGS[@]}")
log "go build kube-apiserver"; go build "${BF[@]}" -o "$TMP/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
log "go build kubectl"; go build "${BF[@]}" -o "$TMP/kubectl" k8s.io/kubernetes/cmd/kubectl

W=$CACHE/build/etcd-$ETCD; rm -rf "$W"; mkdir -p "$W"; cd "$W"
go mod init envtestbuild/etcd >/dev/null 2>&1
go get -tool "go.etcd.io/etcd/server/v3@v$ETCD"
log "go build etcd"
go build -p 2 -trimpath -buildvcs=false -ldflags "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=v$ETCD" -o "$TMP/etcd" go.etcd.io/etcd/server/v3

"$TMP/kube-apiserver" --version | grep -qx "Kubernetes v$K8S"
"$TMP/etcd" --version | grep -q "etcd Version: $ETCD"
"$TMP/kubectl" version --client >/dev/null
echo "kubernetes=v$K8S etcd=v$ETCD" > "$TMP/.complete"
chmod 755 "$TMP"  # mktemp -d makes it 0700
rm -rf "$OUT"; mv -T "$TMP" "$OUT"; trap - EXIT
log "built into $OUT"
echo "$OUT"
