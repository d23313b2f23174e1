//! What the HTTP layer serves between two changes: the snapshot plus every
//! unqueried feed, the OPML, the index and `/regions.json`, rendered once per
//! snapshot. Compressed forms are made on first demand and kept, so a
//! request is a lookup; each form has its own strong ETag (RFC 9110).

use std::collections::VecDeque;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use axum::body::Bytes;
use axum::http::HeaderValue;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::feeds::{self, FeedFormat, FeedQuery};
use crate::model::{Entry, Head};
use crate::snapshot::Snapshot;

type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

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
    /// The headers of each answer given for it, made at its first request
    /// (see [`crate::http::caching::respond`]).
    pub(crate) answers: OnceLock<crate::http::caching::Answers>,
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
            answers: OnceLock::new(),
        }
    }

    /// The same body with its uncompressed bytes in a memory file, sent
    /// to sockets without copying ([`crate::http::zero_copy`]): for the
    /// large bodies served all day. Unchanged if they are small or the
    /// file cannot be made.
    pub fn sent_from_pages(mut self) -> Body {
        if let Some(pages) = crate::http::zero_copy::in_pages(&self.identity) {
            self.identity = pages;
        }
        self
    }

    /// Length of the uncompressed bytes.
    pub fn len(&self) -> usize {
        self.identity.len()
    }

    /// Is the body empty?
    pub fn is_empty(&self) -> bool {
        self.identity.is_empty()
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

/// An unqueried feed: what it shows, and its body once rendered.
struct Cached {
    key: u64,
    body: OnceLock<Arc<Body>>,
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

/// Everything served for one snapshot. Bodies are rendered on first
/// demand and kept (a feed whose entries did not change keeps the body of
/// the snapshot before), so publishing a change costs no rendering at all.
pub struct Published {
    /// The configuration the bodies are rendered with.
    pub config: Arc<Config>,
    /// The releases.
    pub snapshot: Arc<Snapshot>,
    /// Looked up for every feed request: foldhash, not SipHash.
    feeds: HashMap<String, Vec<(FeedFormat, Cached)>>,
    opml: OnceLock<Arc<Body>>,
    index: OnceLock<Arc<Body>>,
    regions: OnceLock<Arc<Body>>,
    /// Queried feeds rendered from this snapshot.
    pub queried: QueryCache,
    /// The `Cache-Control` header value of every response.
    pub cache_control: HeaderValue,
}

/// How many bytes (uncompressed) of queried feeds one snapshot keeps: a
/// few of the largest (`limit=500`, about 2.5 MB) and many small ones.
pub const QUERY_CACHE_BYTES: usize = 16 << 20;
/// How many queried feeds one snapshot keeps at most: parameters that
/// change nothing (`?_=123`) still make targets of their own.
pub const QUERY_CACHE_ENTRIES: usize = 256;

/// Bodies of queried feeds (`?limit=`, `?since=`, `?country=`), by request
/// target, least recently used first. It belongs to one snapshot, so it is
/// never stale: the next snapshot starts with an empty one. Readers poll the
/// same few queries, which are then answered without rendering again.
#[derive(Debug)]
pub struct QueryCache {
    budget: usize,
    most: usize,
    kept: Mutex<Kept>,
}

/// The bodies, least recently used first, and their total size.
#[derive(Debug, Default)]
struct Kept {
    bodies: VecDeque<(String, Arc<Body>)>,
    bytes: usize,
}

impl QueryCache {
    /// An empty cache holding at most `budget` uncompressed bytes in at
    /// most `most` bodies.
    pub fn new(budget: usize, most: usize) -> QueryCache {
        QueryCache {
            budget,
            most,
            kept: Mutex::new(Kept::default()),
        }
    }

    fn kept(&self) -> std::sync::MutexGuard<'_, Kept> {
        // Plain values: a panic elsewhere cannot leave them torn.
        self.kept.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The body rendered for `target`, if kept; it becomes the most recent.
    pub fn get(&self, target: &str) -> Option<Arc<Body>> {
        let mut kept = self.kept();
        let at = kept.bodies.iter().position(|(t, _)| t == target)?;
        let hit = kept.bodies.remove(at)?;
        let body = hit.1.clone();
        kept.bodies.push_back(hit);
        Some(body)
    }

    /// Keeps the body rendered for `target`, dropping the least recently
    /// used ones beyond the budget. A body larger than the budget is not kept.
    pub fn put(&self, target: String, body: Arc<Body>) {
        if body.len() > self.budget {
            return;
        }
        let mut kept = self.kept();
        if let Some(at) = kept.bodies.iter().position(|(t, _)| *t == target)
            && let Some((_, old)) = kept.bodies.remove(at)
        {
            kept.bytes -= old.len();
        }
        kept.bytes += body.len();
        kept.bodies.push_back((target, body));
        while kept.bytes > self.budget || kept.bodies.len() > self.most {
            let Some((_, dropped)) = kept.bodies.pop_front() else {
                break;
            };
            kept.bytes -= dropped.len();
        }
    }
}

impl Published {
    /// Publishes `snapshot`.
    pub fn render(config: Arc<Config>, snapshot: Arc<Snapshot>) -> Published {
        Published::render_after(config, snapshot, None)
    }

    /// Publishes `snapshot`, keeping the bodies `previous` rendered for
    /// every feed whose entries did not change (same ids and dates, same
    /// configuration).
    pub fn render_after(
        config: Arc<Config>,
        snapshot: Arc<Snapshot>,
        previous: Option<&Published>,
    ) -> Published {
        let previous = previous.filter(|p| Arc::ptr_eq(&p.config, &config));
        let mut feeds = HashMap::default();
        let regions = std::iter::once(feeds::ALL.to_owned())
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
            let key = selection_key(&default_query(&config, &region).select(&snapshot));
            let formats = FeedFormat::ALL
                .into_iter()
                .map(|format| {
                    let body = OnceLock::new();
                    let kept = previous
                        .and_then(|p| p.cached(&region, format))
                        .filter(|c| c.key == key)
                        .and_then(|c| c.body.get());
                    if let Some(kept) = kept {
                        let _ = body.set(kept.clone());
                    }
                    (format, Cached { key, body })
                })
                .collect();
            feeds.insert(region, formats);
        }
        Published {
            cache_control: cache_control(&config),
            config,
            snapshot,
            feeds,
            opml: OnceLock::new(),
            index: OnceLock::new(),
            regions: OnceLock::new(),
            queried: QueryCache::new(QUERY_CACHE_BYTES, QUERY_CACHE_ENTRIES),
        }
    }

    /// The URLs of the unqueried feeds whose bytes differ from `before`'s
    /// (both are rendered for this).
    pub fn changed_feeds(&self, before: &Published) -> Vec<String> {
        let mut urls: Vec<String> = self
            .feeds
            .iter()
            .flat_map(|(region, formats)| formats.iter().map(move |(format, _)| (region, *format)))
            .filter(|(region, format)| {
                let now = self.feed(region, *format);
                let then = before.feed(region, *format);
                now.zip(then).is_none_or(|(now, then)| now.tag != then.tag)
            })
            .map(|(region, format)| feed_url(&self.config, region, format))
            .collect();
        urls.sort();
        urls
    }

    /// The unqueried feed of `region` (a slug or `all`), rendered the first
    /// time it is asked for.
    pub fn feed(&self, region: &str, format: FeedFormat) -> Option<&Arc<Body>> {
        let cached = self.cached(region, format)?;
        Some(
            cached
                .body
                .get_or_init(|| self.render_unqueried(region, format)),
        )
    }

    fn render_unqueried(&self, region: &str, format: FeedFormat) -> Arc<Body> {
        let query = default_query(&self.config, region);
        let url = feed_url(&self.config, region, format);
        let body = render_feed(&self.config, &self.snapshot, &query, format, &url);
        Arc::new(body.sent_from_pages())
    }

    /// `/feeds.opml`.
    pub fn opml(&self) -> Arc<Body> {
        self.opml.get_or_init(|| self.render_opml()).clone()
    }

    fn render_opml(&self) -> Arc<Body> {
        let opml = feeds::render_opml(&self.config, &self.snapshot);
        self.whole_store_body("text/x-opml; charset=utf-8", opml)
    }

    /// `/`.
    pub fn index(&self) -> Arc<Body> {
        self.index.get_or_init(|| self.render_index()).clone()
    }

    fn render_index(&self) -> Arc<Body> {
        let index = feeds::render_index(&self.config, &self.snapshot).into_bytes();
        self.whole_store_body("text/html; charset=utf-8", index)
    }

    /// `/regions.json`.
    pub fn regions(&self) -> Arc<Body> {
        self.regions.get_or_init(|| self.render_regions()).clone()
    }

    fn render_regions(&self) -> Arc<Body> {
        let regions = feeds::render_regions_json(&self.config, &self.snapshot);
        self.whole_store_body("application/json", regions)
    }

    /// A body about every release, last modified with the newest of them.
    fn whole_store_body(&self, content_type: &'static str, bytes: Vec<u8>) -> Arc<Body> {
        Arc::new(Body::new(content_type, bytes, self.snapshot.newest(None)))
    }

    /// Renders every body not rendered yet, each outside its cell
    /// ([`fill`]), stopping between two bodies once `current` says this
    /// publication has been replaced.
    pub fn warm_while(&self, current: impl Fn() -> bool) {
        for (region, formats) in &self.feeds {
            for (format, cached) in formats {
                if !current() {
                    return;
                }
                fill(&cached.body, || self.render_unqueried(region, *format));
            }
        }
        if current() {
            fill(&self.index, || self.render_index());
            fill(&self.opml, || self.render_opml());
            fill(&self.regions, || self.render_regions());
        }
    }

    fn cached(&self, region: &str, format: FeedFormat) -> Option<&Cached> {
        self.feeds
            .get(region)?
            .iter()
            .find(|(f, _)| *f == format)
            .map(|(_, c)| c)
    }
}

/// Renders a body the cell does not hold yet, outside the cell: a request
/// for it meanwhile renders it too rather than wait for a warmer that may
/// run at a low priority.
fn fill(cell: &OnceLock<Arc<Body>>, render: impl FnOnce() -> Arc<Body>) {
    if cell.get().is_none() {
        let _ = cell.set(render());
    }
}

/// The query of a region's unqueried feed.
fn default_query(config: &Config, region: &str) -> FeedQuery {
    let region = (region != feeds::ALL).then_some(region);
    FeedQuery::new(config, region)
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
    render_feed_checked(config, snapshot, query, format, self_url).0
}

/// [`render_feed`], and whether it shows every release selected: a record
/// that could not be read is left out (and logged), and such a body is
/// served but not kept.
pub fn render_feed_checked(
    config: &Config,
    snapshot: &Snapshot,
    query: &FeedQuery,
    format: FeedFormat,
    self_url: &str,
) -> (Body, bool) {
    let heads = query.select(snapshot);
    let entries = snapshot.load(&heads);
    let complete = entries.len() == heads.len();
    let entries: Vec<&Entry> = entries.iter().map(|e| &**e).collect();
    let bytes = feeds::render_feed(config, query, format, &entries, self_url);
    let body = Body::new(format.content_type(), bytes, feeds::last_updated(&entries));
    (body, complete)
}

/// The absolute URL of an unqueried feed.
pub fn feed_url(config: &Config, region: &str, format: FeedFormat) -> String {
    format!("{}feeds/{region}.{}", config.base_url, format.extension())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warming_fills_every_cold_body_and_keeps_those_already_rendered() {
        let config = Arc::new(Config::builtin().expect("built-in configuration"));
        let bodies = Arc::new(crate::store::Bodies::in_memory());
        let snapshot = Arc::new(Snapshot::new(0, crate::snapshot::Index::default(), bodies));
        let published = Published::render(config, snapshot);
        let early = published
            .feed("all", FeedFormat::Atom)
            .expect("all.atom")
            .clone();
        published.warm_while(|| true);
        let after = published.feed("all", FeedFormat::Atom).expect("all.atom");
        assert!(Arc::ptr_eq(&early, after), "a rendered body is kept");
        for formats in published.feeds.values() {
            for (format, cached) in formats {
                assert!(cached.body.get().is_some(), "{format:?} warmed");
            }
        }
        assert!(published.index.get().is_some());
        assert!(published.opml.get().is_some());
        assert!(published.regions.get().is_some());
    }

    #[test]
    fn the_query_cache_keeps_the_recently_used_within_its_budget() {
        let body = |n: usize| Arc::new(Body::new("text/plain", vec![b'x'; n], None));
        let cache = QueryCache::new(100, 3);
        cache.put("a".into(), body(40));
        cache.put("b".into(), body(40));
        assert!(cache.get("a").is_some(), "a is now the most recent");
        cache.put("c".into(), body(40));
        assert!(cache.get("b").is_none(), "b was the least recent");
        assert_eq!(cache.get("a").map(|b| b.len()), Some(40));
        assert_eq!(cache.get("c").map(|b| b.len()), Some(40));
        cache.put("huge".into(), body(101));
        assert!(cache.get("huge").is_none(), "larger than the budget");
        cache.put("a".into(), body(10));
        assert_eq!(cache.get("a").map(|b| b.len()), Some(10), "replaced");
        cache.put("d".into(), body(1));
        cache.put("e".into(), body(1));
        assert!(cache.get("c").is_none(), "no more than three bodies");
        assert!(cache.get("a").is_some() && cache.get("e").is_some());
    }

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
