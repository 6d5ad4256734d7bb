//! `/oauth/token` and the bearer check every API route makes.

use super::*;

pub(super) fn form_pairs(text: &str) -> Vec<(String, String)> {
    Url::parse(&format!("http://sandbox/?{text}"))
        .map(|url| url.query_pairs().into_owned().collect())
        .unwrap_or_default()
}

pub(super) async fn issue_token(
    State(state): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let mut store = state.lock();
    let credentials = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|v| base64::engine::general_purpose::STANDARD.decode(v).ok())
        .and_then(|v| String::from_utf8(v).ok());
    let expected = format!("{}:{}", store.client_id, store.client_secret);
    if credentials.as_deref() != Some(expected.as_str()) {
        return Err(refuse(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Please provide valid client credentials using HTTP Basic Authentication.",
            json!({}),
        ));
    }
    let form = form_pairs(&String::from_utf8_lossy(&body));
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    if field("grant_type").as_deref() != Some("client_credentials") {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Only the client_credentials grant is supported here.",
            json!({}),
        ));
    }
    let mut asked: Vec<String> = match field("scope") {
        Some(scope) => scope.split_whitespace().map(str::to_owned).collect(),
        None => store.allowed_scopes.clone(),
    };
    // Each is one of the allowed scopes (checked below): once each, the
    // list is bounded however often a request repeats them.
    asked.sort_unstable();
    asked.dedup();
    if let Some(refused) = asked.iter().find(|s| !store.allowed_scopes.contains(s)) {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            format!("Scope '{refused}' is not allowed for this client."),
            json!({}),
        ));
    }
    let token = format!("sandbox-{}", sdk_core::random::uuid_v4().simple());
    let now = Instant::now();
    let expires_at = now.checked_add(store.token_lifetime).unwrap_or(now);
    store.make_room_for_a_token(now);
    store.tokens.insert(
        token.clone(),
        Token {
            scopes: asked.clone(),
            expires_at,
        },
    );
    store.tokens_issued += 1;
    ok(
        StatusCode::OK,
        &json!({
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": store.token_lifetime.as_secs(),
            "scope": asked.join(" "),
        }),
    )
}

/// Checks the bearer token, its scopes for `method`, and the project key.
pub(super) fn authorize(
    store: &Store,
    headers: &HeaderMap,
    method: &Method,
    project: &str,
) -> Result<(), Refusal> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .and_then(|t| store.tokens.get(t))
        .filter(|t| t.expires_at > Instant::now());
    let Some(token) = token else {
        return Err(refuse(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "invalid_token",
            json!({}),
        ));
    };
    let key = &store.project_key;
    let manage = [
        format!("manage_customer_groups:{key}"),
        format!("manage_customers:{key}"),
    ];
    let view = [
        format!("view_customer_groups:{key}"),
        format!("view_customers:{key}"),
    ];
    let granted = |names: &[String]| token.scopes.iter().any(|s| names.contains(s));
    let allowed = granted(&manage) || (method == Method::GET && granted(&view));
    if !allowed {
        let needed = if method == Method::GET {
            &view[0]
        } else {
            &manage[0]
        };
        return Err(refuse(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            format!("Insufficient scope. One of the following scopes is missing: {needed}"),
            json!({}),
        ));
    }
    if project != store.project_key {
        return Err(refuse(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            format!("The project '{project}' was not found."),
            json!({}),
        ));
    }
    Ok(())
}
