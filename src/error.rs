//! The one error type of the server. Every failure a request can meet is one of these variants;
//! its status, the headers a client acts on (`WWW-Authenticate`, `Retry-After`) and the
//! sentences shown are chosen here; `format::errors` writes those sentences in the request's
//! format.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};

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
    /// 408: the body was still arriving at its deadline (`BodyLimits::total`).
    #[error("request body too slow")]
    BodyTooSlow,
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

    /// The sentences shown for an error; the cause of an internal error is never among them.
    pub fn messages(&self) -> Vec<String> {
        let text = match self {
            Error::Invalid(messages) => return messages.clone(),
            Error::BadRequest(reason) => return vec![reason.clone()],
            Error::Unauthenticated { .. } => "Authentication required",
            Error::Forbidden => "You are not authorized to access this resource",
            Error::NotFound => "Not found",
            Error::NotAcceptable => {
                "We couldn't handle your request, sorry. If you were trying to access the API, \
                 make sure to append .json or .xml to your request URL."
            }
            Error::PreconditionFailed => "Invalid X-Redmine-Switch-User header",
            Error::BodyStalled => "The request body stopped arriving",
            Error::BodyTooSlow => "The request body took too long to arrive",
            Error::TooLarge => "Request body too large",
            Error::UnsupportedMedia => "Unsupported content type",
            Error::RateLimited { .. } => "Too many requests, try again later",
            Error::Unavailable => "The service is unavailable, try again later",
            Error::TimedOut => "The request took too long and was stopped; narrow it down or try again later",
            Error::Internal(_) => "Internal error",
        };
        vec![text.to_string()]
    }
}

/// The endings of Redmine's validation messages; what comes before one is the field's label.
const MESSAGE_ENDINGS: [&str; 9] = [
    " cannot be blank",
    " cannot be empty",
    " cannot be changed",
    " has already been taken",
    " is not included in the list",
    " is not a valid date",
    " is not a number",
    " is not an image",
    " is ",
];

/// Labels whose field is not their snake_case spelling.
const FIELDS_BY_LABEL: [(&str, &str); 6] = [
    ("Assigned to", "assigned_to_id"),
    ("Tags", "tag_list"),
    ("Street", "street1"),
    ("Street 2", "street2"),
    ("Country", "country_code"),
    ("Default assignee", "default_assignee_id"),
];

impl Error {
    /// A 422's messages each with the field it names (`X-Error-Details: 1`): the field is read
    /// from the message's label ("First name cannot be blank" → `first_name`), or `base` when
    /// the message names none. Other errors have no details.
    pub fn details(&self) -> Vec<(String, String)> {
        let Error::Invalid(messages) = self else { return Vec::new() };
        messages.iter().map(|m| (field_of(m), m.clone())).collect()
    }
}

fn field_of(message: &str) -> String {
    let Some(label) = MESSAGE_ENDINGS.iter().filter_map(|end| message.find(end)).min().map(|i| &message[..i]) else {
        return "base".to_string();
    };
    match FIELDS_BY_LABEL.iter().find(|(l, _)| *l == label) {
        Some((_, field)) => field.to_string(),
        None => label.to_lowercase().replace(' ', "_"),
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
            Error::BodyStalled | Error::BodyTooSlow => StatusCode::REQUEST_TIMEOUT,
            Error::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Error::UnsupportedMedia => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::Unavailable | Error::TimedOut => StatusCode::SERVICE_UNAVAILABLE,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Status and headers; the body is written by `format::errors`, which knows the request's
    /// format.
    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        match self {
            Error::Unauthenticated { challenge: true } => {
                res.insert_header((header::WWW_AUTHENTICATE, r#"Basic realm="Redmine API""#));
            }
            Error::RateLimited { retry_after_secs } => {
                res.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            Error::Internal(cause) => tracing::error!(error = ?cause, "request failed"),
            _ => {}
        }
        res.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_name_the_field_of_each_message() {
        let err = Error::Invalid(vec![
            "First name cannot be blank".into(),
            "Is company is invalid".into(),
            "Assigned to is invalid".into(),
            "Email is too long (maximum is 65535 characters)".into(),
            "Identifier has already been taken".into(),
            "Minimum length is greater than the maximum length".into(),
            "Something went wrong".into(),
        ]);
        let fields: Vec<String> = err.details().into_iter().map(|(f, _)| f).collect();
        assert_eq!(
            fields,
            ["first_name", "is_company", "assigned_to_id", "email", "identifier", "minimum_length", "base"]
        );
        assert!(Error::NotFound.details().is_empty());
    }
}
