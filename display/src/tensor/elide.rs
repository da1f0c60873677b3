//! Which indices along an axis are shown when a tensor is summarised.

/// One position along a shown axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// The element at this index is shown.
    Index(usize),
    /// Elements left out here.
    Gap,
}

/// All of `0..len` when `len <= limit`; otherwise the first and last `edge` with a gap.
pub fn slots(len: usize, limit: usize, edge: usize) -> Vec<Slot> {
    if len <= limit || len <= 2 * edge {
        return (0..len).map(Slot::Index).collect();
    }
    (0..edge)
        .map(Slot::Index)
        .chain(std::iter::once(Slot::Gap))
        .chain((len - edge..len).map(Slot::Index))
        .collect()
}

/// Row-major strides of `shape`.
pub fn strides(shape: &[usize]) -> Vec<usize> {
    let mut strides = vec![1; shape.len()];
    for d in (0..shape.len().saturating_sub(1)).rev() {
        strides[d] = strides[d + 1] * shape[d + 1];
    }
    strides
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_axes_are_whole() {
        assert_eq!(
            slots(3, 6, 3),
            vec![Slot::Index(0), Slot::Index(1), Slot::Index(2)]
        );
        assert_eq!(slots(0, 6, 3), vec![]);
    }

    #[test]
    fn long_axes_keep_both_ends() {
        let s = slots(10, 6, 2);
        assert_eq!(
            s,
            vec![
                Slot::Index(0),
                Slot::Index(1),
                Slot::Gap,
                Slot::Index(8),
                Slot::Index(9)
            ]
        );
    }

    #[test]
    fn strides_are_row_major() {
        assert_eq!(strides(&[2, 3, 4]), vec![12, 4, 1]);
        assert_eq!(strides(&[]), Vec::<usize>::new());
    }
}
