//! Tensor names of Llama-family models in GGUF and in Hugging Face checkpoints.

/// Per-layer tensors: GGUF suffix after `blk.N.`, HF suffix after `model.layers.N.`.
const LAYER_NAMES: [(&str, &str); 9] = [
    ("attn_norm", "input_layernorm"),
    ("attn_q", "self_attn.q_proj"),
    ("attn_k", "self_attn.k_proj"),
    ("attn_v", "self_attn.v_proj"),
    ("attn_output", "self_attn.o_proj"),
    ("ffn_norm", "post_attention_layernorm"),
    ("ffn_gate", "mlp.gate_proj"),
    ("ffn_up", "mlp.up_proj"),
    ("ffn_down", "mlp.down_proj"),
];

/// Model-wide tensors (GGUF, HF).
const GLOBAL_NAMES: [(&str, &str); 3] = [
    ("token_embd", "model.embed_tokens"),
    ("output_norm", "model.norm"),
    ("output", "lm_head"),
];

/// The HF name of a GGUF tensor name, `None` when it has no HF counterpart.
pub fn gguf_to_hf(name: &str) -> Option<String> {
    let (stem, kind) = name.rsplit_once('.')?;
    if let Some(rest) = stem.strip_prefix("blk.") {
        let (layer, part) = rest.split_once('.')?;
        let hf = LAYER_NAMES.iter().find(|(g, _)| *g == part)?.1;
        return Some(format!("model.layers.{layer}.{hf}.{kind}"));
    }
    let hf = GLOBAL_NAMES.iter().find(|(g, _)| *g == stem)?.1;
    Some(format!("{hf}.{kind}"))
}

/// The GGUF name of an HF tensor name, `None` when it has no GGUF counterpart.
pub fn hf_to_gguf(name: &str) -> Option<String> {
    let (stem, kind) = name.rsplit_once('.')?;
    if let Some(rest) = stem.strip_prefix("model.layers.") {
        let (layer, part) = rest.split_once('.')?;
        let g = LAYER_NAMES.iter().find(|(_, h)| *h == part)?.0;
        return Some(format!("blk.{layer}.{g}.{kind}"));
    }
    let g = GLOBAL_NAMES.iter().find(|(_, h)| *h == stem)?.0;
    Some(format!("{g}.{kind}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for g in [
            "blk.3.attn_q.bias",
            "blk.0.ffn_down.weight",
            "token_embd.weight",
            "output.weight",
        ] {
            let hf = gguf_to_hf(g).expect("known name");
            assert_eq!(hf_to_gguf(&hf).as_deref(), Some(g));
        }
        assert_eq!(
            gguf_to_hf("blk.1.attn_k.weight").as_deref(),
            Some("model.layers.1.self_attn.k_proj.weight")
        );
        assert_eq!(gguf_to_hf("rope_freqs.weight"), None);
    }
}
