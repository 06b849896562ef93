# Sourced by build-control-plane.sh and build-controller-manager.sh: the one recipe for building commands of
# k8s.io/kubernetes from the Go module proxy. k8s_module DIR NAME CMD... makes DIR a fresh module that depends
# on k8s.io/kubernetes@v$K8S with every ./staging replace pointed at the published v$STAGING modules (and the
# godebug line of the real go.mod), adds the commands as tools, and sets K8S_BUILD_FLAGS (version ldflags).
# Expects K8S, STAGING and MINOR; leaves the working directory in DIR.
k8s_module() {
  local dir=$1 name=$2; shift 2
  rm -rf "$dir"; mkdir -p "$dir"; cd "$dir"
  go mod init "envtestbuild/$name" >/dev/null 2>&1
  local kmod m gd p ld="-s -w"
  kmod=$(go mod download -json "k8s.io/kubernetes@v$K8S" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')
  [ -f "$kmod" ] || { echo "cannot download k8s.io/kubernetes@v$K8S from the Go module proxy ($(go env GOPROXY))" >&2; exit 3; }
  for m in $(sed -n 's#^[[:space:]]*\(k8s\.io/[A-Za-z0-9._-]*\)[[:space:]]*=>[[:space:]]*\./staging/.*#\1#p' "$kmod"); do
    go mod edit "-replace=$m=$m@v$STAGING"
  done
  gd=$(sed -n 's/^godebug[[:space:]]\{1,\}\([a-z0-9]*=[^[:space:]]*\).*/\1/p' "$kmod" | head -1 || true)
  [ -n "$gd" ] && go mod edit "-godebug=$gd"
  for p in "$@"; do go get -tool "k8s.io/kubernetes/cmd/$p@v$K8S"; done
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $p.gitVersion=v$K8S -X $p.gitMajor=1 -X $p.gitMinor=$MINOR -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  K8S_BUILD_FLAGS=(-p 2 -trimpath -buildvcs=false -tags=selinux,notest,grpcnotrace -ldflags "$ld")
}
