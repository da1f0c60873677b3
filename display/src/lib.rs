//! Rich notebook output for Born.

pub mod prelude {
    //! Everything a notebook cell needs in scope.
}
