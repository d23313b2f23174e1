//! Conditional requests and content negotiation in one place: picks the
//! coding from `Accept-Encoding`, answers `If-None-Match` and
//! `If-Modified-Since` with 304, and sets the caching headers. Handlers only
//! hand over a [`Body`].

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;

use crate::publish::{Body, Coding};

/// Builds the response for `body`, honouring the request's conditional and
/// encoding headers. The header map is built once and handed to the
/// response as it is: this runs for every feed request.
pub fn respond(body: &Body, request: &HeaderMap, cache_control: &HeaderValue) -> Response {
    let coding = negotiate(request);
    let etag = body.etag_header(coding);
    let mut headers = HeaderMap::with_capacity(8);
    headers.insert(header::ETAG, etag.clone());
    if let Some(lm) = &body.last_modified_header {
        headers.insert(header::LAST_MODIFIED, lm.clone());
    }
    headers.insert(header::CACHE_CONTROL, cache_control.clone());
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    let mut response = if not_modified(request, etag.as_bytes(), body) {
        let mut response = Response::new(axum::body::Body::empty());
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        response
    } else {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(body.content_type),
        );
        if let Some(encoding) = coding.header() {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
        }
        Response::new(axum::body::Body::from(body.bytes(coding)))
    };
    *response.headers_mut() = headers;
    response
}

/// RFC 9110 §13.1: `If-None-Match` wins; `If-Modified-Since` only without it.
fn not_modified(request: &HeaderMap, etag: &[u8], body: &Body) -> bool {
    if let Some(inm) = request.get(header::IF_NONE_MATCH) {
        return inm
            .as_bytes()
            .split(|&b| b == b',')
            .map(<[u8]>::trim_ascii)
            .any(|t| t == b"*" || t.strip_prefix(b"W/").unwrap_or(t) == etag);
    }
    let since = request
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok());
    match (since, body.last_modified) {
        (Some(since), Some(modified)) => {
            modified.timestamp() <= chrono::DateTime::<chrono::Utc>::from(since).timestamp()
        }
        _ => false,
    }
}

/// The best coding the client accepts: brotli, then gzip, then none.
pub fn negotiate(request: &HeaderMap) -> Coding {
    let Some(accept) = request
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
    else {
        return Coding::Identity;
    };
    let accepts = |name: &str| {
        accept.split(',').any(|item| {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim();
            let q = parts
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.trim().parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            coding.eq_ignore_ascii_case(name) && q > 0.0
        })
    };
    if accepts("br") {
        Coding::Brotli
    } else if accepts("gzip") {
        Coding::Gzip
    } else {
        Coding::Identity
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).expect("header"));
        }
        h
    }

    #[test]
    fn negotiation_prefers_brotli_and_honours_q_zero() {
        assert_eq!(
            negotiate(&headers(&[("accept-encoding", "gzip, br")])),
            Coding::Brotli
        );
        assert_eq!(
            negotiate(&headers(&[("accept-encoding", "gzip, br;q=0")])),
            Coding::Gzip
        );
        assert_eq!(
            negotiate(&headers(&[("accept-encoding", "deflate")])),
            Coding::Identity
        );
        assert_eq!(negotiate(&HeaderMap::new()), Coding::Identity);
    }

    #[test]
    fn matching_etag_gives_304_and_other_codings_do_not() {
        let body = Body::new("text/plain", b"x".to_vec(), None);
        let tag = body.etag(Coding::Identity);
        let r = respond(
            &body,
            &headers(&[("if-none-match", &tag)]),
            &HeaderValue::from_static("public, max-age=60"),
        );
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
        let r = respond(
            &body,
            &headers(&[("if-none-match", &tag), ("accept-encoding", "gzip")]),
            &HeaderValue::from_static("public, max-age=60"),
        );
        assert_eq!(r.status(), StatusCode::OK);
    }

    #[test]
    fn if_modified_since_compares_seconds() {
        let when = chrono::DateTime::parse_from_rfc3339("2024-05-01T10:00:00.5Z")
            .expect("date")
            .to_utc();
        let body = Body::new("text/plain", b"x".to_vec(), Some(when));
        let r = respond(
            &body,
            &headers(&[("if-modified-since", "Wed, 01 May 2024 10:00:00 GMT")]),
            &HeaderValue::from_static("public, max-age=0"),
        );
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
        let r = respond(
            &body,
            &headers(&[("if-modified-since", "Mon, 01 Jan 1990 00:00:00 GMT")]),
            &HeaderValue::from_static("public, max-age=0"),
        );
        assert_eq!(r.status(), StatusCode::OK);
    }
}
