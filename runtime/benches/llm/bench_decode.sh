#!/usr/bin/env bash
# Decode and prefill speed of Born on a TinyLlama-1.1B-shaped model with random weights
# (vocab 32000, hidden 2048, 22 layers, 32 heads / 4 KV heads, FFN 5632), converted by
# Born's GGUF writer to Q8_0, Q4_0 and Q4_K (every matrix Q4_K), and q4_k_m: llama.cpp's
# own Q4_K_M mix (Q6_K output and some attn_v/ffn_down) quantized from Born's F16 file,
# with 2 threads. When the Python in $LLAMA_PY has llama_cpp (llama-cpp-python),
# llama.cpp runs on the same files in the same run and the ratios are printed. Each
# phase also reports process CPU time: on a shared machine, compare those.
#
#   runtime/benches/llm/bench_decode.sh [WORK_DIR]
# Env: PYTHON (numpy + safetensors; default /opt/born-ref/bin/python), LLAMA_PY,
#      THREADS (2), PROMPT_TOKENS (64), DECODE_TOKENS (64),
#      TYPES ("q8_0 q4_0 q4_k q4_k_m"; q4_k_m needs LLAMA_PY).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
work="${1:-/tmp/born-bench-llm}"
python="${PYTHON:-/opt/born-ref/bin/python}"
threads="${THREADS:-2}"
prompt="${PROMPT_TOKENS:-64}"
decode="${DECODE_TOKENS:-64}"
types="${TYPES:-q8_0 q4_0 q4_k q4_k_m}"
target="${CARGO_TARGET_DIR:-$repo/target}"
have_llama=""
if [ -n "${LLAMA_PY:-}" ] && "$LLAMA_PY" -c "import llama_cpp" 2>/dev/null; then
    have_llama=1
fi

cargo build --release -p born --bin born --manifest-path "$repo/Cargo.toml" >&2
born="$target/release/born"
mkdir -p "$work"
if [ ! -f "$work/hf/model.safetensors" ]; then
    echo "writing random TinyLlama-shaped weights to $work/hf" >&2
    "$python" "$here/make_random_hf.py" "$work/hf"
fi
for t in $types; do
    gguf="$work/tinyllama-$t.gguf"
    if [ ! -f "$gguf" ]; then
        if [ "$t" = q4_k_m ]; then
            [ -n "$have_llama" ] || { echo "== $t skipped (needs LLAMA_PY)"; continue; }
            f16="$work/tinyllama-f16.gguf"
            [ -f "$f16" ] || "$born" convert "$work/hf" "$f16" --type f16 >&2
            "$LLAMA_PY" - "$f16" "$gguf" "$threads" <<'PY'
import sys, ctypes
import llama_cpp
params = llama_cpp.llama_model_quantize_default_params()
params.ftype = llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_K_M
params.nthread = int(sys.argv[3])
rc = llama_cpp.llama_model_quantize(sys.argv[1].encode(), sys.argv[2].encode(), ctypes.byref(params))
sys.exit(rc)
PY
        else
            "$born" convert "$work/hf" "$gguf" --type "$t" >&2
        fi
    fi
    echo "== $t ($(du -h "$gguf" | cut -f1)), load average $(cut -d' ' -f1 /proc/loadavg)"
    out="$("$born" bench "$gguf" --threads "$threads" --prompt-tokens "$prompt" --decode-tokens "$decode")"
    echo "$out"
    if [ -n "$have_llama" ]; then
        # llama.cpp needs a vocabulary in the file; Born's writer adds none without a
        # tokenizer.json, so a copy gets a placeholder one (same tensor bytes).
        llama_gguf="$work/tinyllama-$t.vocab.gguf"
        if ! "$LLAMA_PY" -c "import sys; sys.exit(b'tokenizer.ggml.model' not in open(sys.argv[1], 'rb').read(1 << 20))" "$gguf"; then
            [ -f "$llama_gguf" ] || "$python" "$here/add_placeholder_vocab.py" "$gguf" "$llama_gguf"
        else
            llama_gguf="$gguf"
        fi
        "$LLAMA_PY" - "$llama_gguf" "$threads" "$prompt" "$decode" "$out" <<'PY'
import re, sys, time
import llama_cpp
path, threads, n_prompt, n_decode, born = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
llm = llama_cpp.Llama(path, n_threads=threads, n_threads_batch=threads, n_ctx=n_prompt + n_decode + 8, verbose=False)
ids = [(i * 7919 + 13) % 32000 for i in range(n_prompt)]
t0, c0 = time.time(), time.process_time()
llm.eval(ids)
prefill, prefill_cpu = time.time() - t0, time.process_time() - c0
t0, c0 = time.time(), time.process_time()
for _ in range(n_decode):
    llm.eval([int(llm.scores[llm.n_tokens - 1].argmax())])
decode, decode_cpu = time.time() - t0, time.process_time() - c0
print(f"llama.cpp prefill: {n_prompt / prefill:.2f} tok/s (cpu {prefill_cpu:.3f} s), decode: {n_decode / decode:.2f} tok/s (cpu {decode_cpu:.3f} s)")
def born_figures(phase):
    m = re.search(phase + r":.*= ([0-9.]+) tok/s \(cpu ([0-9.]+) s\)", born)
    return float(m.group(1)), float(m.group(2))
for phase, rate, cpu in (("prefill", n_prompt / prefill, prefill_cpu), ("decode", n_decode / decode, decode_cpu)):
    b_rate, b_cpu = born_figures(phase)
    print(f"{phase} ratio born / llama.cpp: {b_rate / rate:.2f} by wall clock, {cpu / b_cpu:.2f} by cpu time")
PY
    fi
done
