//! What an activity is, as written and as read.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::id::{AccountId, ActivityId, GroupId};
use crate::{Error, Result, Timestamp};

/// The ActivityStreams context every activity names.
pub const CONTEXT: &str = "https://www.w3.org/ns/activitystreams";

/// Who an activity is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// Whoever may read the group's content.
    Group(GroupId),
    /// Only these accounts (a room's participants, a DM, a person's own record), optionally
    /// within a group.
    Accounts {
        group: Option<GroupId>,
        accounts: Vec<AccountId>,
    },
}

impl Audience {
    pub fn group(&self) -> Option<GroupId> {
        match self {
            Audience::Group(g) => Some(*g),
            Audience::Accounts { group, .. } => *group,
        }
    }
}

/// A thing an activity is about, named by type and id — never its private content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ObjectRef {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    /// A public label (a group's name, a person's handle); never private text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl ObjectRef {
    pub fn new(kind: &str, id: impl ToString, name: Option<&str>) -> Self {
        Self {
            kind: kind.into(),
            id: id.to_string(),
            name: name.map(str::to_string),
        }
    }
}

/// An activity to write.
#[derive(Debug, Clone)]
pub struct NewActivity {
    /// An ActivityStreams type (`Create`, `Join`, `Invite`…) or a `weft:` extension.
    pub kind: String,
    pub actor: Option<AccountId>,
    pub object: ObjectRef,
    pub target: Option<ObjectRef>,
    pub audience: Audience,
    /// People the activity names directly: each gets a notification with `reason`.
    pub to: Vec<AccountId>,
    pub reason: Option<String>,
    /// The tool it comes from (`groups`, `people`, a tool's name).
    pub tool: String,
    /// One line a person reads ("amara joined Riverside Garden").
    pub summary: String,
    /// A link back to the thing, for outside tools.
    pub url: Option<String>,
    pub extra: serde_json::Value,
}

impl NewActivity {
    pub fn new(
        kind: &str,
        actor: Option<AccountId>,
        object: ObjectRef,
        audience: Audience,
    ) -> Self {
        Self {
            kind: kind.into(),
            actor,
            object,
            target: None,
            audience,
            to: Vec::new(),
            reason: None,
            tool: "groups".into(),
            summary: String::new(),
            url: None,
            extra: serde_json::Value::Object(Default::default()),
        }
    }

    pub fn target(mut self, target: ObjectRef) -> Self {
        self.target = Some(target);
        self
    }

    /// Names people directly: they get a notification saying `reason`.
    pub fn notify(mut self, to: impl IntoIterator<Item = AccountId>, reason: &str) -> Self {
        self.to.extend(to);
        self.reason = Some(reason.into());
        self
    }

    pub fn tool(mut self, tool: &str) -> Self {
        self.tool = tool.into();
        self
    }

    pub fn summary(mut self, summary: impl Into<String>) -> Self {
        self.summary = summary.into();
        self
    }

    pub fn extra(mut self, extra: serde_json::Value) -> Self {
        self.extra = extra;
        self
    }
}

/// A person as an activity shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ActorRef {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: AccountId,
    pub handle: String,
    pub name: String,
}

/// The group an activity is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AudienceRef {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: GroupId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handle: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// An ActivityStreams 2.0 activity as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Activity {
    #[serde(rename = "@context")]
    pub context: String,
    pub id: ActivityId,
    #[serde(rename = "type")]
    pub kind: String,
    pub actor: Option<ActorRef>,
    pub object: ObjectRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<ObjectRef>,
    /// The group it happened in, if any.
    pub audience: Option<AudienceRef>,
    /// True when only the people in `to` see it, not the whole group.
    pub restricted: bool,
    /// The people it names directly.
    pub to: Vec<AccountId>,
    pub published: Timestamp,
    pub tool: String,
    pub summary: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    #[schema(value_type = Object)]
    pub extra: serde_json::Value,
}

/// A position in the log: after the activity `id` written by transaction `pos`. Shown to
/// clients as `pos.id` (the SSE event id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cursor {
    pub pos: i64,
    pub id: Uuid,
}

impl Cursor {
    pub const START: Cursor = Cursor {
        pos: 0,
        id: Uuid::nil(),
    };
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.pos, self.id.simple())
    }
}

impl FromStr for Cursor {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let bad = || Error::BadRequest("not a position in the activity log".into());
        let (pos, id) = s.split_once('.').ok_or_else(bad)?;
        Ok(Cursor {
            pos: pos.parse().map_err(|_| bad())?,
            id: Uuid::parse_str(id).map_err(|_| bad())?,
        })
    }
}
