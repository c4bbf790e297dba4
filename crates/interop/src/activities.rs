//! Activities in: an outside tool (or a person's script) posts an ActivityStreams 2.0
//! activity to a group. It is written to the one activity log like a built-in tool's, so it
//! reaches members' feeds, inboxes, live streams and webhooks the same way, named by the
//! tool and linking back to where it happened.

use std::collections::BTreeMap;

use kernel::activity::{self, Audience, NewActivity, ObjectRef};
use kernel::error::Validation;
use kernel::groups::service::load;
use kernel::id::{AccountId, ActivityId, GroupId};
use kernel::people::Actor;
use kernel::policy::Action;
use kernel::{Kernel, Result, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The activity types of ActivityStreams 2.0 (section 3.3 of the vocabulary). A tool may
/// also use its own, prefixed: `loomio:Closed`.
const TYPES: [&str; 28] = [
    "Accept",
    "Add",
    "Announce",
    "Arrive",
    "Block",
    "Create",
    "Delete",
    "Dislike",
    "Flag",
    "Follow",
    "Ignore",
    "Invite",
    "Join",
    "Leave",
    "Like",
    "Listen",
    "Move",
    "Offer",
    "Question",
    "Reject",
    "Read",
    "Remove",
    "TentativeReject",
    "TentativeAccept",
    "Travel",
    "Undo",
    "Update",
    "View",
];

/// Most bytes of extra ActivityStreams properties kept with an activity.
const MAX_EXTRA: usize = 16 * 1024;

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct IncomingObject {
    /// `Note`, `Document`, `Question`, `Event`… or the tool's own (`loomio:Poll`).
    #[serde(rename = "type")]
    pub kind: String,
    /// The thing's IRI in the tool (its link back, when it is an `https` URL).
    pub id: String,
    /// A short public label ("Where to plant the apple trees").
    pub name: Option<String>,
    /// Where a person sees it, when not at `id`.
    pub url: Option<String>,
}

/// An ActivityStreams activity. Properties not named here are kept as they are (up to
/// 16 KiB) and given back with the activity.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct IncomingActivity {
    #[serde(rename = "type")]
    pub kind: String,
    /// One line a person reads ("Kofi started a proposal: Where to plant").
    pub summary: String,
    pub object: IncomingObject,
    pub target: Option<IncomingObject>,
    /// Where a person sees what happened (defaults to the object's `url`, then its `id`).
    pub url: Option<String>,
    /// Members to notify directly, by handle or id (each must belong to the group).
    #[serde(default)]
    pub to: Vec<String>,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

/// What was written.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Posted {
    pub id: ActivityId,
    #[serde(rename = "type")]
    pub kind: String,
    pub tool: String,
    pub group: GroupId,
    pub summary: String,
    pub object: ObjectRef,
    pub url: Option<String>,
    pub to: Vec<AccountId>,
    pub published: Timestamp,
}

fn check_type(kind: &str) -> std::result::Result<(), String> {
    let extension = kind.split_once(':').is_some_and(|(prefix, name)| {
        (1..=32).contains(&prefix.len())
            && prefix
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            && (1..=64).contains(&name.len())
            && name.bytes().all(|b| b.is_ascii_alphanumeric())
            // `weft:` and the built-in tools' prefixes are the kernel's and theirs alone.
            && !kernel::tool::RESERVED_NAMES.contains(&prefix)
    });
    if TYPES.contains(&kind) || extension {
        Ok(())
    } else {
        Err("an ActivityStreams activity type (Create, Update, Announce…) or your own as prefix:Name".into())
    }
}

fn check_text(text: &str, max: usize) -> std::result::Result<(), String> {
    if text.trim().is_empty() {
        return Err("must not be empty".into());
    }
    if text.chars().count() > max {
        return Err(format!("at most {max} characters"));
    }
    if text.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    Ok(())
}

fn check_object(v: &mut Validation, field: &str, o: &IncomingObject) {
    v.check(&format!("{field}.type"), check_object_type(&o.kind));
    v.check(&format!("{field}.id"), check_iri(&o.id));
    if let Some(name) = &o.name {
        v.check(&format!("{field}.name"), check_text(name, 200));
    }
    if let Some(url) = &o.url {
        v.check(&format!("{field}.url"), check_link(url));
    }
}

fn check_object_type(kind: &str) -> std::result::Result<(), String> {
    let ok = (1..=64).contains(&kind.len())
        && kind
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b':' || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err("1–64 letters, digits, `:`, `_` or `-` (Note, Document, loomio:Poll…)".into())
    }
}

/// An absolute IRI: an `http(s)` URL or a URN.
fn check_iri(id: &str) -> std::result::Result<(), String> {
    if id.len() > 2000 {
        return Err("at most 2,000 characters".into());
    }
    match url::Url::parse(id) {
        Ok(u) if matches!(u.scheme(), "http" | "https" | "urn") => Ok(()),
        _ => Err("an absolute IRI: the thing's https URL in your tool, or a urn:".into()),
    }
}

/// A link a person follows: `http(s)` only.
fn check_link(url: &str) -> std::result::Result<(), String> {
    if url.len() > 2000 {
        return Err("at most 2,000 characters".into());
    }
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(()),
        _ => Err("an absolute http(s) URL".into()),
    }
}

/// Posts `input` to the group: tools where they are turned on, people who may post there.
pub async fn post(
    k: &Kernel,
    actor: &Actor,
    group_key: &str,
    input: IncomingActivity,
) -> Result<Posted> {
    let group = load(k, Some(actor), group_key).await?;
    group.authorize(Some(actor), Action::Post)?;

    let mut v = Validation::new();
    v.check("type", check_type(&input.kind));
    v.check("summary", check_text(&input.summary, 500));
    check_object(&mut v, "object", &input.object);
    if let Some(target) = &input.target {
        check_object(&mut v, "target", target);
    }
    if let Some(url) = &input.url {
        v.check("url", check_link(url));
    }
    if input.to.len() > 100 {
        v.push("to", "at most 100 people");
    }
    // Our own properties may not be smuggled in through the extras.
    let extra: BTreeMap<String, serde_json::Value> = input
        .extra
        .into_iter()
        .filter(|(k, _)| {
            !matches!(
                k.as_str(),
                "@context" | "id" | "actor" | "published" | "audience" | "tool" | "restricted"
            )
        })
        .collect();
    let extra = serde_json::Value::Object(extra.into_iter().collect());
    if serde_json::to_string(&extra).map_or(0, |s| s.len()) > MAX_EXTRA {
        v.push("", "the activity's other properties exceed 16 KiB");
    }
    // People named must be members of the group.
    let mut to = Vec::new();
    for (i, who) in input.to.iter().enumerate() {
        match kernel::groups::service::member_id(k, group.row.id, who).await? {
            Some(id) => to.push(id),
            None => v.push(format!("to[{i}]"), "not a member of this group"),
        }
    }
    v.finish()?;
    to.sort();
    to.dedup();

    let url = input.url.or_else(|| input.object.url.clone()).or_else(|| {
        input
            .object
            .id
            .starts_with("http")
            .then(|| input.object.id.clone())
    });
    let tool = if actor.is_tool() {
        actor.handle.clone()
    } else {
        "api".to_string()
    };
    let object = ObjectRef::new(
        &input.object.kind,
        &input.object.id,
        input.object.name.as_deref(),
    );
    let mut new = NewActivity::new(
        &input.kind,
        Some(actor.account),
        object.clone(),
        Audience::Group(group.row.id),
    )
    .tool(&tool)
    .summary(input.summary.trim())
    .extra(extra);
    if let Some(t) = &input.target {
        new = new.target(ObjectRef::new(&t.kind, &t.id, t.name.as_deref()));
    }
    if !to.is_empty() {
        new = new.notify(to.clone(), &format!("{tool}_mention"));
    }
    new.url = url.clone();
    let now = k.now();
    let mut tx = k.db.begin().await?;
    let id = activity::record(&mut tx, now, new).await?;
    tx.commit().await?;
    Ok(Posted {
        id,
        kind: input.kind,
        tool,
        group: group.row.id,
        summary: input.summary.trim().to_string(),
        object,
        url,
        to,
        published: now,
    })
}
