//! The `pressfeed` binary: parses the command line, runs the command, and
//! turns the outcome into an exit status. The work lives in the library.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use pressfeed::cli::{Cli, Command};
use pressfeed::config::{Config, Overrides};
use pressfeed::error::Error;

fn main() -> ExitCode {
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

fn run(cli: Cli) -> Result<(), Error> {
    match cli.command {
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
        Command::CheckConfig { config } => {
            let loaded = Config::load(config.as_deref(), &Overrides::default())?;
            let taxonomy = &loaded.rules.taxonomy;
            println!(
                "{}: ok ({} regions, {} countries)",
                config
                    .as_deref()
                    .map_or("built-in defaults".into(), |p| p.display().to_string()),
                taxonomy.regions().len(),
                taxonomy.countries().len()
            );
            Ok(())
        }
    }
}
