//! commercetools error bodies as typed error codes.
//!
//! The body is `{statusCode, message, errors: [{code, message, ...}]}`; the
//! auth service adds `error` and `error_description`. [`CtErrorExt`] reads
//! the typed errors off any [`Error`](crate::Error).

use serde_json::{Map, Value};

use sdk_core::http::StatusCode;
use sdk_core::retry::{
    Attempt, AttemptOutcome, DefaultRetryClassifier, RetryCause, RetryClassifier, RetryDecision,
};
use sdk_core::vendor::{ErrorBodyParser, ParsedErrorBody};

/// Reads code and message from a commercetools error body.
#[derive(Debug, Clone, Copy, Default)]
pub struct CtErrorParser;

impl ErrorBodyParser for CtErrorParser {
    fn parse(&self, status: StatusCode, body: &Value) -> ParsedErrorBody {
        let first = body
            .get("errors")
            .and_then(Value::as_array)
            .and_then(|errors| errors.first());
        let code = first
            .and_then(|e| e.get("code"))
            .and_then(Value::as_str)
            .or_else(|| body.get("error").and_then(Value::as_str))
            .map(str::to_owned);
        let message = body
            .get("message")
            .and_then(Value::as_str)
            .or_else(|| first.and_then(|e| e.get("message")).and_then(Value::as_str))
            .or_else(|| body.get("error_description").and_then(Value::as_str))
            .map(str::to_owned);
        if code.is_none() && message.is_none() {
            return sdk_core::vendor::GenericErrorParser.parse(status, body);
        }
        ParsedErrorBody::new(code, message)
    }
}

/// commercetools' retry rules over the SDK's table: a 409
/// `PendingOperation` (another operation on the resource is still being
/// processed; this one was not applied) is tried again with backoff, as
/// the specification says, for any request.
#[derive(Debug, Clone, Copy, Default)]
pub struct CtRetryClassifier;

impl RetryClassifier for CtRetryClassifier {
    fn classify(&self, attempt: &Attempt<'_>) -> RetryDecision {
        match attempt.outcome {
            AttemptOutcome::Status {
                status: StatusCode::CONFLICT,
                code: Some("PendingOperation"),
                ..
            } => RetryDecision::retry(RetryCause::Error),
            _ => DefaultRetryClassifier.classify(attempt),
        }
    }
}

/// One entry of a commercetools error body's `errors`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CtError {
    /// The error code with its fields.
    pub code: CtErrorCode,
    /// The entry's message.
    pub message: Option<String>,
}

/// The error codes of the Customer Groups API, with their fields; any other
/// code is kept with its raw fields.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum CtErrorCode {
    /// 409: the expected version is stale.
    ConcurrentModification {
        /// The version the resource has now.
        current_version: Option<u64>,
    },
    /// 400: a unique field (name, key) already has that value.
    DuplicateField {
        /// The field.
        field: Option<String>,
        /// The value that is taken.
        duplicate_value: Option<Value>,
    },
    /// 409: as `DuplicateField`, naming the resource that holds the value.
    DuplicateFieldWithConflictingResource {
        /// The field.
        field: Option<String>,
        /// The value that is taken.
        duplicate_value: Option<Value>,
        /// A reference to the resource holding it.
        conflicting_resource: Option<Value>,
    },
    /// 400: the operation is not possible in the resource's state.
    InvalidOperation,
    /// 404: no resource with that id or key.
    ResourceNotFound,
    /// 400: the body is not valid JSON for the endpoint.
    InvalidJsonInput {
        /// What exactly was wrong.
        detailed_error_message: Option<String>,
    },
    /// 400: invalid input, such as a malformed query predicate.
    InvalidInput,
    /// 400: a required field is missing.
    RequiredField {
        /// The field.
        field: Option<String>,
    },
    /// 400: a field has a value that is not allowed.
    InvalidField {
        /// The field.
        field: Option<String>,
        /// The value given.
        invalid_value: Option<Value>,
        /// The values allowed, when the server says.
        allowed_values: Option<Vec<Value>>,
    },
    /// 400: the project holds as many of the resource as it may (10,000 customer groups by default).
    MaxResourceLimitExceeded {
        /// The resource type, such as `customer-group`.
        exceeded_resource: Option<String>,
    },
    /// 400: the resource is still referenced and cannot be deleted.
    ReferenceExists {
        /// What references it.
        referenced_by: Option<String>,
    },
    /// 400: a resource named by a reference or resource identifier (such
    /// as a custom type in a draft) does not exist or cannot be reached here.
    ReferencedResourceNotFound {
        /// The referenced resource's type, such as `type`.
        type_id: Option<String>,
        /// Its id, when the request named it by id.
        id: Option<String>,
        /// Its key, when the request named it by key.
        key: Option<String>,
    },
    /// 500: an unexpected server error.
    General,
    /// 502: a backend the API depends on failed.
    BadGateway,
    /// 503: the API is over capacity; try again later.
    OverCapacity,
    /// 409: another operation on the resource is still being processed.
    PendingOperation,
    /// 400 or 504: the query took too long; narrow it.
    QueryTimedOut,
    /// 400: the query predicate is too complex.
    QueryComplexityLimitExceeded,
    /// 400: the resource would exceed the maximum size of 16 MB.
    ResourceSizeLimitExceeded,
    /// 401: the access token is invalid or expired.
    InvalidToken,
    /// 403: the token lacks a scope the endpoint needs.
    InsufficientScope,
    /// 401: the client id or secret is wrong.
    InvalidClient,
    /// 403: the client may not do this.
    AccessDenied,
    /// Any other code, with the entry's fields.
    Other {
        /// The code.
        code: String,
        /// Every field of the entry.
        fields: Map<String, Value>,
    },
}

impl CtErrorCode {
    /// The code as the API writes it.
    pub fn as_str(&self) -> &str {
        match self {
            CtErrorCode::ConcurrentModification { .. } => "ConcurrentModification",
            CtErrorCode::DuplicateField { .. } => "DuplicateField",
            CtErrorCode::DuplicateFieldWithConflictingResource { .. } => {
                "DuplicateFieldWithConflictingResource"
            }
            CtErrorCode::InvalidOperation => "InvalidOperation",
            CtErrorCode::ResourceNotFound => "ResourceNotFound",
            CtErrorCode::InvalidJsonInput { .. } => "InvalidJsonInput",
            CtErrorCode::InvalidInput => "InvalidInput",
            CtErrorCode::RequiredField { .. } => "RequiredField",
            CtErrorCode::InvalidField { .. } => "InvalidField",
            CtErrorCode::MaxResourceLimitExceeded { .. } => "MaxResourceLimitExceeded",
            CtErrorCode::ReferenceExists { .. } => "ReferenceExists",
            CtErrorCode::ReferencedResourceNotFound { .. } => "ReferencedResourceNotFound",
            CtErrorCode::General => "General",
            CtErrorCode::BadGateway => "BadGateway",
            CtErrorCode::OverCapacity => "OverCapacity",
            CtErrorCode::PendingOperation => "PendingOperation",
            CtErrorCode::QueryTimedOut => "QueryTimedOut",
            CtErrorCode::QueryComplexityLimitExceeded => "QueryComplexityLimitExceeded",
            CtErrorCode::ResourceSizeLimitExceeded => "ResourceSizeLimitExceeded",
            CtErrorCode::InvalidToken => "invalid_token",
            CtErrorCode::InsufficientScope => "insufficient_scope",
            CtErrorCode::InvalidClient => "invalid_client",
            CtErrorCode::AccessDenied => "access_denied",
            CtErrorCode::Other { code, .. } => code,
        }
    }

    fn from_entry(code: &str, entry: &Map<String, Value>) -> Self {
        let text = |name: &str| entry.get(name).and_then(Value::as_str).map(str::to_owned);
        let value = |name: &str| entry.get(name).cloned();
        match code {
            "ConcurrentModification" => CtErrorCode::ConcurrentModification {
                current_version: entry.get("currentVersion").and_then(Value::as_u64),
            },
            "DuplicateField" => CtErrorCode::DuplicateField {
                field: text("field"),
                duplicate_value: value("duplicateValue"),
            },
            "DuplicateFieldWithConflictingResource" => {
                CtErrorCode::DuplicateFieldWithConflictingResource {
                    field: text("field"),
                    duplicate_value: value("duplicateValue"),
                    conflicting_resource: value("conflictingResource"),
                }
            }
            "InvalidOperation" => CtErrorCode::InvalidOperation,
            "ResourceNotFound" => CtErrorCode::ResourceNotFound,
            "InvalidJsonInput" => CtErrorCode::InvalidJsonInput {
                detailed_error_message: text("detailedErrorMessage"),
            },
            "InvalidInput" => CtErrorCode::InvalidInput,
            "RequiredField" => CtErrorCode::RequiredField {
                field: text("field"),
            },
            "InvalidField" => CtErrorCode::InvalidField {
                field: text("field"),
                invalid_value: value("invalidValue"),
                allowed_values: entry
                    .get("allowedValues")
                    .and_then(Value::as_array)
                    .cloned(),
            },
            "MaxResourceLimitExceeded" => CtErrorCode::MaxResourceLimitExceeded {
                exceeded_resource: text("exceededResource"),
            },
            "ReferenceExists" => CtErrorCode::ReferenceExists {
                referenced_by: text("referencedBy"),
            },
            "ReferencedResourceNotFound" => CtErrorCode::ReferencedResourceNotFound {
                type_id: text("typeId"),
                id: text("id"),
                key: text("key"),
            },
            "General" => CtErrorCode::General,
            "BadGateway" => CtErrorCode::BadGateway,
            "OverCapacity" => CtErrorCode::OverCapacity,
            "PendingOperation" => CtErrorCode::PendingOperation,
            "QueryTimedOut" => CtErrorCode::QueryTimedOut,
            "QueryComplexityLimitExceeded" => CtErrorCode::QueryComplexityLimitExceeded,
            "ResourceSizeLimitExceeded" => CtErrorCode::ResourceSizeLimitExceeded,
            "invalid_token" => CtErrorCode::InvalidToken,
            "insufficient_scope" => CtErrorCode::InsufficientScope,
            "invalid_client" => CtErrorCode::InvalidClient,
            "access_denied" => CtErrorCode::AccessDenied,
            other => CtErrorCode::Other {
                code: other.to_owned(),
                fields: entry.clone(),
            },
        }
    }
}

/// Parses the `errors` of a commercetools error body (or its OAuth `error`).
pub fn parse_errors(body: &Value) -> Vec<CtError> {
    let entries = body.get("errors").and_then(Value::as_array);
    let mut errors: Vec<CtError> = entries
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .filter_map(|entry| {
            let code = entry.get("code")?.as_str()?;
            Some(CtError {
                code: CtErrorCode::from_entry(code, entry),
                message: entry
                    .get("message")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            })
        })
        .collect();
    if errors.is_empty()
        && let Some(code) = body.get("error").and_then(Value::as_str)
    {
        errors.push(CtError {
            code: CtErrorCode::from_entry(code, &Map::new()),
            message: body
                .get("error_description")
                .and_then(Value::as_str)
                .map(str::to_owned),
        });
    }
    errors
}

/// Reads commercetools' typed errors off an [`Error`](crate::Error).
pub trait CtErrorExt {
    /// Every typed error the body carried (empty when the server did not answer with one).
    fn ct_errors(&self) -> Vec<CtError>;

    /// Whether the server refused a stale version (409 `ConcurrentModification`).
    fn is_concurrent_modification(&self) -> bool;

    /// The resource's current version, from a `ConcurrentModification` error.
    fn current_version(&self) -> Option<u64>;

    /// Whether this is a version conflict met by a *replayed* update: the
    /// first attempt may have been applied and only its answer lost, so the
    /// conflict may be with your own change. Read the resource again and
    /// check before applying anything again
    /// ([`update_with_retry`](crate::customer_groups::CustomerGroups::update_with_retry) does).
    fn conflict_may_be_own_earlier_attempt(&self) -> bool;
}

impl CtErrorExt for sdk_core::Error {
    fn ct_errors(&self) -> Vec<CtError> {
        if let sdk_core::Error::Auth(auth) = self {
            return auth
                .error
                .as_deref()
                .map(|code| CtError {
                    code: CtErrorCode::from_entry(code, &Map::new()),
                    message: auth.error_description.clone(),
                })
                .into_iter()
                .collect();
        }
        self.api()
            .and_then(sdk_core::ApiError::details_value)
            .as_ref()
            .map(parse_errors)
            .unwrap_or_default()
    }

    fn is_concurrent_modification(&self) -> bool {
        concurrent_modification(self).is_some()
    }

    fn current_version(&self) -> Option<u64> {
        concurrent_modification(self)?
            .get("currentVersion")
            .and_then(Value::as_u64)
    }

    fn conflict_may_be_own_earlier_attempt(&self) -> bool {
        self.is_concurrent_modification() && self.api().is_some_and(|api| api.replayed)
    }
}

/// The body's `ConcurrentModification` entry: the predicates look at one
/// entry instead of building every typed error.
fn concurrent_modification(error: &sdk_core::Error) -> Option<Map<String, Value>> {
    let api = error.api()?;
    if api.status != StatusCode::CONFLICT {
        return None;
    }
    let Value::Object(mut body) = api.details_value()? else {
        return None;
    };
    let Value::Array(entries) = body.remove("errors")? else {
        return None;
    };
    entries.into_iter().find_map(|entry| match entry {
        Value::Object(entry)
            if entry.get("code").and_then(Value::as_str) == Some("ConcurrentModification") =>
        {
            Some(entry)
        }
        _ => None,
    })
}
