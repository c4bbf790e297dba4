//! Spending codes together: each code exchange must commit (the code spent, its tokens
//! stored) before it answers, and a durable commit waits for the disk. Exchanges that arrive
//! while one commits wait for the next, which takes them all in one transaction (group
//! commit), so a burst of sign-ins costs a few disk flushes, not one each. Each keeps its
//! own outcome: a code presented twice — even twice in the same batch — is refused and
//! revokes its family, exactly as alone.

use std::sync::OnceLock;

use kernel::db::Db;
use kernel::id::AuthCodeId;
use kernel::{Error, Result, Timestamp};
use tokio::sync::{mpsc, oneshot};

use super::store::{self, TokenRow};

/// What became of one exchange's code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spent {
    /// Spent now; its tokens are stored.
    Issued,
    /// Spent before: its family is revoked and nothing is stored.
    Reused,
}

struct Job {
    code: AuthCodeId,
    /// Stored if the code is spent now; none when the exchange is refused anyway (the code is
    /// spent all the same).
    tokens: Vec<TokenRow>,
    now: Timestamp,
    reply: oneshot::Sender<Result<Spent>>,
}

/// The queue of exchanges waiting to commit; its worker starts with the first.
#[derive(Default)]
pub struct Spender {
    queue: OnceLock<mpsc::Sender<Job>>,
}

/// How many exchanges one transaction takes at most.
const BATCH: usize = 64;

impl Spender {
    /// Spends `code` and, if it was unspent, stores `tokens` — committed when this returns.
    pub async fn spend(
        &self,
        db: &Db,
        code: AuthCodeId,
        tokens: Vec<TokenRow>,
        now: Timestamp,
    ) -> Result<Spent> {
        let queue = self.queue.get_or_init(|| {
            let (sender, receiver) = mpsc::channel(1024);
            tokio::spawn(run(db.clone(), receiver));
            sender
        });
        let (reply, answer) = oneshot::channel();
        queue
            .send(Job {
                code,
                tokens,
                now,
                reply,
            })
            .await
            .map_err(|_| Error::Internal("the code spender has stopped".into()))?;
        answer
            .await
            .map_err(|_| Error::Internal("the code spender dropped an exchange".into()))?
    }
}

/// Takes what is waiting, up to [`BATCH`], and commits it as one; ends when the server does
/// (every sender dropped).
async fn run(db: Db, mut receiver: mpsc::Receiver<Job>) {
    let mut jobs = Vec::with_capacity(BATCH);
    while receiver.recv_many(&mut jobs, BATCH).await > 0 {
        let batch = std::mem::take(&mut jobs);
        match commit(&db, &batch).await {
            Ok(outcomes) => {
                for (job, outcome) in batch.into_iter().zip(outcomes) {
                    let _ = job.reply.send(Ok(outcome));
                }
            }
            // One failure must not fail the others: each again, alone.
            Err(e) if batch.len() > 1 => {
                tracing::warn!(error = %e, jobs = batch.len(), "a batch of code exchanges failed; committing them one by one");
                for job in batch {
                    let outcome = commit(&db, std::slice::from_ref(&job)).await.map(|o| o[0]);
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

async fn commit(db: &Db, jobs: &[Job]) -> Result<Vec<Spent>> {
    let mut tx = db.begin().await?;
    let mut outcomes = Vec::with_capacity(jobs.len());
    // In order, each stored at once: a code presented twice in one batch revokes the tokens
    // its first presentation stored.
    for job in jobs {
        if store::use_code(&mut tx, job.code, job.now).await? {
            if !job.tokens.is_empty() {
                store::insert_tokens(&mut tx, &job.tokens).await?;
            }
            outcomes.push(Spent::Issued);
        } else {
            store::revoke_family(&mut tx, job.code, job.now).await?;
            outcomes.push(Spent::Reused);
        }
    }
    tx.commit().await?;
    Ok(outcomes)
}
