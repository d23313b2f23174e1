//! Whether the daemon is fit to serve: ready once the first scan is done,
//! and healthy while the watcher is alive and the store answers. `/healthz`
//! and the systemd watchdog both read it.

use std::sync::Mutex;

/// Shared health state; written by the daemon's tasks, read by HTTP.
#[derive(Debug, Default)]
pub struct Health {
    state: Mutex<State>,
}

#[derive(Debug, Default, Clone)]
struct State {
    ready: bool,
    problem: Option<String>,
}

impl Health {
    /// Marks the first scan done.
    pub fn set_ready(&self) {
        self.lock().ready = true;
    }

    /// Records a problem (store failing, watcher dead) or clears it.
    pub fn set_problem(&self, problem: Option<String>) {
        self.lock().problem = problem;
    }

    /// `Ok` when ready and without problems, else the reason.
    pub fn status(&self) -> Result<(), String> {
        let state = self.lock().clone();
        match (state.ready, state.problem) {
            (_, Some(problem)) => Err(problem),
            (false, None) => {
                Err("starting: the first scan of the watched folders is not done".into())
            }
            (true, None) => Ok(()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is two plain fields: a panic elsewhere cannot leave it torn.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
