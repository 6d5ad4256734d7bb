//! The loopback server a vendor sandbox runs on, its shared state, and the
//! JSON answers and capacity refusals every emulated API gives
//! (re-exported by [`vendor::sandbox`](crate::vendor::sandbox)).

use super::*;

/// Why `adding` more records of `what` do not fit beside the `held` ones,
/// in a sentence for the vendor's error body; `None` when they fit.
pub fn over_capacity(what: &str, held: usize, adding: usize) -> Option<String> {
    (held.saturating_add(adding) > MAX_RECORDS).then(|| {
        format!("The sandbox holds at most {MAX_RECORDS} {what}; it holds {held} already.")
    })
}

/// A sandbox's state, shared by its handlers: cheap to clone, locked for
/// the span of one request so that every request sees a consistent store.
pub struct SharedState<T>(Arc<Mutex<T>>);

impl<T> SharedState<T> {
    /// Shares `state`.
    pub fn new(state: T) -> Self {
        Self(Arc::new(Mutex::new(state)))
    }

    /// Locks the state (a handler that panicked leaves it usable).
    pub fn lock(&self) -> std::sync::MutexGuard<'_, T> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl<T> Clone for SharedState<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<T> fmt::Debug for SharedState<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedState").finish_non_exhaustive()
    }
}

/// A JSON answer with `status`.
pub fn json_response<T: serde::Serialize + ?Sized>(status: StatusCode, body: &T) -> Response {
    let bytes = match serde_json::to_vec(body) {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::error!(%error, "sandbox answer could not be serialized");
            return Response::builder()
                .status(StatusCode::INTERNAL_SERVER_ERROR)
                .body(Body::empty())
                .unwrap_or_default();
        }
    };
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// A sandbox's HTTP server on `127.0.0.1` and a random port.
pub struct SandboxServer {
    name: &'static str,
    address: SocketAddr,
    faults: FaultInjector,
    exchanges: ExchangeLog,
    requests: RequestLog,
    clock: SandboxClock,
    /// Stops the server when the last holder (this server, or a client it
    /// kept alive) is gone.
    stopper: Arc<Stopper>,
}

/// Sends the shutdown when dropped.
struct Stopper(Mutex<Option<oneshot::Sender<()>>>);

impl Drop for Stopper {
    fn drop(&mut self) {
        let sender = self.0.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(shutdown) = sender {
            let _ = shutdown.send(());
        }
    }
}

impl fmt::Debug for SandboxServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxServer")
            .field("name", &self.name)
            .field("address", &self.address)
            .field("pending_faults", &self.faults.pending())
            .finish()
    }
}

/// How long a connection may take to send a whole request head: one that
/// sends part of one and stalls is closed, so that stalled connections
/// cannot pile up in a test process.
pub const REQUEST_HEAD_TIMEOUT: Duration = Duration::from_secs(2);

/// Serves `app` on each connection `listener` accepts until `stopped`.
async fn serve(listener: tokio::net::TcpListener, app: Router, mut stopped: oneshot::Receiver<()>) {
    let service = hyper_util::service::TowerToHyperService::new(app);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = &mut stopped => return,
        };
        let Ok((stream, _)) = accepted else { continue };
        let service = service.clone();
        tokio::spawn(async move {
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(REQUEST_HEAD_TIMEOUT)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            if let Err(error) = connection.await {
                tracing::debug!(%error, "sandbox connection ended");
            }
        });
    }
}

/// What a vendor sandbox tells its server about the API it emulates: its
/// operations' path templates, as the SDK's spans write them, which its
/// [`RequestLog`] names each request by, and the headers that carry its
/// credentials, which the log redacts (besides `Authorization`, `Cookie`
/// and `Proxy-Authorization`, always).
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct SandboxApi {
    templates: Vec<String>,
    secret_headers: Vec<String>,
}

impl SandboxApi {
    /// An API of no templates and no credential headers of its own.
    pub fn new() -> Self {
        Self::default()
    }

    /// An operation's path template, such as `/{projectKey}/customer-groups/key={key}`.
    pub fn template(mut self, template: &str) -> Self {
        self.templates.push(template.to_owned());
        self
    }

    /// A header that carries a credential, such as `X-Token`.
    pub fn secret_header(mut self, name: &str) -> Self {
        self.secret_headers.push(name.to_ascii_lowercase());
        self
    }

    fn shapes(self) -> super::requests::VendorShapes {
        super::requests::VendorShapes {
            templates: self
                .templates
                .iter()
                .map(|t| PathTemplate::new(t))
                .collect(),
            secret_headers: self.secret_headers,
        }
    }
}

impl SandboxServer {
    /// Serves `router`, behind fault injection, on a thread of its own.
    ///
    /// Fails with [`Error::Setup`](crate::Error::Setup) when no loopback
    /// port or thread can be had.
    pub fn start(name: &'static str, router: Router) -> crate::Result<Self> {
        Self::start_for(name, SandboxApi::new(), router)
    }

    /// [`start`](Self::start) for an API `api` describes: its requests are
    /// recorded by operation, its credentials redacted.
    pub fn start_for(name: &'static str, api: SandboxApi, router: Router) -> crate::Result<Self> {
        let setup = |step: &'static str| {
            move |source: std::io::Error| crate::error::SetupError {
                what: format!("the {name} sandbox could not {step}"),
                source,
            }
        };
        let listener = std::net::TcpListener::bind("127.0.0.1:0")
            .map_err(setup("listen on a loopback port"))?;
        listener
            .set_nonblocking(true)
            .map_err(setup("listen on a loopback port"))?;
        let address = listener
            .local_addr()
            .map_err(setup("listen on a loopback port"))?;
        let clock = SandboxClock::default();
        let faults = FaultInjector::on_clock(clock.clone());
        let exchanges = ExchangeLog::default();
        let requests = RequestLog::new(api.shapes(), clock.clone());
        let app = router
            .layer(middleware::from_fn_with_state(
                exchanges.clone(),
                exchanges::record_exchange,
            ))
            .layer(axum::extract::DefaultBodyLimit::max(MAX_REQUEST_BODY_BYTES))
            .layer(middleware::from_fn_with_state(
                faults.clone(),
                inject_faults,
            ))
            .layer(middleware::from_fn_with_state(
                requests.clone(),
                super::requests::record_request,
            ));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(setup("start its runtime"))?;
        let (shutdown, stopped) = oneshot::channel::<()>();
        std::thread::Builder::new()
            .name(format!("{name}-sandbox"))
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = match tokio::net::TcpListener::from_std(listener) {
                        Ok(listener) => listener,
                        Err(error) => {
                            tracing::error!(%error, "sandbox could not listen");
                            return;
                        }
                    };
                    serve(listener, app, stopped).await;
                });
            })
            .map_err(setup("start its thread"))?;
        Ok(Self {
            name,
            address,
            faults,
            exchanges,
            requests,
            clock,
            stopper: Arc::new(Stopper(Mutex::new(Some(shutdown)))),
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The address the server listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The fault queue of this server.
    pub fn faults(&self) -> &FaultInjector {
        &self.faults
    }

    /// `builder`, whose clients keep this server running while they exist:
    /// a sandbox hands its server to the clients it makes.
    pub fn keep_alive_in<B: crate::client::HasClientSettings>(&self, mut builder: B) -> B {
        let settings = builder.client_settings_mut();
        let kept = std::mem::take(settings)
            .with_keep_alive(crate::client::KeepAlive::new(self.stopper.clone()));
        *settings = kept;
        builder
    }

    /// The time this server's answers are stamped with (and its `Date`
    /// header reads), shared with the test that drives it.
    pub fn clock(&self) -> &SandboxClock {
        &self.clock
    }

    /// Every request this server received, with what it answered.
    pub fn requests(&self) -> &RequestLog {
        &self.requests
    }

    /// The log of exchanges this server records once asked to.
    pub fn exchanges(&self) -> &ExchangeLog {
        &self.exchanges
    }
}

#[cfg(test)]
mod capacity_tests {
    use super::*;

    #[test]
    fn capacity_is_checked_without_overflow() {
        assert_eq!(over_capacity("groups", 0, 1), None);
        assert_eq!(over_capacity("groups", MAX_RECORDS - 1, 1), None);
        let refused = over_capacity("groups", MAX_RECORDS, 1).unwrap();
        assert!(refused.contains("at most 100000 groups"), "{refused}");
        assert!(over_capacity("groups", usize::MAX, usize::MAX).is_some());
    }
}
