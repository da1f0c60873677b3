//! Born's ML runtime.

pub mod interrupt;

pub mod prelude {
    //! Everything a notebook cell needs in scope.
}
