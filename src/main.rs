//! The `pressfeed` binary: parses the command line, sets up logging, runs
//! the command, and turns the outcome into an exit status. The work lives
//! in the library.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use pressfeed::cli::{Cli, Command};
use pressfeed::config::{Config, Overrides};
use pressfeed::daemon::{self, Origin};
use pressfeed::error::Error;

/// mimalloc rather than glibc's malloc. The two serving threads shared a
/// glibc arena and queued on its lock (futex waits on both under load), and
/// an allocation and its free cost a feed answer about 900 instructions;
/// mimalloc keeps a heap per thread and takes a few dozen.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc 3's `mimalloc.h`; the test below
/// checks it against the option's documented default.
const MI_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
/// How long freed memory stays committed before it goes back to the
/// system, in milliseconds. mimalloc 3 waits 1,000 ms, which during a cold
/// start of 100,000 files held about 15 MB more at the peak than 10 ms.
const PURGE_DELAY_MS: std::ffi::c_long = 10;

fn main() -> ExitCode {
    tune_allocator();
    limit_malloc_arenas();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(Error::Refused(_)) => ExitCode::from(1),
        Err(e) => {
            eprintln!("pressfeed: {e}");
            e.exit_code()
        }
    }
}

/// Shortens mimalloc's purge delay unless `MIMALLOC_PURGE_DELAY` is set.
fn tune_allocator() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets one of mimalloc's options, which it reads atomically.
        unsafe { libmimalloc_sys::mi_option_set(MI_PURGE_DELAY, PURGE_DELAY_MS) };
    }
}

/// glibc's malloc still serves SQLite's C code. It gives each thread that
/// allocates an arena of its own, up to eight per core, and memory freed
/// into one arena is not reused by another; one arena per core (at least
/// two) bounds that. `MALLOC_ARENA_MAX`, when set, wins.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let arenas = libc::c_int::try_from(cores.clamp(2, 8)).unwrap_or(2);
        // SAFETY: mallopt only sets a malloc parameter; it is called before
        // any other thread exists.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, arenas);
        }
    }
}

fn run(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Command::Serve {
            config,
            watch,
            listen,
            data,
            base_url,
        } => {
            let overrides = Overrides {
                watch,
                listen,
                data,
                base_url,
            };
            let loaded = Config::load(config.as_deref(), &overrides)?;
            init_logging(&loaded.log_level);
            serve(
                loaded,
                Origin {
                    path: config,
                    overrides,
                },
            )
        }
        Command::Normalize { config, files } => {
            let config = Config::load(config.as_deref(), &Overrides::default())?;
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            let refused = pressfeed::batch::run(&files, &config, &mut out, &mut std::io::stderr())?;
            out.flush()?;
            if refused > 0 {
                return Err(Error::Refused(refused));
            }
            Ok(())
        }
        Command::Render { config, out } => {
            let loaded = Config::load(config.as_deref(), &Overrides::default())?;
            init_logging(&loaded.log_level);
            let rendered = pressfeed::render::render(Arc::new(loaded), &out)?;
            eprintln!(
                "pressfeed: wrote {} files to {} ({} already up to date)",
                rendered.written,
                out.display(),
                rendered.unchanged
            );
            Ok(())
        }
        Command::CheckConfig { config } => check_config(config.as_deref()),
    }
}

fn serve(config: Config, origin: Origin) -> Result<(), Error> {
    // Requests are served on threads of their own (`http::serve`); this
    // runtime's blocking threads wait for the ingest thread, and render
    // queried feeds only when no serving thread could start.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(cores * 2)
        .build()?;
    runtime.block_on(async {
        let listener = match pressfeed::systemd::activated_listener()? {
            Some(socket) => tokio::net::TcpListener::from_std(socket)?,
            None => bind(config.listen).map_err(|source| Error::Bind {
                addr: config.listen.to_string(),
                source,
            })?,
        };
        let addr = listener.local_addr()?;
        let mut config = config;
        config.follow_listen_address(addr);
        println!("listening on http://{addr}");
        std::io::stdout().flush()?;
        let stop = tokio_util::sync::CancellationToken::new();
        daemon::run(config, origin, listener, stop).await?;
        Ok(())
    })
}

/// Listens with a deep backlog: tokio's default of 128 drops connections
/// in a burst of new clients.
fn bind(addr: std::net::SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(4096)
}

fn check_config(path: Option<&Path>) -> Result<(), Error> {
    let loaded = Config::load(path, &Overrides::default())?;
    let taxonomy = &loaded.rules.taxonomy;
    println!(
        "{}: ok ({} regions, {} countries)",
        path.map_or("built-in defaults".into(), |p| p.display().to_string()),
        taxonomy.regions().len(),
        taxonomy.countries().len()
    );
    Ok(())
}

/// One event per line on stderr; level from RUST_LOG, else the configuration.
fn init_logging(level: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(format!("pressfeed={level},warn,notify=error")));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .with_target(false)
        .init();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The option number is mimalloc's, not ours: only purge_delay has a
    /// default of 1,000, so a renumbered enum shows here.
    #[test]
    fn the_purge_delay_option_is_the_one_mimalloc_documents() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return;
        }
        // SAFETY: reads one of mimalloc's options.
        let delay = unsafe { libmimalloc_sys::mi_option_get(MI_PURGE_DELAY) };
        assert_eq!(delay, 1000);
    }
}
