//! What every sandbox handler answers: a JSON success, or a refusal in the
//! vendor's own error shape. The shapes are the vendor crates' to write;
//! the plumbing is here once.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::server::json_response;

/// An error answer: its status and the vendor's JSON error document.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Refusal {
    /// The status answered.
    pub status: StatusCode,
    /// The error document, in the vendor's shape.
    pub body: Value,
}

impl Refusal {
    /// A refusal with `status` and the vendor-shaped `body`.
    pub fn new(status: StatusCode, body: Value) -> Self {
        Self { status, body }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        json_response(self.status, &self.body)
    }
}

/// What a sandbox handler returns.
pub type Answer = Result<Response, Refusal>;

/// A JSON answer with `status`.
pub fn ok<T: serde::Serialize + ?Sized>(status: StatusCode, body: &T) -> Answer {
    Ok(json_response(status, body))
}

/// Why a request body is not the JSON object a handler needs; each vendor
/// words and numbers its refusal the way its document does.
#[derive(Debug)]
#[non_exhaustive]
pub enum BodyProblem {
    /// The body is not JSON.
    Malformed(serde_json::Error),
    /// The body is JSON, but not an object.
    NotAnObject,
}

/// The fields of a JSON object body.
pub fn parse_object(body: &[u8]) -> Result<Map<String, Value>, BodyProblem> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(BodyProblem::NotAnObject),
        Err(error) => Err(BodyProblem::Malformed(error)),
    }
}
