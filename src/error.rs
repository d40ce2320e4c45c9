//! The one error type of the server. Every failure a request can meet is one of these variants;
//! the status is chosen here (`status_code`), and `format::errors` adds the headers a client acts
//! on and writes the body in the request's format.

use actix_web::http::StatusCode;
use actix_web::ResponseError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 401. `challenge` adds `WWW-Authenticate`: Redmine sends it only when no credentials came.
    #[error("authentication required")]
    Unauthenticated { challenge: bool },
    /// 403: a known user lacking a permission, or a record they may not see.
    #[error("forbidden")]
    Forbidden,
    /// 404
    #[error("not found")]
    NotFound,
    /// 406: an API route asked for without a format.
    #[error("not acceptable")]
    NotAcceptable,
    /// 412: an unknown user in `X-Redmine-Switch-User`.
    #[error("invalid X-Redmine-Switch-User header")]
    PreconditionFailed,
    /// 422, with Redmine's full messages ("First name cannot be blank").
    #[error("invalid: {0:?}")]
    Invalid(Vec<String>),
    /// 400: a body or parameter that cannot be read at all.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 408: the body stopped arriving (`BodyLimits::idle`).
    #[error("request body stalled")]
    BodyStalled,
    /// 413
    #[error("payload too large")]
    TooLarge,
    /// 415
    #[error("unsupported media type")]
    UnsupportedMedia,
    /// 429
    #[error("too many requests")]
    RateLimited { retry_after_secs: u64 },
    /// 503: the database is unreachable or busy beyond the wait.
    #[error("database unavailable")]
    Unavailable,
    /// 503: the request's statements ran past the statement time limit.
    #[error("statement time limit reached")]
    TimedOut,
    /// 500: a bug or an unexpected database failure; logged, never shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Error {
    /// A 422 with one message.
    pub fn invalid(message: impl Into<String>) -> Error {
        Error::Invalid(vec![message.into()])
    }
}

impl From<diesel::result::Error> for Error {
    fn from(err: diesel::result::Error) -> Error {
        use diesel::result::{DatabaseErrorKind, Error as E};
        match err {
            E::NotFound => Error::NotFound,
            // The connection was lost: its first query says so, later ones cannot be sent.
            E::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => Error::Unavailable,
            E::DatabaseError(DatabaseErrorKind::UnableToSendCommand, _) => Error::Unavailable,
            E::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => Error::Unavailable,
            E::DatabaseError(_, ref info) if is_busy(info.message()) => Error::Unavailable,
            E::DatabaseError(_, ref info) if crate::db::is_stopped(info.message()) => Error::TimedOut,
            other => Error::Internal(anyhow::Error::new(other)),
        }
    }
}

/// SQLite reports a lock held past `busy_timeout` as an ordinary error; it is a 503, not a bug.
fn is_busy(message: &str) -> bool {
    message.contains("database is locked") || message.contains("database is busy")
}

impl ResponseError for Error {
    fn status_code(&self) -> StatusCode {
        match self {
            Error::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
            Error::Forbidden => StatusCode::FORBIDDEN,
            Error::NotFound => StatusCode::NOT_FOUND,
            Error::NotAcceptable => StatusCode::NOT_ACCEPTABLE,
            Error::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Error::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::BodyStalled => StatusCode::REQUEST_TIMEOUT,
            Error::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Error::UnsupportedMedia => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::Unavailable | Error::TimedOut => StatusCode::SERVICE_UNAVAILABLE,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    // The body is written by `format::errors`, which knows the request's format.
    fn error_response(&self) -> actix_web::HttpResponse {
        crate::format::errors::bare_response(self)
    }
}
