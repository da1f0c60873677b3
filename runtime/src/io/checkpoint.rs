//! Training checkpoints: named tensors (model parameters, optimizer state),
//! the step reached, and JSON metadata, stored as a `.born` file.
//!
//! Name tensors by owner with a prefix (`model.fc1.weight`,
//! `optim.fc1.weight.exp_avg`) so one file holds everything a run needs to
//! resume; [`Checkpoint::with_prefix`] reads one owner's tensors back.
//! A checkpoint also records the process-wide random generator's state when it
//! is made, so dropout masks and random initialisations after a resume repeat
//! those of the uninterrupted run ([`Checkpoint::restore_rng`]).

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Value};

use crate::io::born_format::{load_born, save_born};
use crate::io::file_error::invalid_file;
use crate::{Result, Tensor};

/// Marks a `.born` file's metadata as a checkpoint.
const KIND: &str = "born-checkpoint";
/// Version of the checkpoint metadata layout.
const CHECKPOINT_VERSION: u64 = 1;

/// Everything needed to resume training.
#[derive(Debug, Clone, Default)]
pub struct Checkpoint {
    /// Named tensors: model parameters, buffers, optimizer state.
    pub tensors: BTreeMap<String, Tensor>,
    /// The optimisation step reached.
    pub step: u64,
    /// The process-wide generator's state when the checkpoint was made
    /// (`None` for a checkpoint built with `Default`).
    pub rng_state: Option<[u64; 4]>,
    /// Anything else to restore: epoch, data-loader seeds, hyper-parameters.
    pub metadata: Value,
}

impl Checkpoint {
    /// An empty checkpoint at step `step`, holding the process-wide generator's
    /// state as it is now.
    pub fn new(step: u64) -> Self {
        Self {
            tensors: BTreeMap::new(),
            step,
            rng_state: Some(crate::rng::state()),
            metadata: Value::Null,
        }
    }

    /// Continues the process-wide random generator from the recorded state.
    pub fn restore_rng(&self) -> Result<()> {
        let state = self.rng_state.ok_or_else(|| {
            crate::Error::msg("Checkpoint::restore_rng: this checkpoint holds no RNG state")
        })?;
        crate::rng::set_state(state)
    }

    /// Adds tensors under `prefix` (e.g. `"model."`), replacing any of the same name.
    pub fn insert_with_prefix<'a, S: AsRef<str>>(
        &mut self,
        prefix: &str,
        tensors: impl IntoIterator<Item = (S, &'a Tensor)>,
    ) {
        for (name, tensor) in tensors {
            self.tensors
                .insert(format!("{prefix}{}", name.as_ref()), tensor.clone());
        }
    }

    /// The tensors whose names start with `prefix`, with the prefix removed.
    pub fn with_prefix(&self, prefix: &str) -> BTreeMap<String, Tensor> {
        self.tensors
            .iter()
            .filter_map(|(name, t)| Some((name.strip_prefix(prefix)?.to_string(), t.clone())))
            .collect()
    }

    /// Atomically writes the checkpoint to `path` (a `.born` file).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let metadata = json!({
            "kind": KIND,
            "version": CHECKPOINT_VERSION,
            "step": self.step,
            "rng_state": self.rng_state,
            "metadata": self.metadata,
        });
        save_born(path, &self.tensors, &metadata)
    }

    /// Reads a checkpoint written by [`Checkpoint::save`].
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let (tensors, mut stored) = load_born(path)?;
        if stored.get("kind").and_then(Value::as_str) != Some(KIND) {
            return Err(invalid_file(
                path,
                "a .born file without checkpoint metadata (use load_born for plain tensor files)",
            ));
        }
        let version = stored.get("version").and_then(Value::as_u64);
        if version != Some(CHECKPOINT_VERSION) {
            return Err(invalid_file(
                path,
                format!("checkpoint version {version:?}; this build reads {CHECKPOINT_VERSION}"),
            ));
        }
        let step = stored
            .get("step")
            .and_then(Value::as_u64)
            .ok_or_else(|| invalid_file(path, "checkpoint metadata has no integer \"step\""))?;
        let rng_state = match stored.get("rng_state") {
            None | Some(Value::Null) => None,
            Some(value) => Some(rng_state_from_json(value).ok_or_else(|| {
                invalid_file(
                    path,
                    format!("rng_state {value} is not four unsigned 64-bit integers"),
                )
            })?),
        };
        let metadata = stored
            .get_mut("metadata")
            .map(Value::take)
            .unwrap_or_default();
        Ok(Self {
            tensors,
            step,
            rng_state,
            metadata,
        })
    }
}

/// Reads `[a, b, c, d]` of u64 from checkpoint metadata.
fn rng_state_from_json(value: &Value) -> Option<[u64; 4]> {
    let words = value.as_array()?;
    let words: Vec<u64> = words.iter().map(Value::as_u64).collect::<Option<_>>()?;
    words.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DType;

    fn f32_tensor(values: &[f32], dims: &[usize]) -> Tensor {
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        Tensor::from_bytes(&bytes, DType::F32, dims).expect("valid tensor")
    }

    #[test]
    fn round_trips_tensors_step_and_metadata() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("ckpt.born");
        let weight = f32_tensor(&[1.0, -2.0, 3.5, 0.25], &[2, 2]);
        let moment = f32_tensor(&[0.1, 0.2, 0.3, 0.4], &[2, 2]);
        let mut ckpt = Checkpoint::new(1234);
        ckpt.insert_with_prefix("model.", [("fc.weight", &weight)]);
        ckpt.insert_with_prefix("optim.", [("fc.weight.exp_avg", &moment)]);
        ckpt.metadata = json!({"epoch": 2, "loader_seed": u64::MAX, "lr": 0.125});
        ckpt.save(&path).expect("save");

        let back = Checkpoint::load(&path).expect("load");
        assert_eq!(back.step, 1234);
        assert_eq!(back.metadata["epoch"], 2);
        assert_eq!(back.metadata["loader_seed"].as_u64(), Some(u64::MAX));
        assert_eq!(back.metadata["lr"].as_f64(), Some(0.125));
        let model = back.with_prefix("model.");
        assert_eq!(model.keys().collect::<Vec<_>>(), vec!["fc.weight"]);
        assert_eq!(
            model["fc.weight"].to_bytes().expect("bytes"),
            weight.to_bytes().expect("bytes")
        );
        let optim = back.with_prefix("optim.");
        assert_eq!(optim["fc.weight.exp_avg"].dims(), &[2, 2]);
    }

    #[test]
    fn random_draws_after_restore_repeat_those_after_save() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("rng.born");
        crate::manual_seed(99);
        let _ = Tensor::randn([3]).expect("randn");
        Checkpoint::new(5).save(&path).expect("save");
        let after_save = Tensor::randn([4]).expect("randn");
        crate::manual_seed(1);
        let back = Checkpoint::load(&path).expect("load");
        back.restore_rng().expect("restore");
        let after_restore = Tensor::randn([4]).expect("randn");
        assert_eq!(
            after_save.to_vec::<f32>().expect("values"),
            after_restore.to_vec::<f32>().expect("values")
        );
        let forged = json!({"kind": KIND, "version": 1, "step": 1, "rng_state": [1, 2, -3, 4]});
        save_born(&path, std::iter::empty::<(&str, &Tensor)>(), &forged).expect("save");
        let err = Checkpoint::load(&path).expect_err("bad state").to_string();
        assert!(err.contains("rng_state"), "{err}");
        assert!(Checkpoint::default().restore_rng().is_err());
    }

    #[test]
    fn plain_born_file_is_not_a_checkpoint() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("plain.born");
        let t = f32_tensor(&[1.0], &[1]);
        save_born(&path, [("w", &t)], &json!({"step": 3})).expect("save");
        let err = Checkpoint::load(&path)
            .expect_err("not a checkpoint")
            .to_string();
        assert!(err.contains("without checkpoint metadata"), "{err}");
    }

    #[test]
    fn unknown_checkpoint_version_is_rejected() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("future.born");
        let meta = json!({"kind": KIND, "version": 99, "step": 1});
        save_born(&path, std::iter::empty::<(&str, &Tensor)>(), &meta).expect("save");
        let err = Checkpoint::load(&path).expect_err("future").to_string();
        assert!(err.contains("version Some(99)"), "{err}");
    }
}
