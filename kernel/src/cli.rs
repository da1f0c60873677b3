//! Command line: `born-kernel run`, `install`, `lab`, `uninstall` (and the
//! hidden `spare` that kernels start).

use crate::install::{self, Destination};
use crate::lab;
use crate::launcher;
use crate::server;
use crate::spare;
use crate::warmup::RuntimeCrates;
use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "born-kernel",
    version,
    about = "The Born Jupyter kernel for Rust cells"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the kernel (Jupyter starts this through the kernelspec).
    Run {
        /// The connection file Jupyter wrote.
        #[arg(long)]
        connection_file: PathBuf,
        /// A warm evcxr compile directory to clone for this kernel.
        #[arg(long)]
        template: Option<PathBuf>,
    },
    /// Load the runtime ahead of time and wait for the next kernel start to take
    /// over its connection (kernels start these themselves).
    #[command(hide = true)]
    Spare {
        /// The warm evcxr compile directory to clone.
        #[arg(long)]
        template: Option<PathBuf>,
        /// Ask the spare waiting for this build to exit instead.
        #[arg(long)]
        stop: bool,
    },
    /// Install the kernelspec and build the warm runtime template.
    Install {
        #[command(flatten)]
        destination: DestinationArgs,
        /// Only write the kernelspec; the first kernel then builds the runtime itself.
        #[arg(long)]
        no_template: bool,
    },
    /// Set up a local JupyterLab with the Born kernel and open the tutorials.
    Lab {
        /// The Python environment to use or create (default: `.venv` in the workspace).
        #[arg(long)]
        venv: Option<PathBuf>,
        /// Extra arguments for `jupyter lab`.
        #[arg(last = true)]
        jupyter_args: Vec<String>,
    },
    /// Remove the kernelspec and its template.
    Uninstall {
        #[command(flatten)]
        destination: DestinationArgs,
    },
}

#[derive(Args)]
#[group(multiple = false)]
struct DestinationArgs {
    /// Install for the current user (the default).
    #[arg(long)]
    user: bool,
    /// Install into the active Python environment (`sys.prefix`).
    #[arg(long)]
    sys_prefix: bool,
    /// Install under DIR/share/jupyter/kernels.
    #[arg(long, value_name = "DIR")]
    prefix: Option<PathBuf>,
}

impl DestinationArgs {
    fn destination(&self) -> Destination {
        match (&self.prefix, self.sys_prefix) {
            (Some(dir), _) => Destination::Prefix(dir.clone()),
            (None, true) => Destination::SysPrefix,
            (None, false) => Destination::User,
        }
    }
}

/// Parses the command line and runs the chosen command.
pub fn run() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("BORN_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("born_kernel=info")),
        )
        .with_writer(std::io::stderr)
        .init();
    // A relative template would break for spares, which start in `/`.
    let absolute =
        |template: Option<PathBuf>| template.map(|t| std::path::absolute(&t).unwrap_or(t));
    match Cli::parse().command {
        Command::Run {
            connection_file,
            template,
        } => run_kernel(&connection_file, absolute(template)),
        Command::Spare {
            template,
            stop: false,
        } => spare::run_spare(absolute(template)),
        Command::Spare {
            template,
            stop: true,
        } => {
            if spare::stop_spare(absolute(template).as_deref()) {
                println!("Asked the waiting spare kernel to exit.");
            } else {
                println!("No spare kernel is waiting.");
            }
            Ok(())
        }
        Command::Install {
            destination,
            no_template,
        } => install::install(&destination.destination(), !no_template).map(|_| ()),
        Command::Lab { venv, jupyter_args } => lab::run(venv, &jupyter_args),
        Command::Uninstall { destination } => install::uninstall(&destination.destination()),
    }
}

fn run_kernel(connection_file: &std::path::Path, template: Option<PathBuf>) -> anyhow::Result<()> {
    let info = server::read_connection_file(connection_file)?;
    if let Some(lifeline) = launcher::adopt_spare(connection_file, template.as_deref()) {
        return launcher::relay(lifeline);
    }
    let workdir = crate::workdir::Workdir::create(template.as_deref())?;
    workdir.make_current();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let prepared = server::Prepared::start(RuntimeCrates::locate());
    let result = runtime.block_on(async {
        spare::replenish_when_idle(prepared.evaluator().clone(), template);
        server::serve(info, prepared, None).await
    });
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    drop(workdir);
    result
}
