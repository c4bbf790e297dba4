//! The frame every page lives in: who is looking (their groups for the switcher, their unread
//! count for the bell), the group bar of a group's pages, the form token and a one-time toast.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use kernel::Error;
use kernel::groups;
use kernel::notify;
use kernel::people::{self, Actor};

use super::csrf::CsrfToken;
use super::flash::Flash;
use super::flash::Toast;
use crate::{AppState, MaybeCaller, Problem, assets};

pub struct Shell {
    /// The signed-in person, if any.
    pub actor: Option<Actor>,
    pub viewer: Option<Viewer>,
    /// Set by a group's pages: its name and its tools' tabs.
    pub group: Option<GroupBar>,
    /// The token every form of the page sends back.
    pub csrf: String,
    pub toast: Option<Toast>,
    /// The account settings' tabs that tools add.
    pub settings_tabs: Vec<NavLink>,
}

pub struct Viewer {
    pub handle: String,
    pub display_name: String,
    pub initials: String,
    pub hue: u8,
    pub unread: i64,
    pub groups: Vec<GroupLink>,
}

pub struct GroupLink {
    pub handle: String,
    pub name: String,
    pub initials: String,
    pub hue: u8,
    pub current: bool,
}

pub struct GroupBar {
    pub handle: String,
    pub name: String,
    pub nav: Vec<NavLink>,
}

/// A tab of a group's bar.
pub struct NavLink {
    pub href: String,
    pub label: String,
    /// An icon of the sprite (`icons.svg#…`).
    pub icon: String,
    pub current: bool,
}

impl Shell {
    /// The shell for `actor` (already authenticated), as the pages' extractor and the error
    /// pages build it.
    pub async fn load(
        app: &AppState,
        actor: Option<Actor>,
        csrf: String,
        flash: Option<Flash>,
    ) -> Result<Shell, Error> {
        let viewer = match &actor {
            Some(actor) if !actor.is_tool() => Some(viewer(app, actor).await?),
            _ => None,
        };
        Ok(Shell {
            actor,
            viewer,
            group: None,
            csrf,
            toast: flash.map(Flash::toast),
            settings_tabs: app.tools.iter().filter_map(|t| t.settings_tab()).collect(),
        })
    }

    /// The link to an asset, naming its version.
    pub fn asset(&self, name: &str) -> String {
        assets::url(name)
    }

    /// The signed-in person, or 401 (which the error page turns into "log in").
    pub fn require_actor(&self) -> Result<&Actor, Problem> {
        self.actor
            .as_ref()
            .ok_or_else(|| Error::Unauthenticated("log in to see this page".into()).into())
    }

    /// Marks `handle` as the group being looked at, with its tabs.
    pub fn in_group(&mut self, handle: &str, name: &str, nav: Vec<NavLink>) {
        if let Some(viewer) = &mut self.viewer {
            for g in &mut viewer.groups {
                g.current = g.handle == handle;
            }
        }
        self.group = Some(GroupBar {
            handle: handle.into(),
            name: name.into(),
            nav,
        });
    }
}

async fn viewer(app: &AppState, actor: &Actor) -> Result<Viewer, Error> {
    let k = &app.kernel;
    let (me, groups, unread) = tokio::try_join!(
        people::me(k, actor),
        groups::service::groups_of(k, actor),
        notify::service::unread_total(k, actor),
    )?;
    Ok(Viewer {
        initials: initials(&me.display_name),
        hue: hue(&me.handle),
        handle: me.handle,
        display_name: me.display_name,
        unread,
        groups: groups
            .into_iter()
            .map(|g| GroupLink {
                initials: initials(&g.group.name),
                hue: hue(&g.group.handle),
                handle: g.group.handle,
                name: g.group.name,
                current: false,
            })
            .collect(),
    })
}

/// Up to two letters for an avatar: "Riverside Commons" → "RC", "amara" → "AM".
pub fn initials(name: &str) -> String {
    let words: Vec<&str> = name.split_whitespace().collect();
    let letters: String = match words.as_slice() {
        [] => "?".into(),
        [one] => one.chars().take(2).collect(),
        [first, .., last] => first.chars().take(1).chain(last.chars().take(1)).collect(),
    };
    letters.to_uppercase()
}

/// One of the design language's eight avatar colours, the same for a handle everywhere.
pub fn hue(handle: &str) -> u8 {
    let sum = handle
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    (sum % 8) as u8
}

impl FromRequestParts<AppState> for Shell {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Problem> {
        // A session cookie that has expired or was revoked makes a visitor, not an error.
        let actor = match MaybeCaller::from_request_parts(parts, app).await {
            Ok(MaybeCaller(actor)) => actor,
            Err(problem) if problem.status == 401 => None,
            Err(problem) => return Err(problem),
        };
        let csrf = parts
            .extensions
            .get::<CsrfToken>()
            .map(|t| t.0.clone())
            .unwrap_or_default();
        let flash = parts.extensions.get::<Flash>().copied();
        Ok(Shell::load(app, actor, csrf, flash).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_take_the_first_and_last_word() {
        assert_eq!(initials("Riverside Commons"), "RC");
        assert_eq!(initials("Ada King Lovelace"), "AL");
        assert_eq!(initials("amara"), "AM");
        assert_eq!(initials("  "), "?");
        assert_eq!(initials("élodie"), "ÉL");
    }

    #[test]
    fn hues_are_stable_and_in_range() {
        assert_eq!(hue("amara"), hue("amara"));
        let seen: std::collections::BTreeSet<u8> =
            ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]
                .iter()
                .map(|h| hue(h))
                .collect();
        assert!(seen.iter().all(|h| *h < 8));
        assert!(seen.len() > 3, "handles spread over the hues: {seen:?}");
    }
}
