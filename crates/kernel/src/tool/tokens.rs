//! Writing outside tools' group tokens together. Each token is stored (as its SHA-256) before
//! it is handed out, and a durable commit waits for the disk: tokens asked for while one
//! commits wait for the next, which stores them all in one transaction (group commit), so a
//! burst of token requests costs a few disk flushes, not one each.

use std::sync::Arc;

use crate::Result;
use crate::db::Db;
use crate::group_commit::{GroupCommit, Write};
use crate::tool::store::{self, NewToolToken};

/// The queue of tokens waiting to be stored.
#[derive(Default)]
pub struct TokenWriter(GroupCommit);

impl TokenWriter {
    /// Stores `token` — committed when this returns.
    pub async fn write(&self, db: &Db, token: NewToolToken) -> Result<()> {
        let token = Arc::new(token);
        let write: Write = Arc::new(move |tx| {
            let token = token.clone();
            Box::pin(async move {
                store::insert_tokens(tx, &[&*token]).await?;
                Ok(true)
            })
        });
        self.0.write(db, write).await.map(|_| ())
    }
}
