//! systemd integration through sd-notify: READY, RELOADING, STOPPING,
//! WATCHDOG and the socket a `.socket` unit passes. Every call is a no-op
//! outside systemd (no `NOTIFY_SOCKET`, no `LISTEN_FDS`).

use std::time::Duration;

use sd_notify::NotifyState;

fn send(states: &[NotifyState<'_>]) {
    if let Err(e) = sd_notify::notify(states) {
        tracing::warn!(error = %e, "cannot notify systemd");
    }
}

/// The first scan is done and the server accepts connections.
pub fn ready(status: &str) {
    send(&[NotifyState::Ready, NotifyState::Status(status)]);
}

/// A reload (SIGHUP) has begun; `ready` follows when it is done.
pub fn reloading() {
    let now = NotifyState::monotonic_usec_now();
    match now {
        Ok(now) => send(&[NotifyState::Reloading, now]),
        Err(_) => send(&[NotifyState::Reloading]),
    }
}

/// Shutdown has begun.
pub fn stopping() {
    send(&[NotifyState::Stopping]);
}

/// Alive and healthy: resets the watchdog timer.
pub fn watchdog() {
    send(&[NotifyState::Watchdog]);
}

/// A short status line for `systemctl status`.
pub fn status(text: &str) {
    send(&[NotifyState::Status(text)]);
}

/// How often to ping the watchdog (half its timeout), when it is enabled.
pub fn watchdog_period() -> Option<Duration> {
    sd_notify::watchdog_enabled().map(|d| d / 2)
}

/// The listening socket passed by socket activation, if any.
pub fn activated_listener() -> std::io::Result<Option<std::net::TcpListener>> {
    use std::os::fd::FromRawFd;
    let Some(fd) = sd_notify::listen_fds()?.next() else {
        return Ok(None);
    };
    // systemd hands the descriptor to this process alone, once.
    let listener = unsafe { std::net::TcpListener::from_raw_fd(fd) };
    listener.set_nonblocking(true)?;
    Ok(Some(listener))
}
