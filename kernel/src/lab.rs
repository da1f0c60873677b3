//! `born-kernel lab`: the one command a new user runs. It makes a local Python
//! environment with JupyterLab when there is none, installs the Born kernel
//! into it, and opens JupyterLab on the tutorial notebooks.

use crate::install::{self, Destination};
use anyhow::{bail, Context};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The JupyterLab version the local environment gets.
const JUPYTERLAB: &str = "jupyterlab==4.6.6";

/// Prepares the environment and runs JupyterLab until it exits.
pub fn run(venv: Option<PathBuf>, extra_args: &[String]) -> anyhow::Result<()> {
    let root = workspace_root();
    let venv = venv.unwrap_or_else(|| root.join(".venv"));
    ensure_rust_src()?;
    ensure_jupyterlab(&venv)?;
    let template = install::install(&Destination::Prefix(venv.clone()), true)?;
    // By the time a notebook is opened, a spare kernel has the runtime loaded.
    if let Err(error) = crate::spare::spawn_spare(template.as_deref()) {
        println!("No spare kernel: {error:#}");
    }
    let notebooks = root.join("notebooks");
    println!("Opening JupyterLab on {}", notebooks.display());
    let status = Command::new(venv.join("bin").join("jupyter"))
        .arg("lab")
        .arg(format!("--notebook-dir={}", notebooks.display()))
        .args(extra_args)
        .env("BORN_HOME", &root)
        .status()
        .context("starting JupyterLab")?;
    if !status.success() {
        bail!("JupyterLab exited with {status}");
    }
    Ok(())
}

fn workspace_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    root.canonicalize().unwrap_or(root)
}

/// evcxr's analysis needs the standard library's sources.
fn ensure_rust_src() -> anyhow::Result<()> {
    let status = Command::new("rustup")
        .args(["component", "add", "rust-src"])
        .status()
        .context("running rustup to add rust-src (is rustup installed?)")?;
    if !status.success() {
        bail!("`rustup component add rust-src` failed");
    }
    Ok(())
}

fn ensure_jupyterlab(venv: &Path) -> anyhow::Result<()> {
    if venv.join("bin").join("jupyter-lab").exists() {
        return Ok(());
    }
    if !venv.join("bin").join("python").exists() {
        println!("Creating a Python environment in {}", venv.display());
        run_checked(
            Command::new("python3").arg("-m").arg("venv").arg(venv),
            "python3 -m venv",
        )?;
    }
    println!("Installing {JUPYTERLAB} into {}", venv.display());
    run_checked(
        Command::new(venv.join("bin").join("pip")).args(["install", "--quiet", JUPYTERLAB]),
        "pip install jupyterlab",
    )
}

fn run_checked(command: &mut Command, what: &str) -> anyhow::Result<()> {
    let status = command
        .status()
        .with_context(|| format!("running {what}"))?;
    if !status.success() {
        bail!("{what} failed with {status}");
    }
    Ok(())
}
