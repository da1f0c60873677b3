//! Born's ML runtime.

pub mod data;
mod error;
pub mod io;

pub use error::{Error, Result};
mod tensor_shim;
pub use tensor_shim::{DType, Tensor};

pub mod prelude {
    //! Everything a notebook cell needs in scope.
}
