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
    /// Watch the release folders and serve the feeds over HTTP.
    Serve {
        /// Configuration file (default: built-in defaults).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Folder to watch; repeatable; replaces the configured list.
        #[arg(long, value_name = "DIR")]
        watch: Vec<PathBuf>,
        /// Address to listen on, e.g. 127.0.0.1:8080 (port 0 picks one).
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
        /// Folder for the release store.
        #[arg(long, value_name = "DIR")]
        data: Option<PathBuf>,
        /// Public URL of the server, for links and ids in the feeds.
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
    },
    /// Normalize files as `serve` would and print one JSON object per line.
    Normalize {
        /// Configuration file (default: built-in defaults).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Release files; template lines are learned across them.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Write every feed, the OPML and the index once, then exit.
    Render {
        /// Configuration file (default: built-in defaults).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Output folder.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Validate the configuration and the region taxonomy, then exit.
    CheckConfig {
        /// Configuration file (default: built-in defaults).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
}
