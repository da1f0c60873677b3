//! Born's ML runtime.

pub mod prelude {
    //! Everything a notebook cell needs in scope.
}
