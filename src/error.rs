//! The top-level error: wraps each stage's error and decides the exit
//! status (SPEC §3: 2 for bad usage or configuration, 1 for anything else).

use std::process::ExitCode;

use crate::config::ConfigError;

/// Anything that ends a command unsuccessfully.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration or taxonomy is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Writing output or reading input failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The daemon failed.
    #[error(transparent)]
    Daemon(#[from] crate::daemon::DaemonError),
    /// `render` failed.
    #[error(transparent)]
    Render(#[from] crate::render::RenderError),
    /// Some files of a `normalize` batch were refused (already reported).
    #[error("{0} file(s) refused")]
    Refused(usize),
}

impl Error {
    /// The exit status for this error.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::Config(_) => ExitCode::from(2),
            _ => ExitCode::from(1),
        }
    }

    /// A closed stdout (`pressfeed normalize ... | head`) is not a failure.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Io(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }
}
