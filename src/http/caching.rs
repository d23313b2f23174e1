//! Conditional requests and content negotiation in one place: picks the
//! coding from `Accept-Encoding`, answers `If-None-Match` and
//! `If-Modified-Since` with 304, and sets the caching headers. Handlers only
//! hand over a [`Body`].

use std::sync::OnceLock;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;

use crate::publish::{Body, Coding};

/// Builds the response for `body`, honouring the request's conditional and
/// encoding headers. This runs for every feed request, so each of a body's
/// six answers (three codings, 200 or 304) has its headers made once and
/// copied after that.
pub fn respond(body: &Body, request: &HeaderMap, cache_control: &HeaderValue) -> Response {
    let coding = negotiate(request);
    let unchanged = not_modified(request, body.etag_header(coding).as_bytes(), body);
    let answers = body.answers.get_or_init(|| Answers {
        cache_control: cache_control.clone(),
        headers: Default::default(),
    });
    let headers = if answers.cache_control == cache_control {
        let by_coding = match coding {
            Coding::Identity => 0,
            Coding::Gzip => 2,
            Coding::Brotli => 4,
        };
        let slot = by_coding + usize::from(unchanged);
        answers.headers[slot]
            .get_or_init(|| headers(body, coding, unchanged, cache_control))
            .clone()
    } else {
        // A body kept across a reload that changed the caching headers.
        headers(body, coding, unchanged, cache_control)
    };
    let mut response = if unchanged {
        let mut response = Response::new(axum::body::Body::new(NoContent));
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        response
    } else {
        Response::new(axum::body::Body::from(body.bytes(coding)))
    };
    *response.headers_mut() = headers;
    response
}

/// The body of a 304. axum gives every response whose body knows its exact
/// size a `Content-Length`, and hyper passes the field on in answer to a
/// HEAD: an empty body's `0`, which is not the length of the 200 the 304
/// stands for (RFC 9110 §8.6 forbids that; a client or cache taking it for
/// the representation's length would think the feed empty). This body is
/// over before it starts but names no size, so no 304 carries the field.
struct NoContent;

impl http_body::Body for NoContent {
    type Data = axum::body::Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::task::Poll::Ready(None)
    }

    fn is_end_stream(&self) -> bool {
        true
    }
}

/// The headers of a body's answers, made on first use; see [`respond`].
#[derive(Debug)]
pub struct Answers {
    /// The `Cache-Control` they were made with.
    cache_control: HeaderValue,
    /// By coding, then 200 and 304.
    headers: [OnceLock<HeaderMap>; 6],
}

/// The headers of `body`'s answer in `coding`: a 304 (`unchanged`) has the
/// validators and caching headers of the 200 it stands for, without the
/// content headers.
fn headers(body: &Body, coding: Coding, unchanged: bool, cache_control: &HeaderValue) -> HeaderMap {
    // Six at most, which fit the smallest table `with_capacity` makes.
    let mut headers = HeaderMap::with_capacity(6);
    headers.insert(header::ETAG, body.etag_header(coding).clone());
    if let Some(lm) = &body.last_modified_header {
        headers.insert(header::LAST_MODIFIED, lm.clone());
    }
    headers.insert(header::CACHE_CONTROL, cache_control.clone());
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    if !unchanged {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(body.content_type),
        );
        if let Some(encoding) = coding.header() {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
        }
    }
    headers
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

/// The best coding the client accepts: brotli, then gzip, then none. One
/// pass over the header's bytes: this runs for every feed request.
pub fn negotiate(request: &HeaderMap) -> Coding {
    let Some(accept) = request.get(header::ACCEPT_ENCODING) else {
        return Coding::Identity;
    };
    let mut gzip = false;
    for item in accept.as_bytes().split(|&b| b == b',') {
        let (coding, params) = match item.iter().position(|&b| b == b';') {
            Some(at) => (&item[..at], Some(&item[at + 1..])),
            None => (item, None),
        };
        let coding = coding.trim_ascii();
        let br = coding.eq_ignore_ascii_case(b"br");
        if !br && !coding.eq_ignore_ascii_case(b"gzip") {
            continue;
        }
        if params.is_some_and(refused) {
            continue;
        }
        if br {
            return Coding::Brotli;
        }
        gzip = true;
    }
    if gzip { Coding::Gzip } else { Coding::Identity }
}

/// Whether a coding's parameters give it `q=0` (RFC 9110 §12.5.3); an
/// unreadable weight counts as none.
fn refused(params: &[u8]) -> bool {
    let q = params.split(|&b| b == b';').find_map(|p| {
        let value = p.trim_ascii().strip_prefix(b"q=")?;
        std::str::from_utf8(value).ok()?.trim().parse::<f32>().ok()
    });
    q.is_some_and(|q| q <= 0.0 || q.is_nan())
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
        let cases = [
            ("gzip, br", Coding::Brotli),
            ("gzip, br;q=0", Coding::Gzip),
            ("deflate", Coding::Identity),
            ("GZIP ; q=0.5, br ; q=0.0", Coding::Gzip),
            ("gzip;q=0, br;level=1", Coding::Brotli),
            ("gzip;q=nonsense", Coding::Gzip),
            ("x-gzip, gzipped, brr", Coding::Identity),
        ];
        for (accept, coding) in cases {
            assert_eq!(
                negotiate(&headers(&[("accept-encoding", accept)])),
                coding,
                "{accept}"
            );
        }
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
    fn each_answer_keeps_its_own_headers_and_follows_a_new_cache_control() {
        let body = Body::new("application/atom+xml", b"<feed/>".to_vec(), None);
        let short = HeaderValue::from_static("public, max-age=60");
        let gzip = headers(&[("accept-encoding", "gzip")]);
        let tag = body.etag(Coding::Gzip);
        let revalidate = headers(&[("accept-encoding", "gzip"), ("if-none-match", &tag)]);
        for _ in 0..2 {
            let ok = respond(&body, &gzip, &short);
            assert_eq!(ok.status(), StatusCode::OK);
            assert_eq!(ok.headers()[header::CONTENT_ENCODING], "gzip");
            assert_eq!(ok.headers()[header::ETAG], tag.as_str());
            let unchanged = respond(&body, &revalidate, &short);
            assert_eq!(unchanged.status(), StatusCode::NOT_MODIFIED);
            assert_eq!(unchanged.headers()[header::ETAG], tag.as_str());
            assert!(unchanged.headers().get(header::CONTENT_TYPE).is_none());
            let plain = respond(&body, &HeaderMap::new(), &short);
            assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
            assert_eq!(
                plain.headers()[header::ETAG],
                body.etag(Coding::Identity).as_str()
            );
        }
        let long = HeaderValue::from_static("public, max-age=600");
        let after_reload = respond(&body, &gzip, &long);
        assert_eq!(
            after_reload.headers()[header::CACHE_CONTROL],
            "public, max-age=600"
        );
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
