"""Writes a Hugging Face Llama directory with random f16 weights in a given shape
(default: TinyLlama-1.1B), for speed measurements. Speed does not depend on values.

    python make_random_hf.py OUT_DIR [--layers 22]
Needs numpy and safetensors.
"""

import argparse
import json
import os

import numpy as np
from safetensors.numpy import save_file


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--vocab", type=int, default=32000)
    ap.add_argument("--hidden", type=int, default=2048)
    ap.add_argument("--layers", type=int, default=22)
    ap.add_argument("--heads", type=int, default=32)
    ap.add_argument("--kv-heads", type=int, default=4)
    ap.add_argument("--ffn", type=int, default=5632)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rng = np.random.default_rng(0)
    hd = a.hidden // a.heads
    kv = a.kv_heads * hd

    def mat(rows, cols):
        return (rng.standard_normal((rows, cols), dtype=np.float32) * 0.02).astype(np.float16)

    t = {"model.embed_tokens.weight": mat(a.vocab, a.hidden),
         "model.norm.weight": np.ones(a.hidden, np.float16),
         "lm_head.weight": mat(a.vocab, a.hidden)}
    for i in range(a.layers):
        p = f"model.layers.{i}."
        t[p + "input_layernorm.weight"] = np.ones(a.hidden, np.float16)
        t[p + "post_attention_layernorm.weight"] = np.ones(a.hidden, np.float16)
        t[p + "self_attn.q_proj.weight"] = mat(a.hidden, a.hidden)
        t[p + "self_attn.k_proj.weight"] = mat(kv, a.hidden)
        t[p + "self_attn.v_proj.weight"] = mat(kv, a.hidden)
        t[p + "self_attn.o_proj.weight"] = mat(a.hidden, a.hidden)
        t[p + "mlp.gate_proj.weight"] = mat(a.ffn, a.hidden)
        t[p + "mlp.up_proj.weight"] = mat(a.ffn, a.hidden)
        t[p + "mlp.down_proj.weight"] = mat(a.hidden, a.ffn)
    save_file(t, os.path.join(a.out, "model.safetensors"))
    config = {"model_type": "llama", "architectures": ["LlamaForCausalLM"],
              "vocab_size": a.vocab, "hidden_size": a.hidden, "intermediate_size": a.ffn,
              "num_hidden_layers": a.layers, "num_attention_heads": a.heads,
              "num_key_value_heads": a.kv_heads, "rms_norm_eps": 1e-5,
              "rope_theta": 10000.0, "max_position_embeddings": 2048,
              "bos_token_id": 1, "eos_token_id": 2}
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(config, f)


if __name__ == "__main__":
    main()
