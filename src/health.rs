//! Whether the daemon is fit to serve: ready once the first scan is done,
//! and healthy while every part reports no problem (the store can be
//! written, the folders are watched, release files can be opened).
//! `/healthz` reads it; the systemd status line shows it.

use std::collections::BTreeMap;
use std::sync::Mutex;

/// Shared health state; written by the daemon's tasks, read by HTTP.
#[derive(Debug, Default)]
pub struct Health {
    state: Mutex<State>,
}

#[derive(Debug, Default, Clone)]
struct State {
    ready: bool,
    /// The current problem of each part, by the part's name.
    problems: BTreeMap<&'static str, String>,
}

impl Health {
    /// Marks the first scan done.
    pub fn set_ready(&self) {
        self.lock().ready = true;
    }

    /// Whether the first scan is done, problems or not.
    pub fn is_ready(&self) -> bool {
        self.lock().ready
    }

    /// Records the problem of one part (`store`, `watcher`, `files`), or
    /// clears it with `None`. Returns true when that changed anything.
    pub fn set_problem(&self, part: &'static str, problem: Option<String>) -> bool {
        let mut state = self.lock();
        match problem {
            Some(problem) => state.problems.insert(part, problem.clone()) != Some(problem),
            None => state.problems.remove(part).is_some(),
        }
    }

    /// The problem `part` has now, if any.
    pub fn problem(&self, part: &str) -> Option<String> {
        self.lock().problems.get(part).cloned()
    }

    /// `Ok` when ready and without problems, else the reason: every
    /// problem as `part: what`, joined by `; `.
    pub fn status(&self) -> Result<(), String> {
        let state = self.lock().clone();
        if !state.problems.is_empty() {
            let reasons: Vec<String> = state
                .problems
                .iter()
                .map(|(part, problem)| format!("{part}: {problem}"))
                .collect();
            return Err(reasons.join("; "));
        }
        if !state.ready {
            return Err("starting: the first scan of the watched folders is not done".into());
        }
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is plain data: a panic elsewhere cannot leave it torn.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_of_each_part_are_kept_apart() {
        let health = Health::default();
        assert!(health.status().is_err(), "not ready yet");
        health.set_ready();
        assert_eq!(health.status(), Ok(()));
        assert!(health.set_problem("watcher", Some("no watches left".into())));
        assert!(!health.set_problem("watcher", Some("no watches left".into())));
        assert!(health.set_problem("store", Some("disk full".into())));
        assert_eq!(
            health.status(),
            Err("store: disk full; watcher: no watches left".into())
        );
        assert!(health.set_problem("store", None));
        assert!(!health.set_problem("store", None));
        assert_eq!(health.status(), Err("watcher: no watches left".into()));
        health.set_problem("watcher", None);
        assert_eq!(health.status(), Ok(()));
    }
}
