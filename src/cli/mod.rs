//! The command line: `keelhaul scan`, `keelhaul upgrade-plan`, `keelhaul rules`, `keelhaul
//! explain`, `keelhaul init`.
//!
//! - `args`: the flags as clap reads them;
//! - `config`: the `.keelhaul.yaml` configuration file;
//! - `resolve`: flags and configuration → typed options, or a usage error;
//! - `scan`: the scan command as a sequence of steps; `upgrade_plan`: the plan of an upgrade
//!   one minor at a time, from a scan; `commands`: the others.
//!
//! Exit codes: 0 when no finding is at or above `--fail-on`, 1 when one is, 2 for usage,
//! configuration or I/O errors that stop the scan. They are decided here, in `run`, alone.

pub mod args;
mod commands;
pub mod config;
mod reference;
mod resolve;
mod scan;
mod trust;
mod upgrade_plan;

pub use args::{Cli, Command};

pub const EXIT_OK: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

/// How a command that ran to its end ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Nothing at or above `--fail-on`.
    Clean,
    /// Findings at or above `--fail-on`.
    Findings,
    /// The command finished, but something it had to write could not be written (said on
    /// standard error as it happened).
    Failed,
}

/// Why a command stopped. Each is said on standard error, and is exit code 2.
#[derive(Debug)]
pub enum Error {
    /// The command line asks for something that cannot be done (a bad flag value, flags
    /// that disagree, a missing path or file).
    Usage(String),
    /// The configuration file is wrong: the message starts with its file:line:col.
    Config(String),
    /// A file could not be read or written.
    Io(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Usage(m) | Error::Config(m) | Error::Io(m) => f.write_str(m),
        }
    }
}

/// Runs the command line; returns the exit code.
pub fn run(cli: Cli) -> i32 {
    let outcome = match cli.command {
        Command::Scan(args) => scan::run(*args),
        Command::UpgradePlan(args) => upgrade_plan::run(*args),
        Command::Init { force, path } => commands::init(&path, force),
        Command::Rules { format, config } => commands::list_rules(format, config.as_deref()),
        Command::Explain { rule } => commands::explain(&rule),
        Command::Reference { what } => commands::reference(what),
    };
    match outcome {
        Ok(Exit::Clean) => EXIT_OK,
        Ok(Exit::Findings) => EXIT_FINDINGS,
        Ok(Exit::Failed) => EXIT_ERROR,
        Err(e) => {
            eprintln!("keelhaul: {e}");
            EXIT_ERROR
        }
    }
}
