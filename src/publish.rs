//! What the HTTP layer serves between two changes: the snapshot plus every
//! unqueried feed, the OPML, the index and `/regions.json`, rendered once per
//! snapshot. Compressed forms are made on first demand and kept, so a
//! request is a lookup; each form has its own strong ETag (RFC 9110).

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, OnceLock};

use axum::body::Bytes;
use axum::http::HeaderValue;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::feeds::{self, FeedFormat, FeedQuery};
use crate::model::{Entry, Head};
use crate::snapshot::Snapshot;

/// A content coding a client accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    /// No compression.
    Identity,
    /// gzip.
    Gzip,
    /// Brotli.
    Brotli,
}

impl Coding {
    /// The `Content-Encoding` value, if any.
    pub fn header(self) -> Option<&'static str> {
        match self {
            Coding::Identity => None,
            Coding::Gzip => Some("gzip"),
            Coding::Brotli => Some("br"),
        }
    }
}

/// One response body in every coding, with its validators.
#[derive(Debug)]
pub struct Body {
    /// `Content-Type` header value.
    pub content_type: &'static str,
    /// Newest `updated` of the entries it shows (the `Last-Modified`).
    pub last_modified: Option<DateTime<Utc>>,
    identity: Bytes,
    tag: String,
    /// `ETag` header values for identity, gzip and brotli, made once.
    etags: [HeaderValue; 3],
    /// `Last-Modified` header value, made once.
    pub last_modified_header: Option<HeaderValue>,
    gzip: OnceLock<Bytes>,
    brotli: OnceLock<Bytes>,
}

impl Body {
    /// Wraps rendered bytes; the ETag is derived from them, so the same
    /// bytes get the same ETag across restarts.
    pub fn new(
        content_type: &'static str,
        bytes: Vec<u8>,
        last_modified: Option<DateTime<Utc>>,
    ) -> Body {
        let digest = Sha256::digest(&bytes);
        let tag: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
        let etag = |suffix: &str| {
            // Hex digits and quotes: always a valid header value.
            HeaderValue::from_str(&format!("\"{tag}{suffix}\""))
                .unwrap_or_else(|_| HeaderValue::from_static("\"\""))
        };
        let etags = [etag(""), etag("-gz"), etag("-br")];
        let last_modified_header = last_modified
            .and_then(|d| HeaderValue::from_str(&httpdate::fmt_http_date(d.into())).ok());
        Body {
            content_type,
            last_modified,
            identity: Bytes::from(bytes),
            tag,
            etags,
            last_modified_header,
            gzip: OnceLock::new(),
            brotli: OnceLock::new(),
        }
    }

    /// The bytes in `coding`, compressing them the first time.
    pub fn bytes(&self, coding: Coding) -> Bytes {
        match coding {
            Coding::Identity => self.identity.clone(),
            Coding::Gzip => self.gzip.get_or_init(|| gzip(&self.identity)).clone(),
            Coding::Brotli => self.brotli.get_or_init(|| brotli(&self.identity)).clone(),
        }
    }

    /// The `ETag` header value of the body in `coding`.
    pub fn etag_header(&self, coding: Coding) -> &HeaderValue {
        match coding {
            Coding::Identity => &self.etags[0],
            Coding::Gzip => &self.etags[1],
            Coding::Brotli => &self.etags[2],
        }
    }

    /// The strong ETag of the body in `coding`, quotes included.
    pub fn etag(&self, coding: Coding) -> String {
        match coding {
            Coding::Identity => format!("\"{}\"", self.tag),
            Coding::Gzip => format!("\"{}-gz\"", self.tag),
            Coding::Brotli => format!("\"{}-br\"", self.tag),
        }
    }
}

fn gzip(bytes: &[u8]) -> Bytes {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 4),
        flate2::Compression::new(6),
    );
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    Bytes::from(encoder.finish().unwrap_or_default())
}

fn brotli(bytes: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(bytes.len() / 4);
    let params = brotli::enc::BrotliEncoderParams {
        quality: 6,
        lgwin: 22,
        ..Default::default()
    };
    let _ = brotli::BrotliCompress(&mut std::io::Cursor::new(bytes), &mut out, &params);
    Bytes::from(out)
}

/// A rendered feed and what it was rendered from.
struct Cached {
    key: u64,
    body: Arc<Body>,
}

/// Identifies a feed's entries: their ids, places and dates, in order.
fn selection_key(heads: &[&Head]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for head in heads {
        head.id.hash(&mut h);
        head.key.hash(&mut h);
        head.published.hash(&mut h);
        head.updated.hash(&mut h);
    }
    h.finish()
}

/// Everything served for one snapshot.
pub struct Published {
    /// The configuration the bodies were rendered with.
    pub config: Arc<Config>,
    /// The releases.
    pub snapshot: Arc<Snapshot>,
    feeds: HashMap<String, Vec<(FeedFormat, Cached)>>,
    /// `/feeds.opml`.
    pub opml: Arc<Body>,
    /// `/`.
    pub index: Arc<Body>,
    /// `/regions.json`.
    pub regions: Arc<Body>,
    /// The `Cache-Control` header value of every response.
    pub cache_control: HeaderValue,
}

impl Published {
    /// Renders every unqueried feed and page of `snapshot`.
    pub fn render(config: Arc<Config>, snapshot: Arc<Snapshot>) -> Published {
        Published::render_after(config, snapshot, None)
    }

    /// Renders `snapshot`, reusing the bodies of `previous` for every feed
    /// whose entries did not change (same ids and dates, same configuration):
    /// a change in one region re-renders that region and `all`, no more.
    pub fn render_after(
        config: Arc<Config>,
        snapshot: Arc<Snapshot>,
        previous: Option<&Published>,
    ) -> Published {
        let previous = previous.filter(|p| Arc::ptr_eq(&p.config, &config));
        let mut feeds = HashMap::new();
        let regions = std::iter::once("all".to_owned())
            .chain(
                config
                    .rules
                    .taxonomy
                    .regions()
                    .iter()
                    .map(|r| r.slug.clone()),
            )
            .collect::<Vec<_>>();
        for region in regions {
            let query = FeedQuery {
                region: (region != "all").then(|| region.clone()),
                limit: config.feed_entries,
                since: None,
                country: None,
            };
            let heads = query.select(&snapshot);
            let key = selection_key(&heads);
            let mut loaded: Option<Vec<Arc<Entry>>> = None;
            for format in [FeedFormat::Atom, FeedFormat::Rss, FeedFormat::Json] {
                let reused = previous
                    .and_then(|p| p.cached(&region, format))
                    .filter(|c| c.key == key);
                let body = match reused {
                    Some(cached) => cached.body.clone(),
                    None => {
                        let entries = loaded.get_or_insert_with(|| snapshot.load(&heads));
                        let entries: Vec<&Entry> = entries.iter().map(|e| &**e).collect();
                        let url = feed_url(&config, &region, format);
                        let bytes = feeds::render_feed(&config, &query, format, &entries, &url);
                        Arc::new(Body::new(
                            format.content_type(),
                            bytes,
                            feeds::last_updated(&entries),
                        ))
                    }
                };
                feeds
                    .entry(region.clone())
                    .or_insert_with(Vec::new)
                    .push((format, Cached { key, body }));
            }
        }
        let newest = snapshot.newest(None);
        let cache_control = cache_control(&config);
        let opml = Body::new(
            "text/x-opml; charset=utf-8",
            feeds::render_opml(&config, &snapshot),
            newest,
        );
        let index = Body::new(
            "text/html; charset=utf-8",
            feeds::render_index(&config, &snapshot).into_bytes(),
            newest,
        );
        let regions = Body::new(
            "application/json",
            feeds::render_regions_json(&config, &snapshot),
            newest,
        );
        Published {
            config,
            snapshot,
            feeds,
            opml: Arc::new(opml),
            index: Arc::new(index),
            regions: Arc::new(regions),
            cache_control,
        }
    }

    /// The URLs of the unqueried feeds whose bytes differ from `before`'s.
    pub fn changed_feeds(&self, before: &Published) -> Vec<String> {
        let mut urls: Vec<String> = self
            .feeds
            .iter()
            .flat_map(|(region, formats)| {
                formats
                    .iter()
                    .map(move |(format, cached)| (region, *format, cached))
            })
            .filter(|(region, format, cached)| {
                before
                    .cached(region, *format)
                    .is_none_or(|old| old.body.tag != cached.body.tag)
            })
            .map(|(region, format, _)| feed_url(&self.config, region, format))
            .collect();
        urls.sort();
        urls
    }

    /// The unqueried feed of `region` (a slug or `all`).
    pub fn feed(&self, region: &str, format: FeedFormat) -> Option<Arc<Body>> {
        self.cached(region, format).map(|c| c.body.clone())
    }

    fn cached(&self, region: &str, format: FeedFormat) -> Option<&Cached> {
        self.feeds
            .get(region)?
            .iter()
            .find(|(f, _)| *f == format)
            .map(|(_, c)| c)
    }
}

/// `public, max-age=N` from the configuration.
pub fn cache_control(config: &Config) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "public, max-age={}",
        config.cache_max_age.as_secs()
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("public"))
}

/// Renders one feed for a query.
pub fn render_feed(
    config: &Config,
    snapshot: &Snapshot,
    query: &FeedQuery,
    format: FeedFormat,
    self_url: &str,
) -> Body {
    let entries = query.entries(snapshot);
    let entries: Vec<&Entry> = entries.iter().map(|e| &**e).collect();
    let bytes = feeds::render_feed(config, query, format, &entries, self_url);
    Body::new(format.content_type(), bytes, feeds::last_updated(&entries))
}

/// The absolute URL of an unqueried feed.
pub fn feed_url(config: &Config, region: &str, format: FeedFormat) -> String {
    format!("{}feeds/{region}.{}", config.base_url, format.extension())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_coding_has_its_own_etag_and_decodes_back() {
        let body = Body::new("text/plain", b"hello hello hello hello".to_vec(), None);
        let tags = [Coding::Identity, Coding::Gzip, Coding::Brotli].map(|c| body.etag(c));
        assert!(tags[0] != tags[1] && tags[1] != tags[2] && tags[0] != tags[2]);
        let mut unzipped = String::new();
        std::io::Read::read_to_string(
            &mut flate2::read::GzDecoder::new(&body.bytes(Coding::Gzip)[..]),
            &mut unzipped,
        )
        .expect("gunzip");
        assert_eq!(unzipped, "hello hello hello hello");
        let mut unbrotli = Vec::new();
        brotli::BrotliDecompress(
            &mut std::io::Cursor::new(body.bytes(Coding::Brotli)),
            &mut unbrotli,
        )
        .expect("unbrotli");
        assert_eq!(unbrotli, b"hello hello hello hello");
    }

    #[test]
    fn same_bytes_same_etag() {
        let a = Body::new("text/plain", b"x".to_vec(), None);
        let b = Body::new("text/plain", b"x".to_vec(), None);
        assert_eq!(a.etag(Coding::Identity), b.etag(Coding::Identity));
    }
}
