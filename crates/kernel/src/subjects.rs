//! What the shared services (`files`, `comments`) attach to: a thing of some tool — a poll, a
//! task, a bucket — named by a type and an id. The tool that owns the type says which group a
//! thing lives in and who may read it (`Subject`), through `Tool::subjects`; the services ask
//! before every read and write, so a comment or a file is never more visible than what it is
//! about. A group itself is the one subject the kernel owns (`group`, by id or handle).

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::future::BoxFuture;

use crate::groups::access::{Loaded, load};
use crate::people::Actor;
use crate::policy::Action;
use crate::{Error, Kernel, Result};

/// A thing found for a reader: the group it lives in, and its id as stored — one spelling
/// per thing (a group's id, never its handle), so a handle renamed and taken by another
/// group can never carry files or comments over.
pub struct Found {
    pub group: Loaded,
    pub id: String,
    /// Who may read the thing, so what is said about it (a comment's activity, a mention)
    /// reaches no one else.
    pub readers: Readers,
}

/// Who may read a thing: whoever reads its group's content, or only some accounts (a private
/// room's participants, a person's own account).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readers {
    Group,
    Only(Vec<crate::id::AccountId>),
}

impl Readers {
    /// Whether `account`, a member of the group, may read the thing.
    pub fn include(&self, account: crate::id::AccountId) -> bool {
        match self {
            Readers::Group => true,
            Readers::Only(accounts) => accounts.contains(&account),
        }
    }

    /// The audience of an activity about the thing in `group`.
    pub fn audience(&self, group: crate::id::GroupId) -> crate::activity::Audience {
        match self {
            Readers::Group => crate::activity::Audience::Group(group),
            Readers::Only(accounts) => crate::activity::Audience::Accounts {
                group: Some(group),
                accounts: accounts.clone(),
            },
        }
    }
}

/// A tool's kind of thing, as the shared services see it.
pub trait Subject: Send + Sync {
    /// The thing `id` names, when `actor` may read it; `NotFound` when there is no such thing
    /// or it is not theirs to see (one answer for both, so ids cannot be probed).
    fn readable<'a>(
        &'a self,
        k: &'a Kernel,
        actor: Option<&'a Actor>,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Found>>;
}

/// The subject types this server knows: the kernel's `group` and each tool's.
#[derive(Clone)]
pub struct Subjects(BTreeMap<String, Arc<dyn Subject>>);

impl Default for Subjects {
    fn default() -> Self {
        let mut types: BTreeMap<String, Arc<dyn Subject>> = BTreeMap::new();
        types.insert("group".into(), Arc::new(GroupSubject));
        Subjects(types)
    }
}

impl Subjects {
    /// Adds a tool's subject type. Panics on a type named twice: a wiring mistake.
    pub fn add(&mut self, kind: &str, subject: Arc<dyn Subject>) {
        assert!(
            self.0.insert(kind.to_string(), subject).is_none(),
            "two subjects of type {kind}"
        );
    }

    pub fn kinds(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    /// The thing `kind`/`id`, if `actor` may read it.
    pub async fn readable(
        &self,
        k: &Kernel,
        actor: Option<&Actor>,
        kind: &str,
        id: &str,
    ) -> Result<Found> {
        let subject = self
            .0
            .get(kind)
            .ok_or_else(|| Error::invalid("subject_type", "no such kind of thing"))?;
        if id.is_empty() || id.len() > 200 {
            return Err(Error::invalid("subject_id", "1 to 200 characters"));
        }
        subject.readable(k, actor, id).await
    }

    /// The thing a stored row (a file, a comment) hangs off, read again for `actor`: when
    /// the thing is gone, unknown or not theirs to see, the row is `NotFound(what)` — one
    /// answer, so a row's id tells nothing of its thing.
    pub async fn of_row(
        &self,
        k: &Kernel,
        actor: Option<&Actor>,
        kind: &str,
        id: &str,
        what: &'static str,
    ) -> Result<Found> {
        self.readable(k, actor, kind, id)
            .await
            .map_err(|e| match e {
                Error::NotFound(_) | Error::Invalid(_) => Error::NotFound(what),
                other => other,
            })
    }
}

/// A group, by id or handle: readable by whoever may read its content.
struct GroupSubject;

impl Subject for GroupSubject {
    fn readable<'a>(
        &'a self,
        k: &'a Kernel,
        actor: Option<&'a Actor>,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Found>> {
        Box::pin(async move {
            let group = load(k, actor, id).await?;
            group.authorize(actor, Action::Read)?;
            let id = group.row.id.to_string();
            Ok(Found {
                group,
                id,
                readers: Readers::Group,
            })
        })
    }
}
