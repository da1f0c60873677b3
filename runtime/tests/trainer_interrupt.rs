//! An interrupt ends a language-model training step with `Error::Interrupted` before it
//! touches the weights; the next step trains again.
//!
//! Its own test binary: the interrupt flag is process-wide.

use born::llm::trainable::{LmTrainer, TokenDataset, TrainableLlama, TrainerOptions};
use born::llm::LlamaConfig;
use born::nn::Module;
use born::{interrupt, Error};

#[test]
fn interrupt_stops_the_step_and_keeps_the_weights() {
    born::manual_seed(2);
    let model = TrainableLlama::new(LlamaConfig::for_training(40, 16, 1, 2, 16)).expect("model");
    let data = TokenDataset::new((0..200).map(|i| (i * 7 % 40) as u32).collect());
    let options = TrainerOptions {
        batch_size: 2,
        seq_len: 8,
        ..TrainerOptions::default()
    };
    let mut trainer = LmTrainer::new(model, data, options).expect("trainer");
    interrupt::clear();
    trainer.step().expect("a first step");
    let before = trainer.model().state_dict();

    interrupt::request();
    assert!(matches!(trainer.step(), Err(Error::Interrupted)));
    assert_eq!(trainer.steps(), 1);
    for (name, t) in trainer.model().state_dict() {
        let same = t.to_vec_f64().expect("values") == before[&name].to_vec_f64().expect("values");
        assert!(same, "{name} changed during an interrupted step");
    }

    interrupt::clear();
    trainer
        .step()
        .expect("training goes on after the interrupt");
    assert_eq!(trainer.steps(), 2);
}
