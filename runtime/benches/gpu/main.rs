//! GPU benchmark: f32 matmul TFLOP/s, LeNet training samples/s (GPU vs CPU), attention
//! forward time and memory (flash kernel vs materialised scores) and LLM decode tok/s (GPU
//! vs CPU), with PyTorch figures beside them when a reference file is given.
//!
//! `gpu_bench [--quick] [--reference torch.json]`; `run.sh` beside this file builds nothing,
//! it runs the prebuilt binary and the PyTorch reference in one go.

mod llm;

use born::backend::wgpu::{attention, describe_gpu, memory, reset_peak, AttentionDims, GpuBuffer};
use born::loss::cross_entropy;
use born::nn::{LeNet, Module};
use born::optim::{Optimizer, Sgd};
use born::{manual_seed, no_grad, Device, Error, Result, Tensor};
use std::collections::BTreeMap;
use std::time::Instant;

/// Sizes and repeats of one run.
struct Plan {
    matmul: Vec<usize>,
    attention: Vec<usize>,
    cnn_steps: usize,
}

/// Seconds per call of `f` (after one warm-up call), over at least `min_secs` and 2 calls.
fn time_it(dev: Device, min_secs: f64, mut f: impl FnMut() -> Result<()>) -> Result<f64> {
    f()?;
    dev.synchronize()?;
    let start = Instant::now();
    let mut calls = 0;
    while calls < 2 || start.elapsed().as_secs_f64() < min_secs {
        f()?;
        calls += 1;
    }
    dev.synchronize()?;
    Ok(start.elapsed().as_secs_f64() / calls as f64)
}

/// Checks a few entries of a GPU product against f64 dot products on the host.
fn check_matmul(a: &Tensor, b: &Tensor, c: &Tensor) -> Result<()> {
    let n = a.dims()[0];
    let rows = a.narrow(0, 0, 2)?.to_vec2::<f32>()?;
    let cols = b.narrow(1, n - 2, 2)?.t()?.to_vec2::<f32>()?;
    let got = c.narrow(0, 0, 2)?.narrow(1, n - 2, 2)?.to_vec2::<f32>()?;
    for (i, row) in rows.iter().enumerate() {
        for (j, col) in cols.iter().enumerate() {
            let want: f64 = row
                .iter()
                .zip(col)
                .map(|(x, y)| *x as f64 * *y as f64)
                .sum();
            let err = (got[i][j] as f64 - want).abs();
            if err > 1e-3 * (n as f64).sqrt() * want.abs().max(1.0) {
                return Err(Error::msg(format!(
                    "matmul {n}: entry ({i}, {}) is {} but should be {want}",
                    n - 2 + j,
                    got[i][j]
                )));
            }
        }
    }
    Ok(())
}

fn bench_matmul(plan: &Plan, reference: &BTreeMap<String, f64>) -> Result<()> {
    println!("\nf32 matmul (n x n x n)            born TFLOP/s   torch TFLOP/s   ratio");
    let dev = Device::Gpu;
    for &n in &plan.matmul {
        let a = Tensor::randn((n, n))?.to_device(dev)?;
        let b = Tensor::randn((n, n))?.to_device(dev)?;
        let secs = time_it(dev, 1.0, || a.matmul(&b).map(drop))?;
        check_matmul(&a, &b, &a.matmul(&b)?)?;
        let tflops = 2.0 * (n as f64).powi(3) / secs / 1e12;
        print_row(
            &format!("n = {n}"),
            tflops,
            reference.get(&format!("matmul_{n}")),
        );
    }
    Ok(())
}

fn print_row(name: &str, ours: f64, theirs: Option<&f64>) {
    match theirs {
        Some(t) => println!("  {name:<32} {ours:>10.4} {t:>15.3} {:>8.3}", ours / t),
        None => println!("  {name:<32} {ours:>10.4} {:>15} {:>8}", "-", "-"),
    }
}

/// Training samples per second of LeNet on random 28x28 batches of 64.
fn cnn_samples_per_sec(dev: Device, steps: usize) -> Result<f64> {
    manual_seed(0);
    let mut model = LeNet::new()?;
    model.to_device(dev)?;
    let mut opt = Sgd::new(model.named_parameters(), 0.01)?;
    let x = Tensor::randn((64, 1, 28, 28))?.to_device(dev)?;
    let labels: Vec<i64> = (0..64).map(|i| i % 10).collect();
    let y = Tensor::from_vec(labels, 64)?.to_device(dev)?;
    let mut step = || -> Result<()> {
        let loss = cross_entropy(&model.forward(&x)?, &y)?;
        opt.zero_grad();
        loss.backward()?;
        opt.step()
    };
    step()?;
    dev.synchronize()?;
    let start = Instant::now();
    for _ in 0..steps {
        step()?;
    }
    dev.synchronize()?;
    Ok((steps * 64) as f64 / start.elapsed().as_secs_f64())
}

fn bench_cnn(plan: &Plan, reference: &BTreeMap<String, f64>) -> Result<()> {
    println!("\nLeNet training, batch 64           samples/s");
    let gpu = cnn_samples_per_sec(Device::Gpu, plan.cnn_steps)?;
    let cpu = cnn_samples_per_sec(Device::Cpu, plan.cnn_steps)?;
    println!("  born gpu                       {gpu:>10.0}");
    println!(
        "  born cpu                       {cpu:>10.0}   (gpu / cpu {:.2})",
        gpu / cpu
    );
    if let Some(t) = reference.get("cnn_samples_per_s") {
        println!(
            "  torch cuda                     {t:>10.0}   (born gpu / torch {:.3})",
            gpu / t
        );
    }
    Ok(())
}

/// Single-head attention softmax(q k^T / sqrt(d)) v, materialising the score matrix.
fn naive_attention(q: &Tensor, k: &Tensor, v: &Tensor) -> Result<Tensor> {
    let d = q.dims()[1] as f64;
    let scores = q.matmul(&k.t()?)?.affine(1.0 / d.sqrt(), 0.0)?;
    scores.softmax(-1)?.matmul(v)
}

fn bench_attention(plan: &Plan) -> Result<()> {
    println!(
        "\nattention forward, one head, d = 64   ms      peak MiB   (naive: scores materialised)"
    );
    let dev = Device::Gpu;
    for &seq in &plan.attention {
        let make = || Tensor::randn((seq, 64)).and_then(|t| t.to_device(dev));
        let (q, k, v) = (make()?, make()?, make()?);
        let before = memory().in_use;
        reset_peak();
        let secs = no_grad(|| time_it(dev, 0.5, || naive_attention(&q, &k, &v).map(drop)))?;
        let mib = (memory().peak_in_use - before) as f64 / (1 << 20) as f64;
        println!(
            "  seq {seq:<6} naive                  {:>8.2} {mib:>10.1}",
            secs * 1e3
        );
        let (q, k, v) = (q.to_vec::<f32>()?, k.to_vec::<f32>()?, v.to_vec::<f32>()?);
        let up = |x: &[f32]| GpuBuffer::from_f32(x, "bench");
        let (q, k, v) = (up(&q)?, up(&k)?, up(&v)?);
        let out = GpuBuffer::uninit(seq * 64, "bench")?;
        let dims = AttentionDims {
            n: seq,
            n_heads: 1,
            n_kv_heads: 1,
            head_dim: 64,
            len: seq,
        };
        let before = memory().in_use;
        reset_peak();
        let secs = time_it(dev, 0.5, || attention(&out, &q, &k, &v, dims))?;
        let mib = (memory().peak_in_use.saturating_sub(before)) as f64 / (1 << 20) as f64;
        println!(
            "  seq {seq:<6} flash (causal)         {:>8.2} {mib:>10.1}",
            secs * 1e3
        );
    }
    Ok(())
}

fn read_reference(path: Option<&str>) -> Result<BTreeMap<String, f64>> {
    let Some(path) = path else {
        return Ok(BTreeMap::new());
    };
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| Error::format(path, e.to_string()))?;
    Ok(value
        .as_object()
        .map(|o| {
            o.iter()
                .filter_map(|(k, v)| v.as_f64().map(|f| (k.clone(), f)))
                .collect()
        })
        .unwrap_or_default())
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let reference_path = args
        .iter()
        .position(|a| a == "--reference")
        .and_then(|i| args.get(i + 1))
        .map(String::as_str);
    let reference = read_reference(reference_path)?;
    let plan = if quick {
        Plan {
            matmul: vec![128, 256],
            attention: vec![256, 512],
            cnn_steps: 3,
        }
    } else {
        Plan {
            matmul: vec![1024, 2048, 4096, 8192],
            attention: vec![1024, 4096, 16384],
            cnn_steps: 50,
        }
    };
    Device::gpu()?;
    println!("adapter: {}", describe_gpu()?);
    bench_matmul(&plan, &reference)?;
    bench_cnn(&plan, &reference)?;
    bench_attention(&plan)?;
    llm::bench_llm(quick)?;
    Ok(())
}
