//! Tensor names of Llama-family and GPT-2 models in GGUF and in Hugging Face checkpoints.

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

/// GPT-2 per-layer tensors: GGUF suffix after `blk.N.`, HF suffix after `transformer.h.N.`.
const GPT2_LAYER_NAMES: [(&str, &str); 6] = [
    ("attn_norm", "ln_1"),
    ("attn_qkv", "attn.c_attn"),
    ("attn_output", "attn.c_proj"),
    ("ffn_norm", "ln_2"),
    ("ffn_up", "mlp.c_fc"),
    ("ffn_down", "mlp.c_proj"),
];

/// GPT-2 model-wide tensors (GGUF, HF).
const GPT2_GLOBAL_NAMES: [(&str, &str); 4] = [
    ("token_embd", "transformer.wte"),
    ("position_embd", "transformer.wpe"),
    ("output_norm", "transformer.ln_f"),
    ("output", "lm_head"),
];

/// The HF name (`transformer.` prefixed) of a GGUF GPT-2 tensor name.
pub fn gpt2_gguf_to_hf(name: &str) -> Option<String> {
    let (stem, kind) = name.rsplit_once('.')?;
    if let Some(rest) = stem.strip_prefix("blk.") {
        let (layer, part) = rest.split_once('.')?;
        let hf = GPT2_LAYER_NAMES.iter().find(|(g, _)| *g == part)?.1;
        return Some(format!("transformer.h.{layer}.{hf}.{kind}"));
    }
    let hf = GPT2_GLOBAL_NAMES.iter().find(|(g, _)| *g == stem)?.1;
    Some(format!("{hf}.{kind}"))
}

/// The GGUF name of an HF GPT-2 tensor name (with or without the `transformer.` prefix).
pub fn gpt2_hf_to_gguf(name: &str) -> Option<String> {
    let (stem, kind) = name.rsplit_once('.')?;
    let stem = match stem {
        "lm_head" => stem,
        s => s.strip_prefix("transformer.").unwrap_or(s),
    };
    if let Some(rest) = stem.strip_prefix("h.") {
        let (layer, part) = rest.split_once('.')?;
        let g = GPT2_LAYER_NAMES.iter().find(|(_, h)| *h == part)?.0;
        return Some(format!("blk.{layer}.{g}.{kind}"));
    }
    let g = GPT2_GLOBAL_NAMES
        .iter()
        .find(|(_, h)| h.strip_prefix("transformer.").unwrap_or(h) == stem)?
        .0;
    Some(format!("{g}.{kind}"))
}

/// Whether an HF GPT-2 tensor is a Conv1D weight, stored `in × out` (transposed
/// relative to GGUF's `out × in`).
pub fn gpt2_is_conv1d_weight(hf_name: &str) -> bool {
    hf_name.ends_with(".weight")
        && [".c_attn.", ".c_proj.", ".c_fc."]
            .iter()
            .any(|p| hf_name.contains(p))
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

    #[test]
    fn gpt2_names_round_trip_with_and_without_prefix() {
        for g in [
            "blk.2.attn_qkv.bias",
            "blk.0.ffn_down.weight",
            "position_embd.weight",
            "output.weight",
        ] {
            let hf = gpt2_gguf_to_hf(g).expect("known name");
            assert_eq!(gpt2_hf_to_gguf(&hf).as_deref(), Some(g));
        }
        assert_eq!(
            gpt2_hf_to_gguf("h.1.mlp.c_fc.weight").as_deref(),
            Some("blk.1.ffn_up.weight")
        );
        assert_eq!(
            gpt2_hf_to_gguf("wte.weight").as_deref(),
            Some("token_embd.weight")
        );
        assert_eq!(gpt2_hf_to_gguf("transformer.h.0.attn.bias"), None);
        assert!(gpt2_is_conv1d_weight("transformer.h.0.attn.c_attn.weight"));
        assert!(!gpt2_is_conv1d_weight("transformer.h.0.attn.c_attn.bias"));
        assert!(!gpt2_is_conv1d_weight("transformer.wte.weight"));
    }
}
