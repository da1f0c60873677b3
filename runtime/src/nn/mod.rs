//! Neural-network building blocks: the [`Module`] trait, layers, activations and
//! initialisers with PyTorch's defaults and state-dict names.

mod activation;
mod container;
mod conv;
mod dropout;
mod embedding;
pub mod init;
mod lenet;
mod linear;
mod module;
mod norm;
mod pool;

pub use activation::{Flatten, Gelu, Identity, LeakyRelu, Relu, Sigmoid, Silu, Tanh};
pub use container::Sequential;
pub use conv::Conv2d;
pub use dropout::Dropout;
pub use embedding::Embedding;
pub use lenet::LeNet;
pub use linear::Linear;
pub use module::{Module, TensorRole};
pub use norm::{BatchNorm, LayerNorm, RmsNorm};
pub use pool::{AvgPool2d, MaxPool2d};

/// Implements [`Module::children`] and [`Module::children_mut`] for a struct whose
/// listed fields are modules, naming each child after its field:
///
/// ```
/// use born::nn::{Linear, Module};
/// use born::{Result, Tensor};
/// struct Net { fc1: Linear, fc2: Linear }
/// impl Module for Net {
///     fn forward(&self, x: &Tensor) -> Result<Tensor> {
///         self.fc2.forward(&self.fc1.forward(x)?.relu()?)
///     }
///     born::module_children!(fc1, fc2);
/// }
/// let net = Net { fc1: Linear::new(4, 3, true)?, fc2: Linear::new(3, 2, true)? };
/// assert_eq!(net.named_parameters()[0].0, "fc1.weight");
/// # Ok::<(), born::Error>(())
/// ```
#[macro_export]
macro_rules! module_children {
    ($($field:ident),* $(,)?) => {
        fn children(&self) -> ::std::vec::Vec<(::std::string::String, &dyn $crate::nn::Module)> {
            ::std::vec![$((::std::string::String::from(stringify!($field)), &self.$field as &dyn $crate::nn::Module)),*]
        }
        fn children_mut(
            &mut self,
        ) -> ::std::vec::Vec<(::std::string::String, &mut dyn $crate::nn::Module)> {
            ::std::vec![$((::std::string::String::from(stringify!($field)), &mut self.$field as &mut dyn $crate::nn::Module)),*]
        }
    };
}

#[cfg(test)]
pub(crate) mod reference_tests;
