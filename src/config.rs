//! Configuration: the TOML file (SPEC §4) parsed once into typed, validated
//! structs. Stage one is [`RawConfig`], every key optional; missing keys take
//! the documented defaults of `config/pressfeed.toml`, which is built into
//! the binary. Stage two is [`Config`], with parsed addresses, compiled
//! patterns and the loaded region taxonomy.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use regex::Regex;
use serde::Deserialize;

use crate::regions::{Taxonomy, TaxonomyError};

/// The default configuration, documented key by key.
pub const DEFAULT_TOML: &str = include_str!("../config/pressfeed.toml");

/// Why the configuration was rejected; every variant names where.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read configuration {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O failure.
        #[source]
        source: std::io::Error,
    },
    /// Bad TOML, an unknown key or a value of the wrong type.
    #[error("{origin}: {message}")]
    Syntax {
        /// The file.
        origin: String,
        /// Line, key and what is wrong.
        message: String,
    },
    /// A value of the right type that is not acceptable.
    #[error("{origin}, line {line}, key `{key}`: {problem}")]
    Value {
        /// The file.
        origin: String,
        /// 1-based line of the key, 0 when it comes from a flag or default.
        line: usize,
        /// The key, dotted for tables (`templates.patterns`).
        key: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The region taxonomy is invalid.
    #[error(transparent)]
    Taxonomy(#[from] TaxonomyError),
}

/// The configuration as written: every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// Watched folders. Default `["./releases"]`.
    pub watch: Option<Vec<PathBuf>>,
    /// Listen address. Default `127.0.0.1:8080`.
    pub listen: Option<String>,
    /// Data folder. Default `./data`.
    pub data: Option<PathBuf>,
    /// Public base URL. Default `http://127.0.0.1:8080/`.
    pub base_url: Option<String>,
    /// Feed title. Default `pressfeed`.
    pub site_title: Option<String>,
    /// Feed description.
    pub site_description: Option<String>,
    /// Author of entries without a contact person.
    pub default_author: Option<String>,
    /// Region taxonomy file; empty for the built-in one.
    pub regions: Option<PathBuf>,
    /// Longest summary in characters. Default 400.
    pub summary_chars: Option<usize>,
    /// Entries per feed. Default 50.
    pub feed_entries: Option<usize>,
    /// Largest accepted file in bytes. Default 5 MiB.
    pub max_file_bytes: Option<u64>,
    /// Whole body in feeds. Default true.
    pub full_content: Option<bool>,
    /// Cache-Control max-age in seconds. Default 300.
    pub cache_max_age: Option<u64>,
    /// WebSub hub URL; empty for none.
    pub websub_hub: Option<String>,
    /// Log level when RUST_LOG is unset. Default `info`.
    pub log_level: Option<String>,
    /// Template line rules.
    pub templates: Option<RawTemplates>,
    /// Location inference rules.
    pub locate: Option<RawLocate>,
}

/// `[templates]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTemplates {
    /// Literal template lines.
    pub lines: Option<Vec<String>>,
    /// Template line regexes.
    pub patterns: Option<Vec<String>>,
    /// Learn recurring lines per folder. Default true.
    pub learn: Option<bool>,
    /// Files a line must recur in to be learned. Default 3.
    pub learn_min_files: Option<usize>,
}

/// `[locate]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLocate {
    /// The publisher's own places. Default `["Geneva"]`.
    pub headquarters: Option<Vec<String>>,
}

/// Command-line values that override the file.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    /// `--watch`, repeatable; replaces the file's list when given.
    pub watch: Vec<PathBuf>,
    /// `--listen`.
    pub listen: Option<String>,
    /// `--data`.
    pub data: Option<PathBuf>,
    /// `--base-url`.
    pub base_url: Option<String>,
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where it was read from; `None` for the built-in defaults.
    pub source: Option<PathBuf>,
    /// Watched folders.
    pub watch: Vec<PathBuf>,
    /// Listen address.
    pub listen: SocketAddr,
    /// Data folder.
    pub data: PathBuf,
    /// Public base URL, always ending in `/`.
    pub base_url: String,
    /// Whether the base URL was configured (else it follows the listen address).
    pub base_url_configured: bool,
    /// Feed title.
    pub site_title: String,
    /// Feed description.
    pub site_description: String,
    /// Author of entries without a contact person.
    pub default_author: String,
    /// Normalizer rules, shared with every ingest.
    pub rules: Arc<Rules>,
    /// Entries per feed by default.
    pub feed_entries: usize,
    /// Whole body in feeds.
    pub full_content: bool,
    /// Cache-Control max-age.
    pub cache_max_age: Duration,
    /// WebSub hub.
    pub websub_hub: Option<String>,
    /// Log level when RUST_LOG is unset.
    pub log_level: String,
}

/// Everything the normalizer needs, and nothing else.
#[derive(Debug)]
pub struct Rules {
    /// Region taxonomy with its name matcher.
    pub taxonomy: Taxonomy,
    /// Literal template lines, folded by [`crate::normalize::template::line_key`].
    pub template_lines: std::collections::HashSet<String>,
    /// Template regexes.
    pub template_patterns: Vec<Regex>,
    /// Learn template lines per folder.
    pub learn_templates: bool,
    /// Files a line must recur in to be learned.
    pub learn_min_files: usize,
    /// Longest summary in characters.
    pub summary_chars: usize,
    /// Largest accepted file.
    pub max_file_bytes: u64,
    /// The publisher's own places (folded).
    pub headquarters: Vec<String>,
}

impl Rules {
    /// A digest of everything that shapes a normalized record: equal
    /// digests, equal records for the same files.
    pub fn digest(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        let mut lines: Vec<&String> = self.template_lines.iter().collect();
        lines.sort();
        lines.hash(&mut h);
        for p in &self.template_patterns {
            p.as_str().hash(&mut h);
        }
        self.learn_templates.hash(&mut h);
        self.learn_min_files.hash(&mut h);
        self.summary_chars.hash(&mut h);
        self.max_file_bytes.hash(&mut h);
        self.headquarters.hash(&mut h);
        self.taxonomy.digest().hash(&mut h);
        h.finish()
    }
}

impl Config {
    /// The built-in defaults (the embedded `config/pressfeed.toml`).
    pub fn builtin() -> Result<Config, ConfigError> {
        Config::load(None, &Overrides::default())
    }

    /// Reads `path` (or the defaults when `None`) and applies the overrides.
    pub fn load(path: Option<&Path>, overrides: &Overrides) -> Result<Config, ConfigError> {
        let (text, origin) = match path {
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|source| ConfigError::Read {
                    path: p.to_owned(),
                    source,
                })?;
                (text, p.display().to_string())
            }
            None => (String::new(), "built-in defaults".to_owned()),
        };
        let user = parse_raw(&text, &origin)?;
        let defaults = parse_raw(DEFAULT_TOML, "built-in defaults")?;
        let mut config = validate(&text, &origin, user, defaults, overrides)?;
        config.source = path.map(Path::to_owned);
        Ok(config)
    }

    /// Makes the base URL follow the address actually bound, unless one was
    /// configured (`--listen 127.0.0.1:0` then links to the real port).
    pub fn follow_listen_address(&mut self, addr: std::net::SocketAddr) {
        self.listen = addr;
        if !self.base_url_configured {
            self.base_url = format!("http://{addr}/");
        }
    }

    /// A configuration for tests: defaults with a watch folder and data folder.
    pub fn for_test(watch: &Path, data: &Path) -> Config {
        let overrides = Overrides {
            watch: vec![watch.to_owned()],
            data: Some(data.to_owned()),
            listen: Some("127.0.0.1:0".into()),
            base_url: None,
        };
        // The embedded defaults are covered by a unit test, so this cannot fail.
        Config::load(None, &overrides).expect("built-in configuration is valid")
    }
}

fn parse_raw(text: &str, origin: &str) -> Result<RawConfig, ConfigError> {
    toml::from_str(text).map_err(|e| ConfigError::Syntax {
        origin: origin.to_owned(),
        message: describe_toml_error(text, &e),
    })
}

/// Turns a TOML error into "line N, key `k`: what" using its span.
pub fn describe_toml_error(text: &str, err: &toml::de::Error) -> String {
    let message = err.message().trim().to_owned();
    let Some(span) = err.span() else {
        return message;
    };
    let line_no = text[..span.start.min(text.len())].matches('\n').count() + 1;
    let line = text.lines().nth(line_no - 1).unwrap_or("");
    let key = line
        .split_once('=')
        .map(|(k, _)| k.trim().trim_matches('"'))
        .filter(|k| !k.is_empty() && !k.starts_with('['))
        .map(|k| format!(", key `{k}`"))
        .unwrap_or_default();
    format!("line {line_no}{key}: {message}")
}

/// Finds the line of `key = ` (inside `[table]` when dotted) for messages.
fn line_of(text: &str, key: &str) -> usize {
    let (table, name) = key.rsplit_once('.').unwrap_or(("", key));
    let mut current = String::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if let Some(h) = t.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            current = h.trim().to_owned();
        } else if current == table
            && t.split_once('=')
                .is_some_and(|(k, _)| k.trim().trim_matches('"') == name)
        {
            return i + 1;
        }
    }
    0
}

fn validate(
    text: &str,
    origin: &str,
    user: RawConfig,
    defaults: RawConfig,
    overrides: &Overrides,
) -> Result<Config, ConfigError> {
    let bad = |key: &str, problem: String| ConfigError::Value {
        origin: origin.to_owned(),
        line: line_of(text, key),
        key: key.to_owned(),
        problem,
    };
    let pick = |u: Option<RawTemplates>, d: Option<RawTemplates>| {
        (u.unwrap_or_default(), d.unwrap_or_default())
    };
    let (ut, dt) = pick(user.templates, defaults.templates);
    let (ul, dl) = (
        user.locate.unwrap_or_default(),
        defaults.locate.unwrap_or_default(),
    );

    let watch = if overrides.watch.is_empty() {
        user.watch.or(defaults.watch).unwrap_or_default()
    } else {
        overrides.watch.clone()
    };
    if watch.is_empty() {
        return Err(bad("watch", "needs at least one folder".into()));
    }
    // The watcher reports absolute paths (notify joins a relative folder
    // to the working directory), so the folders are made absolute here,
    // once, for everything that compares paths with them.
    let watch = watch
        .iter()
        .map(|folder| {
            std::path::absolute(folder)
                .map_err(|e| bad("watch", format!("{}: {e}", folder.display())))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let listen_text = overrides
        .listen
        .clone()
        .or(user.listen)
        .or(defaults.listen)
        .unwrap_or_default();
    let listen: SocketAddr = listen_text.parse().map_err(|_| {
        bad(
            "listen",
            format!("{listen_text:?} is not an address like 127.0.0.1:8080"),
        )
    })?;
    let base_url_configured = overrides.base_url.is_some() || user.base_url.is_some();
    let base_url = overrides
        .base_url
        .clone()
        .or(user.base_url)
        .or(defaults.base_url)
        .unwrap_or_default();
    if !(base_url.starts_with("http://") || base_url.starts_with("https://"))
        || base_url.contains(char::is_whitespace)
    {
        return Err(bad(
            "base_url",
            format!("{base_url:?} is not an http:// or https:// URL"),
        ));
    }
    let base_url = if base_url.ends_with('/') {
        base_url
    } else {
        format!("{base_url}/")
    };

    let summary_chars = user.summary_chars.or(defaults.summary_chars).unwrap_or(400);
    if !(40..=10_000).contains(&summary_chars) {
        return Err(bad(
            "summary_chars",
            format!("{summary_chars} is outside 40 to 10000"),
        ));
    }
    let feed_entries = user.feed_entries.or(defaults.feed_entries).unwrap_or(50);
    if !(1..=500).contains(&feed_entries) {
        return Err(bad(
            "feed_entries",
            format!("{feed_entries} is outside 1 to 500"),
        ));
    }
    let max_file_bytes = user
        .max_file_bytes
        .or(defaults.max_file_bytes)
        .unwrap_or(5 << 20);
    if max_file_bytes == 0 {
        return Err(bad("max_file_bytes", "must be more than 0".into()));
    }
    let log_level = user
        .log_level
        .or(defaults.log_level)
        .unwrap_or_else(|| "info".into());
    if !["error", "warn", "info", "debug", "trace"].contains(&log_level.as_str()) {
        return Err(bad(
            "log_level",
            format!("{log_level:?} is not one of error, warn, info, debug, trace"),
        ));
    }
    let websub_hub = user
        .websub_hub
        .or(defaults.websub_hub)
        .filter(|h| !h.is_empty());
    if let Some(hub) = websub_hub
        .as_ref()
        .filter(|h| !(h.starts_with("http://") || h.starts_with("https://")))
    {
        return Err(bad(
            "websub_hub",
            format!("{hub:?} is not an http:// or https:// URL"),
        ));
    }

    let mut template_patterns = Vec::new();
    for p in ut.patterns.or(dt.patterns).unwrap_or_default() {
        template_patterns
            .push(Regex::new(&p).map_err(|e| bad("templates.patterns", format!("{p:?}: {e}")))?);
    }
    let template_lines = ut
        .lines
        .or(dt.lines)
        .unwrap_or_default()
        .iter()
        .map(|l| crate::normalize::template::line_key(l))
        .filter(|l| !l.is_empty())
        .collect();
    let learn_min_files = ut.learn_min_files.or(dt.learn_min_files).unwrap_or(3);
    if learn_min_files < 2 {
        return Err(bad(
            "templates.learn_min_files",
            "must be at least 2 (one file alone proves nothing)".into(),
        ));
    }

    let regions_file = user
        .regions
        .or(defaults.regions)
        .filter(|p| !p.as_os_str().is_empty());
    let taxonomy = match &regions_file {
        Some(p) => Taxonomy::from_file(p)?,
        None => Taxonomy::builtin()?,
    };
    let headquarters = ul
        .headquarters
        .or(dl.headquarters)
        .unwrap_or_default()
        .iter()
        .map(|h| h.trim().to_lowercase())
        .filter(|h| !h.is_empty())
        .collect();

    let rules = Rules {
        taxonomy,
        template_lines,
        template_patterns,
        learn_templates: ut.learn.or(dt.learn).unwrap_or(true),
        learn_min_files,
        summary_chars,
        max_file_bytes,
        headquarters,
    };
    Ok(Config {
        source: None,
        watch,
        listen,
        data: overrides
            .data
            .clone()
            .or(user.data)
            .or(defaults.data)
            .unwrap_or_else(|| "./data".into()),
        base_url,
        base_url_configured,
        site_title: user.site_title.or(defaults.site_title).unwrap_or_default(),
        site_description: user
            .site_description
            .or(defaults.site_description)
            .unwrap_or_default(),
        default_author: user
            .default_author
            .or(defaults.default_author)
            .unwrap_or_default(),
        rules: Arc::new(rules),
        feed_entries,
        full_content: user.full_content.or(defaults.full_content).unwrap_or(true),
        cache_max_age: Duration::from_secs(
            user.cache_max_age.or(defaults.cache_max_age).unwrap_or(300),
        ),
        websub_hub,
        log_level,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> Result<Config, ConfigError> {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("p.toml");
        std::fs::write(&path, text).expect("write");
        Config::load(Some(&path), &Overrides::default())
    }

    #[test]
    fn the_documented_defaults_name_every_key() {
        let raw: RawConfig = toml::from_str(DEFAULT_TOML).expect("default file parses");
        let t = raw.templates.expect("templates");
        assert!(raw.watch.is_some() && raw.listen.is_some() && raw.data.is_some());
        assert!(
            raw.base_url.is_some() && raw.site_title.is_some() && raw.site_description.is_some()
        );
        assert!(
            raw.default_author.is_some() && raw.regions.is_some() && raw.summary_chars.is_some()
        );
        assert!(
            raw.feed_entries.is_some()
                && raw.max_file_bytes.is_some()
                && raw.full_content.is_some()
        );
        assert!(raw.cache_max_age.is_some() && raw.websub_hub.is_some() && raw.log_level.is_some());
        assert!(
            t.lines.is_some()
                && t.patterns.is_some()
                && t.learn.is_some()
                && t.learn_min_files.is_some()
        );
        assert!(raw.locate.and_then(|l| l.headquarters).is_some());
    }

    #[test]
    fn builtin_defaults_match_the_spec() {
        let c = Config::builtin().expect("defaults");
        let here = std::env::current_dir().expect("working directory");
        assert_eq!(c.watch, [here.join("releases")]);
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.data, PathBuf::from("./data"));
        assert_eq!(c.rules.summary_chars, 400);
        assert_eq!(c.feed_entries, 50);
        assert_eq!(c.rules.max_file_bytes, 5 * 1024 * 1024);
        assert!(c.full_content);
    }

    #[test]
    fn unknown_key_names_line_and_key() {
        let err = load_text("summary_chars = 300\nsumary = 3\n").expect_err("unknown key");
        let msg = err.to_string();
        assert!(msg.contains("line 2") && msg.contains("sumary"), "{msg}");
    }

    #[test]
    fn wrong_type_names_line_and_key() {
        let err = load_text("\n[templates]\nlearn = \"yes\"\n").expect_err("wrong type");
        let msg = err.to_string();
        assert!(msg.contains("line 3") && msg.contains("learn"), "{msg}");
    }

    #[test]
    fn bad_value_names_line_and_key() {
        let msg = load_text("feed_entries = 0\n")
            .expect_err("bad value")
            .to_string();
        assert!(
            msg.contains("line 1") && msg.contains("feed_entries"),
            "{msg}"
        );
        let msg = load_text("[templates]\npatterns = [\"(\"]\n")
            .expect_err("bad regex")
            .to_string();
        assert!(
            msg.contains("line 2") && msg.contains("templates.patterns"),
            "{msg}"
        );
    }

    #[test]
    fn flags_override_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("p.toml");
        std::fs::write(
            &path,
            "listen = \"127.0.0.1:9000\"\nbase_url = \"https://news.example.org\"\n",
        )
        .expect("write");
        let overrides = Overrides {
            listen: Some("127.0.0.1:0".into()),
            ..Overrides::default()
        };
        let c = Config::load(Some(&path), &overrides).expect("valid");
        assert_eq!(c.listen.port(), 0);
        assert_eq!(c.base_url, "https://news.example.org/");
    }
}
