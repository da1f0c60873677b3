//! The training loop of a [`TrainableLlama`]: random windows, AdamW with warm-up and
//! gradient clipping, one interruptible step at a time.

use super::dataset::TokenDataset;
use super::model::TrainableLlama;
use crate::nn::Module;
use crate::optim::{clip_grad_norm, AdamW, Optimizer};
use crate::rng::Generator;
use crate::{no_grad, Error, Result};

/// Hyper-parameters of [`LmTrainer`].
#[derive(Debug, Clone, PartialEq)]
pub struct TrainerOptions {
    /// Windows per step.
    pub batch_size: usize,
    /// Tokens per window (at most the model's context).
    pub seq_len: usize,
    /// Peak learning rate of AdamW.
    pub learning_rate: f64,
    /// Steps over which the learning rate rises linearly to its peak.
    pub warmup_steps: u64,
    /// AdamW's decoupled weight decay.
    pub weight_decay: f64,
    /// Gradients are scaled so their joint norm is at most this.
    pub max_grad_norm: f64,
    /// Seed of the window sampler.
    pub seed: u64,
}

impl Default for TrainerOptions {
    fn default() -> Self {
        TrainerOptions {
            batch_size: 16,
            seq_len: 128,
            learning_rate: 3e-3,
            warmup_steps: 20,
            weight_decay: 0.01,
            max_grad_norm: 1.0,
            seed: 0,
        }
    }
}

/// Trains a [`TrainableLlama`] on a [`TokenDataset`]; call [`step`](LmTrainer::step) in a
/// loop (it stops with an `Interrupted` error when the user interrupts the cell).
#[derive(Debug)]
pub struct LmTrainer {
    model: TrainableLlama,
    optimizer: AdamW,
    data: TokenDataset,
    rng: Generator,
    options: TrainerOptions,
}

impl LmTrainer {
    /// A trainer of `model` on `data`.
    pub fn new(
        model: TrainableLlama,
        data: TokenDataset,
        options: TrainerOptions,
    ) -> Result<LmTrainer> {
        let context = model.config().max_seq_len;
        if options.seq_len == 0 || options.seq_len > context || options.batch_size == 0 {
            return Err(Error::invalid(
                "LmTrainer",
                format!(
                    "batch {} of windows of {} tokens: both must be positive, windows at most the context of {context}",
                    options.batch_size, options.seq_len
                ),
            ));
        }
        if data.len() <= options.seq_len {
            return Err(Error::invalid(
                "LmTrainer",
                format!(
                    "{} tokens of data are too few for windows of {}",
                    data.len(),
                    options.seq_len
                ),
            ));
        }
        let optimizer = AdamW::new(model.named_parameters(), options.learning_rate)?
            .betas(0.9, 0.95)
            .weight_decay(options.weight_decay);
        Ok(LmTrainer {
            rng: Generator::from_seed(options.seed),
            model,
            optimizer,
            data,
            options,
        })
    }

    /// One optimisation step on a fresh random batch; returns its loss.
    pub fn step(&mut self) -> Result<f64> {
        crate::interrupt::check()?;
        let o = &self.options;
        let done = self.optimizer.steps_taken();
        let warm = ((done + 1) as f64 / o.warmup_steps.max(1) as f64).min(1.0);
        self.optimizer.set_lr(o.learning_rate * warm);
        let (inputs, targets) = self.data.batch(&mut self.rng, o.batch_size, o.seq_len)?;
        let loss = self.model.loss(&inputs, &targets)?;
        self.optimizer.zero_grad();
        loss.backward()?;
        clip_grad_norm(&self.model.parameters(), o.max_grad_norm)?;
        self.optimizer.step()?;
        loss.to_scalar_f64()
    }

    /// Mean loss over `batches` batches of `data` drawn with a fixed seed (no training).
    pub fn evaluate(&self, data: &TokenDataset, batches: usize) -> Result<f64> {
        let mut rng = Generator::from_seed(self.options.seed ^ 0x5eed);
        let mut total = 0.0;
        for _ in 0..batches.max(1) {
            crate::interrupt::check()?;
            let (inputs, targets) =
                data.batch(&mut rng, self.options.batch_size, self.options.seq_len)?;
            total += no_grad(|| self.model.loss(&inputs, &targets)?.to_scalar_f64())?;
        }
        Ok(total / batches.max(1) as f64)
    }

    /// Steps taken so far.
    pub fn steps(&self) -> u64 {
        self.optimizer.steps_taken()
    }

    /// The model being trained.
    pub fn model(&self) -> &TrainableLlama {
        &self.model
    }

    /// The options.
    pub fn options(&self) -> &TrainerOptions {
        &self.options
    }
}
