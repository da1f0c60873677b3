#!/usr/bin/env bash
# Decode and prefill speed of Born on a TinyLlama-1.1B-shaped model with random weights
# (vocab 32000, hidden 2048, 22 layers, 32 heads / 4 KV heads, FFN 5632), converted by
# Born's GGUF writer to Q8_0, Q4_0 and Q4_K, with 2 threads. When the Python in $LLAMA_PY
# has llama_cpp (llama-cpp-python), llama.cpp runs on the same files and the ratio is
# printed.
#
#   runtime/benches/llm/bench_decode.sh [WORK_DIR]
# Env: PYTHON (numpy + safetensors; default /opt/born-ref/bin/python), LLAMA_PY,
#      THREADS (2), PROMPT_TOKENS (64), DECODE_TOKENS (64), TYPES ("q8_0 q4_0 q4_k").
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
work="${1:-/tmp/born-bench-llm}"
python="${PYTHON:-/opt/born-ref/bin/python}"
threads="${THREADS:-2}"
prompt="${PROMPT_TOKENS:-64}"
decode="${DECODE_TOKENS:-64}"
types="${TYPES:-q8_0 q4_0 q4_k}"

cargo build --release -p born --bin born --manifest-path "$repo/Cargo.toml" >&2
born="$repo/target/release/born"
mkdir -p "$work"
if [ ! -f "$work/hf/model.safetensors" ]; then
    echo "writing random TinyLlama-shaped weights to $work/hf" >&2
    "$python" "$here/make_random_hf.py" "$work/hf"
fi
for t in $types; do
    gguf="$work/tinyllama-$t.gguf"
    [ -f "$gguf" ] || "$born" convert "$work/hf" "$gguf" --type "$t" >&2
    echo "== $t ($(du -h "$gguf" | cut -f1))"
    out="$("$born" bench "$gguf" --threads "$threads" --prompt-tokens "$prompt" --decode-tokens "$decode")"
    echo "$out"
    if [ -n "${LLAMA_PY:-}" ] && "$LLAMA_PY" -c "import llama_cpp" 2>/dev/null; then
        born_decode="$(echo "$out" | sed -n 's/^decode:.*= \([0-9.]*\) tok\/s/\1/p')"
        "$LLAMA_PY" - "$gguf" "$threads" "$prompt" "$decode" "$born_decode" <<'PY'
import sys, time
import llama_cpp
path, threads, n_prompt, n_decode, born = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
llm = llama_cpp.Llama(path, n_threads=threads, n_ctx=n_prompt + n_decode + 8, verbose=False, vocab_only=False)
ids = [(i * 7919 + 13) % 32000 for i in range(n_prompt)]
t0 = time.time(); llm.eval(ids); prefill = time.time() - t0
t0 = time.time()
for _ in range(n_decode):
    llm.eval([int(llm.scores[llm.n_tokens - 1].argmax())])
decode = time.time() - t0
print(f"llama.cpp prefill: {n_prompt / prefill:.2f} tok/s, decode: {n_decode / decode:.2f} tok/s")
print(f"decode ratio born / llama.cpp: {born / (n_decode / decode):.2f}")
PY
    fi
done
