//! LeNet: the small convolutional classifier for 28×28 single-channel images (MNIST)
//! that the examples, benchmarks and tutorials train.

use super::{Conv2d, Linear, MaxPool2d, Module};
use crate::{Result, Tensor};

/// conv 5×5 (16 channels, padding 2) → relu → max-pool 2 → conv 5×5 (32 channels) →
/// relu → max-pool 2 → 120 → 84 → 10, with PyTorch's default initialisation.
pub struct LeNet {
    conv1: Conv2d,
    conv2: Conv2d,
    fc1: Linear,
    fc2: Linear,
    fc3: Linear,
}

impl LeNet {
    /// A freshly initialised LeNet for `[n, 1, 28, 28]` inputs and 10 classes.
    pub fn new() -> Result<Self> {
        Ok(LeNet {
            conv1: Conv2d::with_options(1, 16, 5, 1, 2, 1, 1, true)?,
            conv2: Conv2d::new(16, 32, 5)?,
            fc1: Linear::new(32 * 5 * 5, 120, true)?,
            fc2: Linear::new(120, 84, true)?,
            fc3: Linear::new(84, 10, true)?,
        })
    }
}

impl Module for LeNet {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let pool = MaxPool2d::new(2);
        let x = pool.forward(&self.conv1.forward(x)?.relu()?)?;
        let x = pool.forward(&self.conv2.forward(&x)?.relu()?)?;
        let x = self.fc1.forward(&x.flatten(1, 3)?)?.relu()?;
        self.fc3.forward(&self.fc2.forward(&x)?.relu()?)
    }

    crate::module_children!(conv1, conv2, fc1, fc2, fc3);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_mnist_images_to_ten_scores() {
        let net = LeNet::new().expect("lenet");
        let scores = net
            .forward(&Tensor::zeros((2, 1, 28, 28)).expect("input"))
            .expect("forward");
        assert_eq!(scores.dims(), &[2, 10]);
        let weights: usize = net.parameters().iter().map(|p| p.elem_count()).sum();
        // 416 + 12,832 + 96,120 + 10,164 + 850, as PyTorch counts the same model
        assert_eq!(weights, 120_382);
    }
}
