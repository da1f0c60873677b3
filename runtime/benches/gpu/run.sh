#!/usr/bin/env bash
# GPU benchmark in one go (under 5 minutes on an H100/H200): the PyTorch reference when
# torch with CUDA is importable, then the prebuilt Born binary printing both side by side.
#
# Build first (x86-64, release):  cargo build --release -p born --example gpu_bench
# Run:                             runtime/benches/gpu/run.sh [--quick]
# BORN_BENCH_BIN overrides the binary path; BORN_WGPU_BACKEND picks the wgpu API.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
bin="${BORN_BENCH_BIN:-$root/target/release/examples/gpu_bench}"
if [[ ! -x "$bin" ]]; then
    echo "no benchmark binary at $bin; build it with: cargo build --release -p born --example gpu_bench" >&2
    exit 1
fi
# The Vulkan loader: unpacked from the Debian packages in target/vulkan-debs (see
# README.md) when the machine lacks it.
debs="${BORN_VULKAN_DEBS:-$root/target/vulkan-debs}"
if ! ldconfig -p | grep -q 'libvulkan\.so\.1' && compgen -G "$debs/*.deb" >/dev/null; then
    for deb in "$debs"/*.deb; do dpkg -x "$deb" /; done
    ldconfig
fi
args=("$@")
ref="$(mktemp --suffix .json)"
trap 'rm -f "$ref"' EXIT
python="${PYTHON:-python3}"
if "$python" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
    "$python" "$here/torch_reference.py" "$ref"
    echo "torch reference: $(cat "$ref" | tr -d '\n')"
    args+=(--reference "$ref")
else
    echo "torch with CUDA not available: printing Born's figures only"
fi
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
"$bin" "${args[@]}"
