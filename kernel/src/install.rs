//! `born-kernel install`: the kernelspec, and a warm evcxr compile directory
//! (the "template") with the runtime already built, which each kernel clones.

use crate::warmup::{RuntimeCrates, SESSION_HOOKS_CELL};
use anyhow::{bail, Context};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const KERNEL_NAME: &str = "born";
const KERNEL_JSON_TEMPLATE: &str = include_str!("../../kernelspec/kernel.json");
const LOGO_SVG: &str = include_str!("../../kernelspec/logo-svg.svg");
const LOGO_32: &[u8] = include_bytes!("../../kernelspec/logo-32x32.png");
const LOGO_64: &[u8] = include_bytes!("../../kernelspec/logo-64x64.png");

/// Where a kernelspec goes.
pub enum Destination {
    /// The user's Jupyter data directory.
    User,
    /// `sys.prefix` of the `python3` on PATH (the active environment).
    SysPrefix,
    /// `DIR/share/jupyter`.
    Prefix(PathBuf),
}

impl Destination {
    fn kernels_dir(&self) -> anyhow::Result<PathBuf> {
        let data_dir = match self {
            Destination::User => crate::paths::jupyter_data_dir()
                .context("finding the user's Jupyter data directory")?,
            Destination::SysPrefix => python_sys_prefix()?.join("share").join("jupyter"),
            // Absolute, so the kernelspec works from any working directory.
            Destination::Prefix(dir) => std::path::absolute(dir)
                .with_context(|| format!("resolving {}", dir.display()))?
                .join("share")
                .join("jupyter"),
        };
        Ok(data_dir.join("kernels"))
    }
}

fn python_sys_prefix() -> anyhow::Result<PathBuf> {
    let output = Command::new("python3")
        .args(["-c", "import sys; print(sys.prefix)"])
        .output()
        .context("running python3 to find sys.prefix (is Python on PATH?)")?;
    if !output.status.success() {
        bail!(
            "python3 could not report sys.prefix: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(PathBuf::from(
        String::from_utf8_lossy(&output.stdout).trim(),
    ))
}

/// Writes the kernelspec and, when asked, builds the warm template; returns
/// the template's directory when it was built.
pub fn install(destination: &Destination, build_template: bool) -> anyhow::Result<Option<PathBuf>> {
    let spec_dir = destination.kernels_dir()?.join(KERNEL_NAME);
    std::fs::create_dir_all(&spec_dir)
        .with_context(|| format!("creating the kernelspec directory {}", spec_dir.display()))?;
    let exe = std::env::current_exe().context("finding the born-kernel executable")?;
    let template = spec_dir.join("evcxr-template");
    let kernel_json = render_kernel_json(&exe, build_template.then_some(template.as_path()))?;
    write(&spec_dir.join("kernel.json"), kernel_json.as_bytes())?;
    write(&spec_dir.join("logo-svg.svg"), LOGO_SVG.as_bytes())?;
    write(&spec_dir.join("logo-32x32.png"), LOGO_32)?;
    write(&spec_dir.join("logo-64x64.png"), LOGO_64)?;
    println!("Installed the Born kernelspec in {}", spec_dir.display());
    if build_template {
        // A spare of the old build would never be adopted again.
        crate::spare::stop_spare(Some(&template));
        build_warm_template(&template)?;
        return Ok(Some(template));
    }
    Ok(None)
}

/// Removes the kernelspec directory (with its template).
pub fn uninstall(destination: &Destination) -> anyhow::Result<()> {
    let spec_dir = destination.kernels_dir()?.join(KERNEL_NAME);
    if !spec_dir.exists() {
        println!("No Born kernelspec at {}", spec_dir.display());
        return Ok(());
    }
    crate::spare::stop_spare(Some(&spec_dir.join("evcxr-template")));
    std::fs::remove_dir_all(&spec_dir)
        .with_context(|| format!("removing {}", spec_dir.display()))?;
    println!("Removed {}", spec_dir.display());
    Ok(())
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

/// Fills the kernel.json template: `{exe}` and the optional template arguments.
fn render_kernel_json(exe: &Path, template: Option<&Path>) -> anyhow::Result<String> {
    let mut spec: serde_json::Value =
        serde_json::from_str(KERNEL_JSON_TEMPLATE).context("parsing kernelspec/kernel.json")?;
    let mut argv = vec![
        serde_json::Value::String(exe.display().to_string()),
        "run".into(),
        "--connection-file".into(),
        "{connection_file}".into(),
    ];
    if let Some(template) = template {
        argv.push("--template".into());
        argv.push(template.display().to_string().into());
    }
    spec["argv"] = serde_json::Value::Array(argv);
    Ok(serde_json::to_string_pretty(&spec)?)
}

/// Builds the runtime into `dir` through the same cells a kernel runs.
fn build_warm_template(dir: &Path) -> anyhow::Result<()> {
    // An existing template is reused: cargo rebuilds only what changed since.
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    println!(
        "Building the Born runtime for notebooks into {} (once; a few minutes on a small machine)...",
        dir.display()
    );
    std::env::set_var("EVCXR_TMPDIR", dir);
    let started = Instant::now();
    let ticker = Ticker::start(started);
    let (mut context, _outputs) =
        evcxr::CommandContext::new().map_err(|e| anyhow::anyhow!("starting evcxr: {e}"))?;
    let crates = RuntimeCrates::locate();
    let loaded = context
        .execute(&crates.load_cell())
        .and_then(|_| context.execute(SESSION_HOOKS_CELL))
        .and_then(|_| context.execute("1 + 2"));
    ticker.stop();
    match loaded {
        Err(evcxr::Error::CompilationErrors(errors)) => {
            let rendered: Vec<String> = errors.iter().map(|e| e.rendered()).collect();
            bail!(
                "building the runtime template failed:\n{}",
                rendered.join("\n")
            );
        }
        Err(error) => bail!("building the runtime template failed: {error}"),
        Ok(_) => {}
    }
    println!(
        "Runtime template ready in {:.0} s.",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Prints the elapsed time every few seconds while a long step runs.
struct Ticker {
    stop: std::sync::mpsc::Sender<()>,
}

impl Ticker {
    fn start(started: Instant) -> Ticker {
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        std::thread::spawn(move || {
            while stopped.recv_timeout(Duration::from_secs(10)).is_err() {
                println!(
                    "  ... still compiling ({:.0} s)",
                    started.elapsed().as_secs_f64()
                );
            }
        });
        Ticker { stop }
    }

    fn stop(self) {
        let _ = self.stop.send(());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_json_runs_this_binary_with_the_template() {
        let json =
            render_kernel_json(Path::new("/opt/born-kernel"), Some(Path::new("/t"))).unwrap();
        let spec: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(spec["argv"][0], "/opt/born-kernel");
        assert_eq!(spec["argv"][3], "{connection_file}");
        assert_eq!(spec["argv"][5], "/t");
        assert_eq!(spec["interrupt_mode"], "message");
        assert_eq!(spec["language"], "rust");
    }
}
