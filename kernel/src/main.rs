//! `born-kernel`: the Born Jupyter kernel, its kernelspec installer, and (when
//! started by evcxr) the child process that runs the cells.

mod child;
mod cli;
mod compile_errors;
mod envelope;
mod evaluator;
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
    // The same binary is evcxr's child process; these calls never return there.
    child::prepare_if_child();
    evcxr::runtime_hook();
    cli::run()
}
