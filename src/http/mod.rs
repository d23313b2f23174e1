//! The HTTP server (SPEC §5): an axum router over the published snapshot,
//! served by hyper with the limits a public server needs from the first
//! day — a header read timeout, header size and count limits, a cap on
//! connections, an idle deadline — and a graceful stop.

mod balance;
pub mod caching;
mod connections;
pub mod error;
pub mod handlers;
pub mod zero_copy;

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use axum::Router;
use axum::routing::get;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::feeds::FeedFormat;
use crate::health::Health;
use crate::metrics::Metrics;
use crate::publish::Published;

/// Longest wait for a request's headers: from the connection's start, or
/// from the end of the answer before on a keep-alive connection. Kept to
/// within [`connections::SWEEP_EVERY`].
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest life of one connection (keep-alive included), kept to within
/// [`connections::SWEEP_EVERY`].
pub const CONNECTION_DEADLINE: Duration = Duration::from_secs(120);
/// Most connections open at once; past it the quietest is closed.
pub const MAX_CONNECTIONS: usize = 2048;
/// Largest request head (request line plus headers), in bytes.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;
/// Most request headers: hyper's own limit. A smaller one set through
/// hyper costs every request a loop that fills its header table.
pub const MAX_HEADERS: usize = 100;
/// Blocking threads of each serving thread's runtime, where queried feeds
/// render: more of them than cores in all only queue work and, each with
/// its own allocator arena, hold memory.
const RENDER_THREADS_PER_CORE: usize = 2;
/// How long a stop waits for requests in flight.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// What every handler reads.
#[derive(Clone)]
pub struct AppState {
    /// The snapshot and its rendered bodies; swapped by ingest.
    pub published: Arc<ArcSwap<Published>>,
    /// Readiness and health.
    pub health: Arc<Health>,
    /// Counters.
    pub metrics: Arc<Metrics>,
}

/// Every route of SPEC §5.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(handlers::index))
        .route("/feeds/{file}", get(handlers::feed))
        .route("/feeds.opml", get(handlers::opml))
        .route("/releases/{id}", get(handlers::release))
        .route("/regions.json", get(handlers::regions))
        .route("/healthz", get(handlers::healthz))
        .route("/metrics", get(handlers::metrics))
        .fallback(handlers::not_found)
        .method_not_allowed_fallback(handlers::method_not_allowed)
        .with_state(state)
}

fn route_label(path: &str) -> &'static str {
    match path.split('/').nth(1).unwrap_or("") {
        "" => "index",
        "feeds" => "feed",
        "feeds.opml" => "opml",
        "releases" => "release",
        "regions.json" => "regions",
        "healthz" => "healthz",
        "metrics" => "metrics",
        _ => "other",
    }
}

/// The unqueried feeds, answered before routing: the request feed readers
/// repeat all day is a lookup in the published bodies, nothing more.
/// Anything else (other methods, queries, encoded names) is routed.
fn unqueried_feed(
    published: &ArcSwap<Published>,
    request: &hyper::Request<hyper::body::Incoming>,
) -> Option<axum::response::Response> {
    if request.method() != hyper::Method::GET || request.uri().query().is_some() {
        return None;
    }
    let name = request.uri().path().strip_prefix("/feeds/")?;
    let (region, extension) = name.rsplit_once('.')?;
    let format = FeedFormat::from_extension(extension)?;
    let published = published.load();
    let body = published.feed(region, format)?;
    Some(caching::respond(
        body,
        request.headers(),
        &published.cache_control,
    ))
}

/// Serves SPEC §5 on `listener` until `stop` is cancelled, then lets
/// requests in flight finish (up to [`DRAIN_TIMEOUT`]).
///
/// Each core gets a thread with a single-threaded runtime of its own that
/// accepts from the shared listening socket and runs its connections to
/// their end; [`balance`] keeps the threads' shares even. A request then
/// never waits for another thread to pick its task up or steal it, which
/// is most of what a multi-threaded scheduler costs per request when the
/// answer is a lookup.
pub async fn serve(listener: TcpListener, state: AppState, stop: CancellationToken) {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let listener = match listener.into_std() {
        Ok(listener) => listener,
        Err(e) => {
            tracing::error!(error = %e, "cannot hand the listening socket to the serving threads");
            return;
        }
    };
    // One table for all threads: the cap is on the process's connections.
    let connections = connections::Connections::new(MAX_CONNECTIONS, CONNECTION_DEADLINE);
    let deadlines = tokio::spawn(connections.clone().keep_deadlines());
    let clock = tokio::runtime::Handle::current();
    let (balance, inboxes) = balance::Balance::new(cores);
    let mut running = Vec::with_capacity(cores);
    for (n, inbox) in inboxes.into_iter().enumerate() {
        let started = listener.try_clone().and_then(|listener| {
            let serving = serve_on(
                Thread {
                    n,
                    balance: balance.clone(),
                    inbox,
                },
                listener,
                state.clone(),
                connections.clone(),
                clock.clone(),
                stop.clone(),
            );
            serving_thread(n, serving)
        });
        match started {
            Ok(done) => running.push(done),
            Err(e) => {
                tracing::warn!(error = %e, "cannot start serving thread {n}");
                balance.retire(n);
            }
        }
    }
    if running.is_empty() {
        let (balance, mut inboxes) = balance::Balance::new(1);
        let inbox = inboxes.remove(0);
        let alone = Thread {
            n: 0,
            balance,
            inbox,
        };
        serve_on(alone, listener, state, connections, clock, stop).await;
    }
    for done in running {
        let _ = done.await;
    }
    deadlines.abort();
}

/// Runs `serving` on a thread of its own with a single-threaded runtime;
/// the receiver resolves when it has ended.
///
/// The runtime has no time driver: turning its wheel on every wake cost
/// each request about 3 % of its instructions, and nothing here needs it
/// often. Header timers belong to [`connections`]; the rare waits (after a
/// failed accept, the drain) sleep on the main runtime's clock, see
/// [`sleep_on`].
fn serving_thread(
    n: usize,
    serving: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<tokio::sync::oneshot::Receiver<()>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .max_blocking_threads(RENDER_THREADS_PER_CORE)
        .build()?;
    let (done_tx, done_rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name(format!("http-{n}"))
        .spawn(move || {
            runtime.block_on(serving);
            let _ = done_tx.send(());
        })?;
    Ok(done_rx)
}

/// Which serving thread a [`serve_on`] is, and its share of the
/// connections.
struct Thread {
    n: usize,
    balance: Arc<balance::Balance>,
    inbox: tokio::sync::mpsc::UnboundedReceiver<balance::Handed>,
}

/// One accept loop and the connections it serves: those it accepted and
/// those handed to it by the other threads.
async fn serve_on(
    mut thread: Thread,
    listener: std::net::TcpListener,
    state: AppState,
    connections: Arc<connections::Connections>,
    clock: tokio::runtime::Handle,
    stop: CancellationToken,
) {
    // Registers the socket with the runtime this runs on.
    let listener = match TcpListener::from_std(listener) {
        Ok(listener) => listener,
        Err(e) => {
            tracing::error!(error = %e, "cannot listen");
            return;
        }
    };
    let router = router(state.clone());
    let (published, metrics) = (state.published, state.metrics);
    let running = TaskTracker::new();
    loop {
        let (stream, peer, seat) = tokio::select! {
            () = stop.cancelled() => break,
            Some(handed) = thread.inbox.recv() => match TcpStream::from_std(handed.stream) {
                Ok(stream) => (stream, handed.peer, handed.seat),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot take over a connection");
                    continue;
                }
            },
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    crate::limits::available();
                    match seat_or_hand_over(&thread, stream, peer) {
                        Some(here) => here,
                        None => continue,
                    }
                }
                Err(e) => {
                    // Out of file descriptors (reported once per episode) and
                    // the like: wait, don't spin. The client waits in the
                    // listen backlog meanwhile.
                    if crate::limits::is_out_of_files(&e) {
                        crate::limits::out_of_files("accepting a connection", &e);
                    } else {
                        tracing::warn!(error = %e, "accept failed");
                    }
                    sleep_on(&clock, Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let ticket = Arc::new(connections.admit());
        let _ = stream.set_nodelay(true);
        let service = {
            let (router, metrics) = (router.clone(), metrics.clone());
            let published = published.clone();
            hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                let fast = unqueried_feed(&published, &request);
                let route = match fast {
                    Some(_) => "feed",
                    None => route_label(request.uri().path()),
                };
                let (mut router, metrics) = (router.clone(), metrics.clone());
                // axum's Router is always ready, so it may be called at once.
                async move {
                    let response = match fast {
                        Some(response) => Ok(response),
                        None => tower::Service::call(&mut router, request).await,
                    };
                    if let Ok(response) = &response {
                        metrics.count_request(route, response.status().as_u16());
                    }
                    response
                }
            })
        };
        let connection = builder(ticket.head_timer())
            .serve_connection(TokioIo::new(zero_copy::Io::new(stream)), service);
        let held = (ticket.clone(), seat);
        let task = running.spawn(async move {
            // Leaves the table and the balance when the task ends or is
            // aborted.
            let _held = held;
            if let Err(e) = connection.await {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
        });
        ticket.runs_in(task.abort_handle());
    }
    drop(listener);
    // Closes the inbox: a thread still accepting serves its connections
    // itself from now on, instead of sending them here to be dropped.
    drop(thread);
    connections.stop_waiting();
    running.close();
    tokio::select! {
        () = running.wait() => {}
        () = sleep_on(&clock, DRAIN_TIMEOUT) => {
            tracing::warn!("requests still in flight after the drain timeout; closing them");
        }
    }
}

/// Seats a connection `thread` accepted: on `thread` (returned), or on
/// another thread serving fewer connections, to which it is sent.
fn seat_or_hand_over(
    thread: &Thread,
    stream: TcpStream,
    peer: std::net::SocketAddr,
) -> Option<(TcpStream, std::net::SocketAddr, balance::Seat)> {
    let seat = thread.balance.seat(thread.n);
    if seat.thread() == thread.n {
        return Some((stream, peer, seat));
    }
    let elsewhere = seat.thread();
    let stream = match stream.into_std() {
        Ok(stream) => stream,
        Err(e) => {
            tracing::debug!(%peer, error = %e, "cannot hand a connection over");
            return None;
        }
    };
    let back = thread
        .balance
        .hand_over(balance::Handed { stream, peer, seat })
        .err()?;
    // That thread has stopped; this one serves the connection.
    thread.balance.retire(elsewhere);
    let mut seat = back.seat;
    seat.move_to(thread.n);
    match TcpStream::from_std(back.stream) {
        Ok(stream) => Some((stream, peer, seat)),
        Err(e) => {
            tracing::warn!(error = %e, "cannot take a connection back");
            None
        }
    }
}

/// Waits `duration` on the timers of the runtime behind `clock`, from a
/// runtime that may have none of its own.
async fn sleep_on(clock: &tokio::runtime::Handle, duration: Duration) {
    // The sleep is made on the clock's runtime (making it here would look
    // for this one's timers); a join handle may be awaited from anywhere.
    let _ = clock
        .spawn(async move { tokio::time::sleep(duration).await })
        .await;
}

fn builder(head_timer: connections::HeadTimer) -> hyper::server::conn::http1::Builder {
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(head_timer)
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .max_buf_size(MAX_HEAD_BYTES.max(8192))
        .keep_alive(true);
    builder
}
