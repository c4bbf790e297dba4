//! Small writes of many requests committed together. A durable commit waits for the disk;
//! writes asked for while one commits wait for the next, which runs them all in one
//! transaction (group commit) — so a burst of votes costs a few disk flushes, not one each.
//! Each write answers as if it ran alone: if a batch fails, each of its writes runs again in
//! its own transaction, and only the failing one fails.

use std::sync::{Arc, OnceLock};

use futures::future::BoxFuture;
use tokio::sync::{mpsc, oneshot};

use crate::db::{Db, Tx};
use crate::{Error, Result};

/// One write: run in a transaction it shares, answering what it reports (a row written or
/// not). It may run twice — once in a batch that failed, once alone — and must be safe so.
pub type Write = Arc<dyn for<'t> Fn(&'t mut Tx) -> BoxFuture<'t, Result<bool>> + Send + Sync>;

struct Job {
    write: Write,
    reply: oneshot::Sender<Result<bool>>,
}

/// The queue of writes waiting to be committed; its worker starts with the first.
#[derive(Default)]
pub struct GroupCommit {
    queue: OnceLock<mpsc::Sender<Job>>,
}

/// How many writes one transaction holds at most.
const BATCH: usize = 128;

impl GroupCommit {
    /// Runs `write` and commits it — committed when this returns.
    pub async fn write(&self, db: &Db, write: Write) -> Result<bool> {
        let queue = self.queue.get_or_init(|| {
            let (sender, receiver) = mpsc::channel(4096);
            tokio::spawn(run(db.clone(), receiver));
            sender
        });
        let (reply, answer) = oneshot::channel();
        queue
            .send(Job { write, reply })
            .await
            .map_err(|_| Error::Internal("the group commit writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| Error::Internal("the group commit writer dropped a write".into()))?
    }
}

async fn run(db: Db, mut receiver: mpsc::Receiver<Job>) {
    let mut jobs = Vec::with_capacity(BATCH);
    while receiver.recv_many(&mut jobs, BATCH).await > 0 {
        let batch = std::mem::take(&mut jobs);
        match commit(&db, &batch).await {
            Ok(answers) => {
                for (job, answer) in batch.into_iter().zip(answers) {
                    let _ = job.reply.send(Ok(answer));
                }
            }
            Err(e) if batch.len() > 1 => {
                tracing::warn!(error = %e, writes = batch.len(), "a batch of writes failed; committing them one by one");
                for job in batch {
                    let outcome = commit(&db, std::slice::from_ref(&job))
                        .await
                        .map(|answers| answers[0]);
                    let _ = job.reply.send(outcome);
                }
            }
            Err(e) => {
                for job in batch {
                    let _ = job.reply.send(Err(clone_error(&e)));
                }
            }
        }
    }
}

async fn commit(db: &Db, jobs: &[Job]) -> Result<Vec<bool>> {
    let mut tx = db.begin().await?;
    let mut answers = Vec::with_capacity(jobs.len());
    for job in jobs {
        answers.push((job.write)(&mut tx).await?);
    }
    tx.commit().await?;
    Ok(answers)
}

fn clone_error(e: &Error) -> Error {
    match e {
        Error::Conflict { field, detail } => Error::Conflict {
            field: field.clone(),
            detail: detail.clone(),
        },
        other => Error::Internal(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_query::{Alias, Expr, ExprTrait, Query};

    #[tokio::test]
    async fn writes_asked_together_commit_and_answer_each_alone() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(
            &Db::sqlite_url_in(dir.path()),
            &crate::db::DbOptions {
                run_migrations: false,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let mut tx = db.begin().await.unwrap();
        tx.execute_raw("CREATE TABLE t (k INTEGER PRIMARY KEY)")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let writer = Arc::new(GroupCommit::default());
        let mut handles = Vec::new();
        for i in 0..200_i64 {
            // Every tenth repeats a key: it alone fails, the rest of its batch stands.
            let key = if i % 10 == 9 { i - 1 } else { i };
            let (writer, db) = (writer.clone(), db.clone());
            handles.push(tokio::spawn(async move {
                let write: Write = Arc::new(move |tx| {
                    Box::pin(async move {
                        tx.execute(
                            Query::insert()
                                .into_table(Alias::new("t"))
                                .columns([Alias::new("k")])
                                .values_panic([key.into()]),
                        )
                        .await
                        .map(|n| n > 0)
                    })
                });
                writer.write(&db, write).await
            }));
        }
        let mut failed = 0;
        for h in handles {
            if h.await.unwrap().is_err() {
                failed += 1;
            }
        }
        assert_eq!(failed, 20);
        let (n,): (i64,) = db
            .fetch_one(
                Query::select()
                    .expr(Expr::col(Alias::new("k")).count())
                    .from(Alias::new("t")),
            )
            .await
            .unwrap();
        assert_eq!(n, 180);
    }
}
