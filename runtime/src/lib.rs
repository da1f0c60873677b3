//! Born's ML runtime.

pub mod data;
mod error;
pub mod io;

pub use error::{Error, Result};

pub mod prelude {
    //! Everything a notebook cell needs in scope.
}
