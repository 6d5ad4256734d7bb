//! A minimal HTTP server for benchmarks: fixed answers, optional latency,
//! nothing else, so that the server is never what a benchmark measures.

use std::convert::Infallible;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::sync::watch;

/// One fixed answer.
#[derive(Debug, Clone)]
pub struct StaticAnswer {
    /// The status.
    pub status: StatusCode,
    /// The JSON body, served as it is.
    pub body: Bytes,
    /// How long to wait before answering.
    pub latency: Duration,
}

impl StaticAnswer {
    /// `200` with `body`, at once.
    pub fn ok(body: impl Into<Bytes>) -> Self {
        Self {
            status: StatusCode::OK,
            body: body.into(),
            latency: Duration::ZERO,
        }
    }

    /// The same answer after `latency`.
    pub fn after(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }
}

type Responder = dyn Fn(&str, Option<&str>) -> StaticAnswer + Send + Sync;

struct Counters {
    requests: AtomicU64,
    in_flight: AtomicU64,
    peak_in_flight: AtomicU64,
}

/// A minimal HTTP/1.1 server on `127.0.0.1` that answers each request with
/// what a function of its path and query returns, on a runtime of its own.
///
/// ```
/// use sdk_core::vendor::sandbox::{StaticAnswer, StaticServer};
///
/// let server = StaticServer::start(|path, _query| StaticAnswer::ok(format!(r#"{{"path":"{path}"}}"#)))?;
/// assert!(server.url().starts_with("http://127.0.0.1:"));
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct StaticServer {
    address: SocketAddr,
    counters: Arc<Counters>,
    shutdown: watch::Sender<bool>,
}

impl fmt::Debug for StaticServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticServer")
            .field("address", &self.address)
            .field("requests", &self.requests())
            .finish()
    }
}

impl StaticServer {
    /// Starts serving `respond(path, query)` on a random loopback port.
    pub fn start<F>(respond: F) -> std::io::Result<Self>
    where
        F: Fn(&str, Option<&str>) -> StaticAnswer + Send + Sync + 'static,
    {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let address = listener.local_addr()?;
        let respond: Arc<Responder> = Arc::new(respond);
        let counters = Arc::new(Counters {
            requests: AtomicU64::new(0),
            in_flight: AtomicU64::new(0),
            peak_in_flight: AtomicU64::new(0),
        });
        let (shutdown, mut stopped) = watch::channel(false);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        let served = counters.clone();
        std::thread::Builder::new()
            .name("static-server".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                        return;
                    };
                    loop {
                        let accepted = tokio::select! {
                            accepted = listener.accept() => accepted,
                            _ = stopped.changed() => return,
                        };
                        let Ok((stream, _)) = accepted else { continue };
                        let _ = stream.set_nodelay(true);
                        let respond = respond.clone();
                        let counters = served.clone();
                        tokio::spawn(async move {
                            let service = service_fn(move |request: Request<Incoming>| {
                                let respond = respond.clone();
                                let counters = counters.clone();
                                async move {
                                    Ok::<_, Infallible>(answer(&*respond, &counters, request).await)
                                }
                            });
                            let _ = http1::Builder::new()
                                .serve_connection(TokioIo::new(stream), service)
                                .await;
                        });
                    }
                });
            })?;
        Ok(Self {
            address,
            counters,
            shutdown,
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Requests answered or being answered.
    pub fn requests(&self) -> u64 {
        self.counters.requests.load(Ordering::SeqCst)
    }

    /// The most requests that were in progress at once.
    pub fn peak_in_flight(&self) -> u64 {
        self.counters.peak_in_flight.load(Ordering::SeqCst)
    }

    /// Forgets the counts so far.
    pub fn reset_counts(&self) {
        self.counters.requests.store(0, Ordering::SeqCst);
        self.counters.peak_in_flight.store(0, Ordering::SeqCst);
    }
}

async fn answer(
    respond: &Responder,
    counters: &Counters,
    request: Request<Incoming>,
) -> Response<Full<Bytes>> {
    counters.requests.fetch_add(1, Ordering::SeqCst);
    let now = counters.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    counters.peak_in_flight.fetch_max(now, Ordering::SeqCst);
    let fixed = respond(request.uri().path(), request.uri().query());
    if !fixed.latency.is_zero() {
        tokio::time::sleep(fixed.latency).await;
    }
    counters.in_flight.fetch_sub(1, Ordering::SeqCst);
    let mut response = Response::new(Full::new(fixed.body));
    *response.status_mut() = fixed.status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    response
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}
