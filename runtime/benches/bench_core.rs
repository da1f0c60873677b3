//! Core CPU benchmarks against NumPy in the same run: sgemm GFLOP/s, elementwise and
//! softmax GB/s over 16M f32, and conv2d forward+backward on an MNIST-sized batch.
//!
//! `cargo bench -p born --bench bench_core` (set BORN_PYTHON to a Python with NumPy;
//! default /opt/born-ref/bin/python). Runs alternate Born and NumPy and keep the best of
//! each, since a shared machine's load changes during the run.

use born::{manual_seed, Result, Tensor};
use std::process::Command;
use std::time::Instant;

const ROUNDS: usize = 5;

/// Best wall time of `repeats` calls of `f` after one warm-up call.
fn best_of(repeats: usize, mut f: impl FnMut() -> Result<()>) -> Result<f64> {
    f()?;
    let mut best = f64::INFINITY;
    for _ in 0..repeats {
        let t = Instant::now();
        f()?;
        best = best.min(t.elapsed().as_secs_f64());
    }
    Ok(best)
}

/// NumPy's best time for a case, or `None` when Python/NumPy is unavailable.
fn numpy_seconds(case: &str, size: usize, repeats: usize) -> Option<(f64, String)> {
    let python = std::env::var("BORN_PYTHON").unwrap_or_else(|_| "/opt/born-ref/bin/python".into());
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/bench_numpy.py");
    let out = Command::new(python)
        .args([script, case, &size.to_string(), &repeats.to_string()])
        // These variables tune old OpenBLAS builds and slow a current NumPy down.
        .env_remove("OPENBLAS_CORETYPE")
        .env_remove("OPENBLAS_L2_SIZE")
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!("numpy run failed: {}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    let line = String::from_utf8_lossy(&out.stdout).to_string();
    let secs = line
        .split("\"seconds\": ")
        .nth(1)?
        .split(',')
        .next()?
        .trim()
        .parse()
        .ok()?;
    let blas = line
        .split("\"blas\": \"")
        .nth(1)
        .unwrap_or("?")
        .trim_end_matches(['"', '}', '\n'])
        .to_string();
    Some((secs, blas))
}

/// Interleaves Born and NumPy runs; returns the best time of each.
fn compare(
    case: &str,
    size: usize,
    repeats: usize,
    mut born: impl FnMut() -> Result<()>,
) -> Result<(f64, Option<f64>, String)> {
    let (mut ours, mut theirs, mut blas) = (f64::INFINITY, None::<f64>, String::new());
    for _ in 0..ROUNDS {
        ours = ours.min(best_of(repeats, &mut born)?);
        if let Some((s, b)) = numpy_seconds(case, size, repeats) {
            theirs = Some(theirs.map_or(s, |t| t.min(s)));
            blas = b;
        }
    }
    Ok((ours, theirs, blas))
}

fn report(label: &str, unit: &str, work: f64, ours: f64, theirs: Option<f64>) {
    let born_rate = work / ours / 1e9;
    match theirs {
        Some(t) => {
            let np_rate = work / t / 1e9;
            println!("{label:<22} born {born_rate:8.1} {unit}   numpy {np_rate:8.1} {unit}   ratio {:.2}x", born_rate / np_rate);
        }
        None => println!("{label:<22} born {born_rate:8.1} {unit}   numpy n/a"),
    }
}

fn main() -> Result<()> {
    manual_seed(0);
    println!("threads: {}", rayon::current_num_threads());
    for n in [256usize, 512, 1024, 2048] {
        let a = Tensor::randn((n, n))?;
        let b = Tensor::randn((n, n))?;
        let repeats = if n >= 2048 { 3 } else { 10 };
        let (ours, theirs, blas) = compare("sgemm", n, repeats, || a.matmul(&b).map(|_| ()))?;
        report(
            &format!("sgemm {n} ({blas})"),
            "GFLOP/s",
            2.0 * (n * n * n) as f64,
            ours,
            theirs,
        );
    }
    let n = 16 * 1024 * 1024;
    let x = Tensor::randn(n)?;
    let y = Tensor::randn(n)?;
    let bytes = |arrays: usize| (arrays * n * 4) as f64;
    let (o, t, _) = compare("copy", n, 10, || x.affine(1.0, 0.0).map(|_| ()))?;
    report("copy-like affine 16M", "GB/s", bytes(2), o, t);
    let (o, t, _) = compare("add", n, 10, || x.add(&y).map(|_| ()))?;
    report("add 16M", "GB/s", bytes(3), o, t);
    let (o, t, _) = compare("mul", n, 10, || x.mul(&y).map(|_| ()))?;
    report("mul 16M", "GB/s", bytes(3), o, t);
    let (o, t, _) = compare("exp", n, 10, || x.exp().map(|_| ()))?;
    report("exp 16M", "GB/s", bytes(2), o, t);
    let rows = x.reshape((n / 4096, 4096))?;
    let (o, t, _) = compare("softmax", n, 10, || rows.softmax(-1).map(|_| ()))?;
    report("softmax 4096x4096", "GB/s", bytes(2), o, t);

    // conv2d forward + backward: MNIST-sized batch, 1 -> 32 channels, 3x3, padding 1.
    let img = Tensor::randn((64, 1, 28, 28))?;
    let w = Tensor::randn((32, 1, 3, 3))?.with_grad()?;
    let bias = Tensor::zeros(32)?.with_grad()?;
    let secs = best_of(5, || {
        let y = img.conv2d(&w, Some(&bias), 1, 1, 1, 1)?;
        y.relu()?.max_pool2d(2, 2, 0)?.sum_all()?.backward()
    })?;
    println!("conv2d 64x1x28x28 -> 32ch 3x3 + relu + maxpool, fwd+bwd: {:.2} ms (PyTorch not installed: absolute only)", secs * 1e3);
    Ok(())
}
