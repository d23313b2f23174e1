//! Thin handlers: read the request, look up or render from the published
//! snapshot, answer through [`super::caching`]. No handler takes a lock that
//! ingest holds; each loads the current [`Published`] once.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

use super::AppState;
use super::caching::respond;
use super::error::HttpError;
use crate::feeds::{self, FeedFormat, FeedQuery};
use crate::publish::{self, Body, Published};

/// The most entries a `limit` may ask for.
pub const MAX_LIMIT: usize = 500;

/// `GET /`.
pub async fn index(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let published = state.published.load();
    respond(&published.index(), &headers, &published.cache_control)
}

/// `GET /feeds.opml`.
pub async fn opml(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let published = state.published.load();
    respond(&published.opml(), &headers, &published.cache_control)
}

/// `GET /regions.json`.
pub async fn regions(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let published = state.published.load();
    respond(&published.regions(), &headers, &published.cache_control)
}

/// `GET /feeds/{region}.{atom,rss,json}` with optional `limit`, `since`, `country`.
pub async fn feed(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    let published = state.published.load_full();
    let name = last_segment(&uri, "/feeds/")?;
    let (region, extension) = name.rsplit_once('.').ok_or_else(|| not_found_feed(&name))?;
    let format = FeedFormat::from_extension(extension).ok_or_else(|| not_found_feed(&name))?;
    let taxonomy = &published.config.rules.taxonomy;
    if region != "all" && taxonomy.region(region).is_none() {
        return Err(HttpError::NotFound(format!("unknown region {region:?}")));
    }
    let query = parse_query(uri.query().unwrap_or(""), region, &published)?;
    let config = &published.config;
    let default_query =
        query.limit == config.feed_entries && query.since.is_none() && query.country.is_none();
    let body = match published.feed(region, format).cloned() {
        Some(body) if default_query => body,
        _ => {
            let cache_control = published.cache_control.clone();
            let target = format!("{name}?{}", uri.query().unwrap_or(""));
            if let Some(body) = published.queried.get(&target) {
                return Ok(respond(&body, &headers, &cache_control));
            }
            let self_url = match uri.query() {
                Some(q) => format!("{}?{q}", publish::feed_url(config, region, format)),
                None => publish::feed_url(config, region, format),
            };
            let rendering = published.clone();
            let (body, complete) = tokio::task::spawn_blocking(move || {
                let (body, complete) = publish::render_feed_checked(
                    &rendering.config,
                    &rendering.snapshot,
                    &query,
                    format,
                    &self_url,
                );
                // A kept body is served again and again, like an unqueried
                // feed; `?limit=500` is about 2.5 MB.
                let body = if complete {
                    body.sent_from_pages()
                } else {
                    body
                };
                (body, complete)
            })
            .await
            .map_err(|_| HttpError::Unavailable("rendering failed".into()))?;
            let body = Arc::new(body);
            if complete {
                published.queried.put(target, body.clone());
            }
            return Ok(respond(&body, &headers, &cache_control));
        }
    };
    Ok(respond(&body, &headers, &published.cache_control))
}

fn not_found_feed(name: &str) -> HttpError {
    HttpError::NotFound(format!(
        "no feed {name:?}: feeds are /feeds/<region>.atom, .rss or .json"
    ))
}

/// `GET /releases/{id}` (HTML) and `/releases/{id}.json`.
pub async fn release(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    let published = state.published.load_full();
    let name = last_segment(&uri, "/releases/")?;
    let (slug, json) = match name.strip_suffix(".json") {
        Some(slug) => (slug, true),
        None => (name.as_str(), false),
    };
    let no_release = || HttpError::NotFound(format!("no release {slug:?}"));
    let head = published
        .snapshot
        .by_slug(slug)
        .ok_or_else(no_release)?
        .clone();
    // The record is read from the store: off the async threads.
    let snapshot = published.snapshot.clone();
    let entry = tokio::task::spawn_blocking(move || snapshot.load(&[&head]).pop())
        .await
        .map_err(|_| HttpError::Unavailable("reading the release failed".into()))?
        .ok_or_else(no_release)?;
    let entry = &*entry;
    let config = &published.config;
    let body = if json {
        Body::new(
            "application/json",
            feeds::render_release_json(config, entry),
            Some(entry.updated),
        )
    } else {
        Body::new(
            "text/html; charset=utf-8",
            feeds::render_release_page(config, entry).into_bytes(),
            Some(entry.updated),
        )
    };
    Ok(respond(&body, &headers, &published.cache_control))
}

/// `GET /healthz`: 200 `ok` when ready and healthy, else 503 and the reason.
pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.health.status() {
        Ok(()) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "ok\n",
        )
            .into_response(),
        Err(reason) => HttpError::Unavailable(reason).into_response(),
    }
}

/// `GET /metrics`: Prometheus text.
pub async fn metrics(State(state): State<AppState>) -> Response {
    let content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, content_type)],
        state.metrics.encode(),
    )
        .into_response()
}

/// Anything else.
pub async fn not_found(uri: Uri) -> HttpError {
    let path = percent_decode(uri.path()).unwrap_or_else(|| uri.path().to_owned());
    HttpError::NotFound(format!("no such page: {}", path.escape_debug()))
}

/// A route that exists, with a method other than GET or HEAD.
pub async fn method_not_allowed() -> HttpError {
    HttpError::MethodNotAllowed
}

/// The decoded last path segment after `prefix`; 400 when it is not UTF-8.
fn last_segment(uri: &Uri, prefix: &str) -> Result<String, HttpError> {
    let raw = uri.path().strip_prefix(prefix).unwrap_or("");
    percent_decode(raw)
        .ok_or_else(|| HttpError::BadRequest("the path is not valid percent-encoded UTF-8".into()))
}

/// Parses `limit`, `since` and `country`; any bad value is a 400 naming it.
fn parse_query(raw: &str, region: &str, published: &Published) -> Result<FeedQuery, HttpError> {
    let config = &published.config;
    let mut query = FeedQuery {
        region: (region != "all").then(|| region.to_owned()),
        limit: config.feed_entries,
        since: None,
        country: None,
    };
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let bad = |what: &str| {
            HttpError::BadRequest(format!(
                "bad {what}: the query is not valid percent-encoded UTF-8"
            ))
        };
        let key = percent_decode(&key.replace('+', " ")).ok_or_else(|| bad("query"))?;
        let value = percent_decode(&value.replace('+', " ")).ok_or_else(|| bad("query"))?;
        match key.as_str() {
            "limit" => query.limit = parse_limit(&value)?,
            "since" => query.since = Some(parse_since(&value)?),
            "country" => {
                let code = value.trim().to_ascii_uppercase();
                if config.rules.taxonomy.country(&code).is_none() {
                    return Err(HttpError::BadRequest(format!(
                        "bad country {value:?}: expected an ISO 3166-1 alpha-2 code such as NP"
                    )));
                }
                query.country = Some(code);
            }
            _ => {}
        }
    }
    Ok(query)
}

fn parse_limit(value: &str) -> Result<usize, HttpError> {
    value
        .trim()
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=MAX_LIMIT).contains(n))
        .ok_or_else(|| {
            HttpError::BadRequest(format!(
                "bad limit {value:?}: expected a whole number from 1 to {MAX_LIMIT}"
            ))
        })
}

fn parse_since(value: &str) -> Result<DateTime<Utc>, HttpError> {
    DateTime::parse_from_rfc3339(value.trim())
        .map(|d| d.to_utc())
        .map_err(|_| {
            HttpError::BadRequest(format!(
                "bad since {value:?}: expected an RFC 3339 date such as 2024-05-01T00:00:00Z"
            ))
        })
}

/// `%XX` decoding; `None` when the result is not UTF-8 or an escape is broken.
pub fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b").as_deref(), Some("a b"));
        assert_eq!(percent_decode("%2e%2e%2f").as_deref(), Some("../"));
        assert_eq!(percent_decode("%ff"), None);
        assert_eq!(percent_decode("%4"), None);
    }

    #[test]
    fn limits_are_bounded() {
        assert!(parse_limit("0").is_err());
        assert!(parse_limit("501").is_err());
        assert!(parse_limit("99999999999999999999999").is_err());
        assert_eq!(parse_limit("20").ok(), Some(20));
    }

    #[test]
    fn since_needs_rfc3339() {
        assert!(parse_since("yesterday").is_err());
        assert!(parse_since("2024-05-01T00:00:00Z").is_ok());
    }
}
