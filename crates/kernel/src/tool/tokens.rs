//! Writing outside tools' group tokens together. Each token is stored (as its SHA-256) before
//! it is handed out, and a durable commit waits for the disk: tokens asked for while one
//! commits wait for the next, which stores them all in one transaction (group commit), so a
//! burst of token requests costs a few disk flushes, not one each.

use std::sync::OnceLock;

use tokio::sync::{mpsc, oneshot};

use crate::db::Db;
use crate::tool::store::{self, NewToolToken};
use crate::{Error, Result};

struct Job {
    token: NewToolToken,
    reply: oneshot::Sender<Result<()>>,
}

/// The queue of tokens waiting to be stored; its worker starts with the first.
#[derive(Default)]
pub struct TokenWriter {
    queue: OnceLock<mpsc::Sender<Job>>,
}

/// How many tokens one transaction stores at most.
const BATCH: usize = 64;

impl TokenWriter {
    /// Stores `token` — committed when this returns.
    pub async fn write(&self, db: &Db, token: NewToolToken) -> Result<()> {
        let queue = self.queue.get_or_init(|| {
            let (sender, receiver) = mpsc::channel(1024);
            tokio::spawn(run(db.clone(), receiver));
            sender
        });
        let (reply, answer) = oneshot::channel();
        queue
            .send(Job { token, reply })
            .await
            .map_err(|_| Error::Internal("the token writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| Error::Internal("the token writer dropped a token".into()))?
    }
}

/// Takes what is waiting, up to [`BATCH`], and commits it as one; ends when the server does.
async fn run(db: Db, mut receiver: mpsc::Receiver<Job>) {
    let mut jobs = Vec::with_capacity(BATCH);
    while receiver.recv_many(&mut jobs, BATCH).await > 0 {
        let batch = std::mem::take(&mut jobs);
        match commit(&db, &batch).await {
            Ok(()) => {
                for job in batch {
                    let _ = job.reply.send(Ok(()));
                }
            }
            // One failure must not fail the others: each again, alone.
            Err(e) if batch.len() > 1 => {
                tracing::warn!(error = %e, jobs = batch.len(), "a batch of tool tokens failed; storing them one by one");
                for job in batch {
                    let outcome = commit(&db, std::slice::from_ref(&job)).await;
                    let _ = job.reply.send(outcome);
                }
            }
            Err(e) => {
                for job in batch {
                    let _ = job.reply.send(Err(Error::Internal(e.to_string())));
                }
            }
        }
    }
}

async fn commit(db: &Db, jobs: &[Job]) -> Result<()> {
    let mut tx = db.begin().await?;
    let tokens: Vec<&NewToolToken> = jobs.iter().map(|j| &j.token).collect();
    store::insert_tokens(&mut tx, &tokens).await?;
    tx.commit().await
}
