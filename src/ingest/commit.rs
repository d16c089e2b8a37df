//! Commits off the reading thread: fsyncing megabytes of output takes longer than reading and
//! normalizing the next second's records, so a worker waits for the disk and writes the state
//! while the follower goes on. Order is kept: one commit in flight at a time, each after the
//! output it counts was flushed (by the follower) and fsynced (here), so a crash still leaves
//! the last commit behind the output, never ahead of it.

use super::state::{Commit, State, StateError};
use std::fs::File;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

/// What stops `follow`: its state, or an output it cannot write. Here, with the commit worker
/// that meets both, so `follow` depends on `commit` and never the other way round.
#[derive(Debug, thiserror::Error)]
pub enum FollowError {
    #[error(transparent)]
    State(#[from] StateError),
    #[error("cannot write {role}: {source}")]
    Output {
        role: &'static str,
        #[source]
        source: std::io::Error,
    },
}

/// One commit: the output files to fsync first, then the state to write.
pub struct Job {
    pub sync: Vec<(&'static str, File)>,
    pub commit: Commit,
}

pub struct Committer {
    state: Arc<Mutex<State>>,
    jobs: Option<Sender<Job>>,
    done: Receiver<Result<(), FollowError>>,
    in_flight: bool,
    worker: Option<JoinHandle<()>>,
}

impl Committer {
    pub fn new(state: State) -> Committer {
        let state = Arc::new(Mutex::new(state));
        let (jobs, inbox) = channel::<Job>();
        let (report, done) = channel();
        let shared = Arc::clone(&state);
        let worker = std::thread::spawn(move || {
            for job in inbox {
                let result = run(&shared, job);
                if report.send(result).is_err() {
                    return;
                }
            }
        });
        Committer {
            state,
            jobs: Some(jobs),
            done,
            in_flight: false,
            worker: Some(worker),
        }
    }

    /// The state, for reads (waits while a commit writes it).
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Hands `job` to the worker, after the previous commit has finished (its error, if any, is
    /// returned now).
    pub fn submit(&mut self, job: Job) -> Result<(), FollowError> {
        self.wait()?;
        let jobs = self.jobs.as_ref().expect("committer is open");
        jobs.send(job).map_err(|_| worker_gone())?;
        self.in_flight = true;
        Ok(())
    }

    /// Waits for the commit in flight.
    pub fn wait(&mut self) -> Result<(), FollowError> {
        if !self.in_flight {
            return Ok(());
        }
        self.in_flight = false;
        self.done.recv().map_err(|_| worker_gone())?
    }
}

impl Drop for Committer {
    fn drop(&mut self) {
        let _ = self.wait();
        self.jobs.take();
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}

fn run(state: &Mutex<State>, job: Job) -> Result<(), FollowError> {
    for (role, file) in &job.sync {
        file.sync_data()
            .map_err(|source| FollowError::Output { role, source })?;
    }
    let mut state = state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    state.commit(&job.commit)?;
    Ok(())
}

fn worker_gone() -> FollowError {
    FollowError::State(StateError::Io {
        path: "commit worker".into(),
        source: std::io::Error::other("the commit worker stopped"),
    })
}
