//! pressfeed turns folders of press-release files into live Atom, RSS and
//! JSON feeds, one per world region.
//!
//! # Layout
//!
//! A release travels through the modules in this order:
//!
//! 1. [`config`] parses the TOML configuration once into typed structs and
//!    loads the [`regions`] taxonomy (regions, countries and their names).
//! 2. [`normalize`] turns the bytes of one file into a [`model::Release`]
//!    (title, summary, paragraphs, region, country, contact) or a typed
//!    refusal. It is pure: no disk, no clock, no store.
//! 3. [`batch`] reads a set of files from disk, learns the template lines
//!    they share, and normalizes each — what `pressfeed normalize` prints.
//!
//! [`cli`] holds the command line; `main.rs` only dispatches and maps errors
//! to exit statuses ([`error`]).

pub mod batch;
pub mod cli;
pub mod config;
pub mod daemon;
pub mod error;
pub mod feeds;
pub mod health;
pub mod http;
pub mod ingest;
pub mod limits;
pub mod metrics;
pub mod model;
pub mod normalize;
pub mod publish;
pub mod regions;
pub mod render;
pub mod snapshot;
pub mod store;
pub mod systemd;
pub mod watch;
pub mod websub;
