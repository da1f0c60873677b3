//! Output buffers for kernels. Large ones are advised to use transparent huge pages
//! (as NumPy does), which cuts the page-fault cost of first writes several-fold.

/// Buffers of at least this many bytes get the huge-page advice.
const HUGE_PAGE_MIN_BYTES: usize = 4 << 20;

/// A vector of `n` default values, ready to be overwritten.
pub fn output_vec<T: Clone + Default>(n: usize) -> Vec<T> {
    // `vec!` of an all-zero default comes from calloc: for large sizes those are fresh
    // zero pages not yet touched, so the advice below still applies to them.
    let v = vec![T::default(); n];
    advise_huge_pages(&v);
    v
}

#[cfg(target_os = "linux")]
fn advise_huge_pages<T>(v: &[T]) {
    let bytes = std::mem::size_of_val(v);
    if bytes < HUGE_PAGE_MIN_BYTES {
        return;
    }
    let page = 4096usize;
    let start = v.as_ptr() as usize;
    let aligned = start.next_multiple_of(page);
    let len = (start + bytes).saturating_sub(aligned) / page * page;
    // SAFETY: the range lies inside the vector's allocation; MADV_HUGEPAGE only changes
    // how the kernel backs those pages, never their contents.
    unsafe {
        libc::madvise(aligned as *mut libc::c_void, len, libc::MADV_HUGEPAGE);
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge_pages<T>(_v: &[T]) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_and_small_buffers_are_zeroed() {
        assert!(output_vec::<f32>(10).iter().all(|&x| x == 0.0));
        let big = output_vec::<f32>(3 << 20);
        assert_eq!(big.len(), 3 << 20);
        assert!(big.iter().step_by(4099).all(|&x| x == 0.0));
    }
}
