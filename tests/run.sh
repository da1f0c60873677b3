#!/usr/bin/env bash
# Runs every Born test: the Rust tests of the workspace, then the kernel and the
# tutorial notebooks driven by real Jupyter clients. Installs what it needs.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export BORN_HOME="$ROOT"
export BORN_DATA="${BORN_DATA:-$ROOT/../shared/data}"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
VENV="$ROOT/.venv"

step() { printf '\n== %s (%s)\n' "$1" "$(date +%H:%M:%S)"; }

step "toolchain"
rustup component add rust-src >/dev/null 2>&1 || rustup component add rust-src

step "python test tools"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check -r tests/requirements.txt

step "system packages: chromium (browser test), lavapipe (GPU tests on a software adapter)"
missing=()
command -v chromium >/dev/null || missing+=(chromium)
dpkg -s mesa-vulkan-drivers >/dev/null 2>&1 || missing+=(mesa-vulkan-drivers)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -q && apt-get install -y -q "${missing[@]}"
fi

step "browser test tools"
npm ci --prefix tests/browser --no-audit --no-fund

step "build"
cargo build --release --locked --workspace --all-targets

step "rust tests"
cargo test --release --locked --workspace

step "kernelspec and warm runtime template"
"$TARGET_DIR/release/born-kernel" install --prefix "$VENV"

step "kernel and notebook tests"
# A fresh Jupyter data directory per run: the kernel's history starts empty.
export JUPYTER_DATA_DIR="$ROOT/tests/out/jupyter-data"
rm -rf "$JUPYTER_DATA_DIR"
# Spare kernels of this run wait in their own directory, and go at the end.
export BORN_SPARE_DIR="$ROOT/tests/out/spares" BORN_SPARE_IDLE_SECS=600
TEMPLATE="$VENV/share/jupyter/kernels/born/evcxr-template"
stop_spare() { "$TARGET_DIR/release/born-kernel" spare --stop --template "$TEMPLATE" >/dev/null || true; }
trap stop_spare EXIT
# A test that hangs fails on its own instead of holding the whole run.
"$VENV/bin/python" -m pytest tests -v -p no:cacheprovider --timeout 1500
