//! The HTTP layer's errors: each becomes a status and a one-line reason.
//! Client mistakes are not logged as failures; nothing internal is shown.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// A request that gets no normal answer.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// 400: a bad query value or path.
    #[error("{0}")]
    BadRequest(String),
    /// 404: no such route, region or release.
    #[error("{0}")]
    NotFound(String),
    /// 405: a method other than GET or HEAD.
    #[error("method not allowed: use GET or HEAD")]
    MethodNotAllowed,
    /// 503: not ready or not healthy.
    #[error("{0}")]
    Unavailable(String),
}

impl HttpError {
    /// The status code.
    pub fn status(&self) -> StatusCode {
        match self {
            HttpError::BadRequest(_) => StatusCode::BAD_REQUEST,
            HttpError::NotFound(_) => StatusCode::NOT_FOUND,
            HttpError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            HttpError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status(),
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("{self}\n"),
        )
            .into_response();
        if matches!(self, HttpError::MethodNotAllowed) {
            response
                .headers_mut()
                .insert(header::ALLOW, header::HeaderValue::from_static("GET, HEAD"));
        }
        response
    }
}
