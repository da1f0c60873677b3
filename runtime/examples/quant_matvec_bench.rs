//! Measures `QuantizedMatrix::matvec` speed as GB/s of weight bytes streamed.
//!
//! `cargo run --release -p born --example quant_matvec_bench [ROWS COLS]`
//! (default 5632 x 2048, a TinyLlama FFN matrix; set RAYON_NUM_THREADS to pick threads).

use std::time::{Duration, Instant};

use born::quant::{GgmlType, QuantizedMatrix, SharedBytes};

/// Random encoded bytes with small finite f16 scales at the start of each block
/// (speed does not depend on the values).
fn random_matrix(ty: GgmlType, rows: usize, cols: usize) -> QuantizedMatrix {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let n = rows * cols / ty.block_size() * ty.type_size();
    let mut bytes: Vec<u8> = (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    let scale = half::f16::from_f32(0.01).to_le_bytes();
    let offsets: &[usize] = match ty {
        GgmlType::Q6_K => &[208],
        GgmlType::Q4_K | GgmlType::Q5_K => &[0, 2],
        _ => &[0],
    };
    for block in bytes.chunks_exact_mut(ty.type_size()) {
        for &o in offsets {
            block[o..o + 2].copy_from_slice(&scale);
        }
    }
    QuantizedMatrix::new(ty, rows, cols, SharedBytes::from_vec(bytes)).expect("sizes match")
}

/// Vectors per `matmul` call in the batched measurement.
const BATCH: usize = 8;

/// Seconds per `matmul` of `n` copies of `x`.
fn time_matmul(m: &QuantizedMatrix, x: &[f32], n: usize) -> f64 {
    let xs: Vec<f32> = x.iter().copied().cycle().take(n * x.len()).collect();
    let mut out = vec![0f32; n * m.rows()];
    let mut iters = 0u32;
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(500) {
        m.matmul(&xs, n, &mut out).expect("shapes match");
        iters += 1;
    }
    start.elapsed().as_secs_f64() / iters as f64
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let (rows, cols) = match args[..] {
        [r, c] => (r, c),
        _ => (5632, 2048),
    };
    println!(
        "matvec {rows} x {cols}, {} threads",
        rayon::current_num_threads()
    );
    let x: Vec<f32> = (0..cols)
        .map(|i| ((i * 7919) % 1000) as f32 / 500.0 - 1.0)
        .collect();
    let mut out = vec![0f32; rows];
    for ty in [
        GgmlType::Q4_0,
        GgmlType::Q8_0,
        GgmlType::Q4_K,
        GgmlType::Q5_K,
        GgmlType::Q6_K,
        GgmlType::F16,
    ] {
        let m = random_matrix(ty, rows, cols);
        m.matvec(&x, &mut out).expect("shapes match");
        let mut iters = 0u32;
        let start = Instant::now();
        while start.elapsed() < Duration::from_millis(700) {
            m.matvec(&x, &mut out).expect("shapes match");
            iters += 1;
        }
        let secs = start.elapsed().as_secs_f64() / iters as f64;
        let batched = time_matmul(&m, &x, BATCH);
        println!(
            "{:5}  matvec {:8.3} ms  {:6.2} GB/s of weights   matmul x{BATCH} {:8.3} ms per vector",
            ty.name(),
            secs * 1e3,
            m.bytes().len() as f64 / secs / 1e9,
            batched * 1e3 / BATCH as f64
        );
    }
}
