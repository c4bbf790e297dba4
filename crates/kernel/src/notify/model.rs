//! Notifications' types.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::activity::Activity;
use crate::groups::model::GroupSummary;
use crate::id::ActivityId;

/// How much of a group's activity reaches a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Everything that happens in the group.
    #[default]
    All,
    /// Only what names the person directly.
    Mentions,
    /// Nothing.
    Mute,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::All => "all",
            Level::Mentions => "mentions",
            Level::Mute => "mute",
        }
    }

    pub fn parse(s: &str) -> Level {
        match s {
            "mentions" => Level::Mentions,
            "mute" => Level::Mute,
            _ => Level::All,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum NotificationKind {
    /// It names you: an invitation, a request to decide, a change to your role, a mention.
    Direct,
    /// It happened in one of your groups.
    Group,
}

/// One item of a person's inbox. Its id is the activity's.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Notification {
    pub id: ActivityId,
    pub kind: NotificationKind,
    /// Why it names you (`invitation`, `join_request`, `role_changed`…), for direct ones.
    pub reason: Option<String>,
    pub read: bool,
    pub activity: Activity,
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationFilter {
    /// Only this group (id or handle).
    pub group: Option<String>,
    /// Only this tool's activities.
    pub tool: Option<String>,
    /// Only unread items.
    pub unread: Option<bool>,
}

/// What to mark read: some items, a group up to an item, or everything.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkRead {
    pub ids: Option<Vec<ActivityId>>,
    /// With `up_to`: everything in this group (id or handle) up to and including that item.
    pub group: Option<String>,
    pub up_to: Option<ActivityId>,
    pub all: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GroupUnread {
    pub group: GroupSummary,
    pub unread: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UnreadCounts {
    /// Every unread item.
    pub total: i64,
    /// Unread items that belong to no group (your own account's).
    pub personal: i64,
    pub groups: Vec<GroupUnread>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GroupSetting {
    pub group: GroupSummary,
    pub level: Level,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NotificationSettings {
    /// A daily mail of what you have not read.
    pub daily_digest: bool,
    /// Every group you belong to and how much of it reaches you.
    pub groups: Vec<GroupSetting>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupLevel {
    /// Id or handle.
    pub group: String,
    pub level: Level,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsUpdate {
    pub daily_digest: Option<bool>,
    pub groups: Option<Vec<GroupLevel>>,
}
