//! Reading a group's activity through the policy.

use crate::groups::access::load;
use crate::page::{Page, PageRequest};
use crate::people::Actor;
use crate::policy::Action;
use crate::{Kernel, Result};

use super::log::activities_of;
use super::model::Activity;
use super::store;

/// A group's activities the caller may see, newest first: everything addressed to the group
/// (for whoever may read its content) and what names the caller directly.
pub async fn group_activities(
    k: &Kernel,
    actor: Option<&Actor>,
    key: &str,
    page: &PageRequest,
) -> Result<Page<Activity>> {
    let limit = page.limit()?;
    let group = load(k, actor, key).await?;
    group.authorize(actor, Action::Read)?;
    let rows = store::group_feed(
        &k.db,
        group.row.id,
        actor.map(|a| a.account),
        page.after()?,
        limit,
    )
    .await?;
    let activities = activities_of(&k.db, rows).await?;
    Ok(Page::from_rows(
        activities.into_iter().map(|l| l.activity).collect(),
        limit,
        |a| a.id.0,
    ))
}
