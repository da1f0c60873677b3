//! Output buffers for kernels. Large ones are advised to use transparent huge pages
//! (as NumPy does), which cuts the page-fault cost of first writes several-fold, and freed
//! buffers stay in the process heap for the next op instead of going back to the system.

use std::mem::MaybeUninit;

/// Buffers of at least this many bytes get the huge-page advice.
const HUGE_PAGE_MIN_BYTES: usize = 4 << 20;

/// A vector of `n` default values, ready to be overwritten.
pub fn output_vec<T: Clone + Default>(n: usize) -> Vec<T> {
    keep_freed_buffers();
    // `vec!` of an all-zero default comes from calloc: for large sizes those are fresh
    // zero pages not yet touched, so the advice below still applies to them.
    let v = vec![T::default(); n];
    advise_huge_pages(&v);
    v
}

/// A vector of `n` elements that `write` initialises in place, for kernels that write
/// every element of their output: unlike [`output_vec`] it is not zero-filled first.
///
/// # Safety
/// `write` must initialise all `n` elements of the slice it is given.
pub unsafe fn written_vec<T>(n: usize, write: impl FnOnce(&mut [MaybeUninit<T>])) -> Vec<T> {
    keep_freed_buffers();
    let mut v = Vec::with_capacity(n);
    let spare = &mut v.spare_capacity_mut()[..n];
    advise_huge_pages(spare);
    write(spare);
    // SAFETY: the caller guarantees `write` initialised the first `n` elements.
    unsafe { v.set_len(n) };
    v
}

/// Raises glibc's thresholds (once per process) so that buffers up to 32 MiB come from
/// the heap and freed ones are reused. With the defaults, a training step frees its
/// activations and gradients, glibc trims or unmaps them, and the next step faults every
/// page back in: a fifth of a small model's step time was page faults and zeroing.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn keep_freed_buffers() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: mallopt only changes allocator tuning parameters; it is thread-safe.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
            libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
        }
    });
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn keep_freed_buffers() {}

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
