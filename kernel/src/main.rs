//! `born-kernel`: the Born Jupyter kernel, its kernelspec installer, and (when
//! started by evcxr) the child process that runs the cells.

mod child;
mod cli;
mod compile_errors;
mod envelope;
mod evaluator;
mod fast_build;
mod history;
mod install;
mod interrupt;
mod iopub;
mod is_complete;
mod lab;
mod launcher;
mod output;
mod paths;
mod replay;
mod server;
mod shell;
mod spare;
mod stdin;
mod surroundings;
mod warmup;
mod wire;
mod workdir;

fn main() -> anyhow::Result<()> {
    // The same binary is also the session's cargo front, the rustc wrapper that
    // records a cell compile, and evcxr's child process: `run_if_cargo`,
    // `run_if_recording_wrapper` and `runtime_hook` do not return in those roles.
    if let Some(code) = fast_build::run_if_cargo() {
        std::process::exit(code);
    }
    fast_build::run_if_recording_wrapper();
    fast_build::forget_inherited_shim();
    child::prepare_if_child();
    evcxr::runtime_hook();
    cli::run()
}
