//! Born's ML runtime.

pub mod io;
pub mod llm;
pub mod quant;

pub mod prelude {
    //! Everything a notebook cell needs in scope.
}
