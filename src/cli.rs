//! The command line (SPEC §3), parsed with clap. Flags that also exist in
//! the configuration file override it.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Turns folders of press-release files into live Atom, RSS and JSON feeds.
#[derive(Debug, Parser)]
#[command(name = "pressfeed", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Normalize files as `serve` would and print one JSON object per line.
    Normalize {
        /// Configuration file (default: built-in defaults).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Release files; template lines are learned across them.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Validate the configuration and the region taxonomy, then exit.
    CheckConfig {
        /// Configuration file (default: built-in defaults).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
}
