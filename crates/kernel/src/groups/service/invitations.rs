//! Invitations: inviting a person, an address or anyone with a link, and answering (by id or
//! by a link's token), listing and revoking them.

use super::members::{account_key, member_of};
use super::roles::role_permissions;
use super::{Loaded, group_ref, in_group, load, log, person_ref};
use crate::activity::{Audience, NewActivity, ObjectRef};
use crate::error::Validation;
use crate::groups::model::*;
use crate::groups::store::{self, GroupRow, InvitationRow};
use crate::id::InvitationId;
use crate::mail::Mail;
use crate::page::{Page, PageRequest};
use crate::people::secrets::{SecretKind, hash_secret, new_secret};
use crate::people::{Actor, clean_email};
use crate::policy::{self, AccountAction, Action};
use crate::{Error, Kernel, Result, Timestamp};

const DEFAULT_INVITATION_TTL_S: i64 = 14 * 24 * 3600;

/// An invitation as the API shows it. `link` is the page with the link's secret, known only
/// when the invitation is made; an account's invitation has a page of its own.
fn invitation_of(
    k: &Kernel,
    group: &GroupRow,
    r: InvitationRow,
    secret: Option<String>,
) -> Invitation {
    let url = match (&secret, r.account_id) {
        (Some(secret), _) => Some(k.link(&format!("/join/{secret}"))),
        (None, Some(_)) => Some(k.link(&format!("/invitations/{}", r.id))),
        (None, None) => None,
    };
    Invitation {
        url,
        token: secret,
        id: r.id,
        group: group.summary(),
        account: r.account_id,
        email: r.email,
        role: r.role,
        max_uses: r.max_uses,
        uses: r.uses,
        expires_at: r.expires_at.map(Timestamp),
        status: r.status,
        invited_by: r.invited_by,
        created_at: Timestamp(r.created_at),
    }
}

/// Invites a person, an address (by mail) or — with neither — makes a shareable link. Nobody
/// invites into a role carrying permissions they do not hold.
pub async fn invite(
    k: &Kernel,
    actor: &Actor,
    key: &str,
    input: InvitationInput,
) -> Result<Invitation> {
    let loaded = load(k, Some(actor), key).await?;
    loaded.authorize(Some(actor), Action::Invite)?;
    let mut v = Validation::new();
    let role = input.role.clone().unwrap_or_else(|| "member".into());
    let is_owner = loaded.authorize(Some(actor), Action::ManageAdmins).is_ok();
    match Role::parse(&role) {
        Role::Owner => v.push("role", "nobody is invited as owner"),
        Role::Admin if !is_owner => v.push("role", "only the owner invites admins"),
        _ => {}
    }
    if input.account.is_some() && input.email.is_some() {
        v.push("email", "invite a person or an address, not both");
    }
    let email = match input.email.as_deref().map(clean_email) {
        Some(Ok(e)) => Some(e),
        Some(Err(e)) => {
            v.push("email", e);
            None
        }
        None => None,
    };
    let expires_in = input.expires_in.unwrap_or(DEFAULT_INVITATION_TTL_S);
    if !(60..=366 * 24 * 3600).contains(&expires_in) {
        v.push("expires_in", "must be between 60 seconds and 366 days");
    }
    if let Some(n) = input.max_uses
        && !(1..=100_000).contains(&n)
    {
        v.push("max_uses", "must be between 1 and 100000");
    }
    v.finish()?;
    if email.is_some() {
        // Mail goes to strangers' mailboxes: a group admin sends only so much of it.
        k.invitation_mail_limiter
            .attempt(&[format!("invite-mail:{}", actor.account)], k.now())
            .map_err(|retry_after_s| Error::RateLimited { retry_after_s })?;
    }
    let account = match &input.account {
        Some(a) => Some(
            account_key(k, a)
                .await
                .map_err(|_| Error::invalid("account", "no such account"))?,
        ),
        None => None,
    };
    let now = k.now();
    let mut tx = k.db.begin().await?;
    let parsed = Role::parse(&role);
    if let Role::Custom(name) = &parsed
        && !store::role_exists(&mut tx, loaded.row.id, name).await?
    {
        return Err(Error::invalid(
            "role",
            format!("the group has no role {name:?}"),
        ));
    }
    let carries = role_permissions(&mut tx, loaded.row.id, &parsed).await?;
    policy::may_hand_out(loaded.standing.as_ref(), &carries)?;
    if let Some(a) = account
        && store::membership_in(&mut tx, loaded.row.id, a)
            .await?
            .is_some()
    {
        return Err(Error::conflict("account", "already a member"));
    }
    let personal = account.is_some() || email.is_some();
    // Only an account's invitation goes without a secret: that account alone may accept it.
    let secret = account
        .is_none()
        .then(|| new_secret(SecretKind::Invitation));
    let row = InvitationRow {
        id: InvitationId::new(),
        group_id: loaded.row.id,
        invited_by: actor.account,
        account_id: account,
        email: email.clone(),
        role,
        max_uses: if personal { Some(1) } else { input.max_uses },
        uses: 0,
        expires_at: Some(now.plus_seconds(expires_in).0),
        status: "open".into(),
        created_at: now.0,
    };
    store::insert_invitation(&mut tx, &row, secret.as_ref().map(|s| s.hash.as_slice())).await?;
    // The activity names the invitation, never its secret or an address.
    let (object, whom) = match (&input.account, account) {
        (Some(handle), Some(id)) => (person_ref(id, handle), format!("invited {handle} to")),
        _ if email.is_some() => (
            ObjectRef::new("weft:Invitation", row.id, None),
            "invited someone by mail to".to_string(),
        ),
        _ => (
            ObjectRef::new("weft:Invitation", row.id, None),
            "made an invitation link for".to_string(),
        ),
    };
    let mut extra = serde_json::json!({ "role": row.role });
    if account.is_some() {
        // The invitee answers from their inbox; nobody else can use the id.
        extra["invitation"] = serde_json::json!(row.id);
    }
    let new = in_group("Invite", actor, object, &loaded.row)
        .target(group_ref(&loaded.row))
        .notify(account, "invitation")
        .summary(format!("{} {whom} {}", actor.handle, loaded.row.name))
        .extra(extra);
    log(k, &mut tx, new).await?;
    tx.commit().await?;
    let invitation = invitation_of(k, &loaded.row, row, secret.map(|s| s.secret));
    if let Some(email) = email {
        let body = format!(
            "Hello,\n\n@{} invites you to join {} on Weft.\n\nTo accept, open:\n\n{}\n\n\
             The link works until {}. Keep it to yourself: whoever holds it may join.\n",
            actor.handle,
            loaded.row.name,
            invitation.url.clone().unwrap_or_default(),
            invitation
                .expires_at
                .map(|t| t.to_rfc3339())
                .unwrap_or_default()
        );
        let mail = Mail {
            to: email,
            subject: format!("Join {} on Weft", loaded.row.name),
            body,
        };
        if let Err(e) = k.mailer.send(mail).await {
            tracing::warn!(error = %e, "could not mail an invitation");
        }
    }
    Ok(invitation)
}

pub async fn invitations(
    k: &Kernel,
    actor: &Actor,
    key: &str,
    page: &PageRequest,
) -> Result<Page<Invitation>> {
    let loaded = load(k, Some(actor), key).await?;
    loaded.authorize(Some(actor), Action::Invite)?;
    let limit = page.limit()?;
    let rows = store::invitations_of_group(&k.db, loaded.row.id, page.after()?, limit).await?;
    Ok(Page::from_rows(rows, limit, |r| r.id.0).map(|r| invitation_of(k, &loaded.row, r, None)))
}

/// An invitation by its id: for who may invite in its group, and for the account it invites.
/// Anyone else hears it does not exist (an id is not a way in).
pub async fn invitation(k: &Kernel, actor: Option<&Actor>, id: InvitationId) -> Result<Invitation> {
    let Some(actor) = actor else {
        return Err(Error::Unauthenticated("log in first".into()));
    };
    let row = store::invitation(&k.db, id)
        .await?
        .ok_or(Error::NotFound("invitation"))?;
    let group = load(k, Some(actor), &row.group_id.to_string())
        .await
        .map_err(|_| Error::NotFound("invitation"))?;
    let invitee = row.account_id == Some(actor.account)
        && policy::authorize_account(actor, AccountAction::ReadPrivate).is_ok();
    if !invitee {
        group
            .authorize(Some(actor), Action::Invite)
            .map_err(|_| Error::NotFound("invitation"))?;
    }
    Ok(invitation_of(k, &group.row, row, None))
}

/// The invitation a link's secret opens, for the page that shows it to whoever holds the
/// link (who invites, to what, as what). The address it was mailed to is not shown.
pub async fn invitation_by_token(k: &Kernel, token: &str) -> Result<Invitation> {
    let row = row_by_token(k, token).await?;
    let group = store::group_by_key(&k.db, &row.group_id.to_string())
        .await?
        .ok_or(Error::NotFound("group"))?;
    let mut invitation = invitation_of(k, &group, row, None);
    invitation.email = None;
    Ok(invitation)
}

async fn row_by_token(k: &Kernel, token: &str) -> Result<InvitationRow> {
    if token.len() > 200 {
        return Err(Error::invalid("token", "at most 200 characters"));
    }
    if SecretKind::of(token) != Some(SecretKind::Invitation) {
        return Err(Error::NotFound("invitation"));
    }
    store::invitation_by_secret(&k.db, &hash_secret(token))
        .await?
        .ok_or(Error::NotFound("invitation"))
}

/// Whether the invitation can still be answered: open, unexpired, not used up.
fn usable(row: &InvitationRow, now: Timestamp) -> Result<()> {
    if row.status != "open" {
        return Err(Error::Gone(format!("this invitation was {}", row.status)));
    }
    if row.expires_at.is_some_and(|e| e <= now.0) {
        return Err(Error::Gone("this invitation has expired".into()));
    }
    if row.max_uses.is_some_and(|m| row.uses >= m) {
        return Err(Error::Gone("this invitation has been used up".into()));
    }
    Ok(())
}

/// An account's invitation answered by id: only by that account (anyone else hears it does
/// not exist); an invitation by mail or link is answered with its token instead.
fn answerable_by_id(row: &InvitationRow, actor: &Actor) -> Result<()> {
    match row.account_id {
        Some(a) if a == actor.account => Ok(()),
        Some(_) => Err(Error::NotFound("invitation")),
        None => Err(Error::NotFound(
            "invitation (one sent by mail or as a link is answered with the token from its \
             link: POST /api/v1/invitations/accept {\"token\": …})",
        )),
    }
}

/// The caller's own invitation to a group they may see, still usable, if any (the group's page
/// shows "Invited" with it).
pub async fn your_invitation(
    k: &Kernel,
    actor: &Actor,
    loaded: &Loaded,
) -> Result<Option<InvitationId>> {
    let now = k.now();
    Ok(
        store::open_invitations_for(&k.db, loaded.row.id, actor.account)
            .await?
            .into_iter()
            .find(|row| usable(row, now).is_ok())
            .map(|row| row.id),
    )
}

/// Accepts an invitation to the caller's own account (`POST /api/v1/invitations/{id}/accept`).
pub async fn accept_invitation(k: &Kernel, actor: &Actor, id: InvitationId) -> Result<Member> {
    policy::authorize_account(actor, AccountAction::Change)?;
    let row = store::invitation(&k.db, id)
        .await?
        .ok_or(Error::NotFound("invitation"))?;
    answerable_by_id(&row, actor)?;
    accept(k, actor, row).await
}

/// Accepts an invitation by mail or a shareable link with the secret from its link.
pub async fn accept_invitation_by_token(k: &Kernel, actor: &Actor, token: &str) -> Result<Member> {
    policy::authorize_account(actor, AccountAction::Change)?;
    let row = row_by_token(k, token).await?;
    accept(k, actor, row).await
}

async fn accept(k: &Kernel, actor: &Actor, row: InvitationRow) -> Result<Member> {
    let now = k.now();
    usable(&row, now)?;
    // Read before the transaction: one that waits for the invitation's row must not also
    // wait for a second connection of the pool.
    let group = store::group_by_key(&k.db, &row.group_id.to_string())
        .await?
        .ok_or(Error::NotFound("group"))?;
    let mut tx = k.db.begin().await?;
    if store::membership_in(&mut tx, row.group_id, actor.account)
        .await?
        .is_some()
    {
        return Err(Error::Conflict {
            field: None,
            detail: "you are already a member".into(),
        });
    }
    // A personal invitation is spent once accepted; a shared link stays open until its uses
    // run out or it expires. The use is spent in one statement, so two people racing for
    // the last use of a link cannot both join.
    let personal = row.account_id.is_some() || row.email.is_some();
    if !store::spend_invitation(&mut tx, row.id, now.0, personal).await? {
        return Err(Error::Gone("this invitation has been used up".into()));
    }
    let role = match Role::parse(&row.role) {
        Role::Custom(name) if !store::role_exists(&mut tx, row.group_id, &name).await? => {
            "member".to_string()
        }
        _ => row.role.clone(),
    };
    super::admit(&mut tx, row.group_id, actor.account, &role, now).await?;
    let member = store::member_in(&mut tx, row.group_id, actor.account)
        .await?
        .ok_or(Error::NotFound("member"))?;
    let new = in_group(
        "Accept",
        actor,
        ObjectRef::new("weft:Invitation", row.id, None),
        &group,
    )
    .target(group_ref(&group))
    .notify([row.invited_by], "invitation_accepted")
    .summary(format!(
        "{} accepted an invitation and joined {}",
        actor.handle, group.name
    ));
    log(k, &mut tx, new).await?;
    tx.commit().await?;
    Ok(member_of(member))
}

/// Declines an invitation to the caller's own account.
pub async fn decline_invitation(k: &Kernel, actor: &Actor, id: InvitationId) -> Result<()> {
    policy::authorize_account(actor, AccountAction::Change)?;
    let row = store::invitation(&k.db, id)
        .await?
        .ok_or(Error::NotFound("invitation"))?;
    answerable_by_id(&row, actor)?;
    decline(k, actor, row).await
}

/// Declines an invitation by mail or link, with the secret from its link.
pub async fn decline_invitation_by_token(k: &Kernel, actor: &Actor, token: &str) -> Result<()> {
    policy::authorize_account(actor, AccountAction::Change)?;
    let row = row_by_token(k, token).await?;
    decline(k, actor, row).await
}

async fn decline(k: &Kernel, actor: &Actor, row: InvitationRow) -> Result<()> {
    usable(&row, k.now())?;
    let mut tx = k.db.begin().await?;
    // A shareable link stays open for others; a personal invitation is closed.
    if row.account_id.is_some() || row.email.is_some() {
        store::set_invitation(&mut tx, row.id, "declined", row.uses).await?;
    }
    // Only the one who invited hears of it.
    let new = NewActivity::new(
        "Reject",
        Some(actor.account),
        ObjectRef::new("weft:Invitation", row.id, None),
        Audience::Accounts {
            group: Some(row.group_id),
            accounts: vec![row.invited_by],
        },
    )
    .notify([row.invited_by], "invitation_declined")
    .summary(format!("{} declined an invitation", actor.handle));
    log(k, &mut tx, new).await?;
    tx.commit().await
}

/// Revokes an invitation (its link stops working at once).
pub async fn revoke_invitation(k: &Kernel, actor: &Actor, id: InvitationId) -> Result<()> {
    let row = store::invitation(&k.db, id)
        .await?
        .ok_or(Error::NotFound("invitation"))?;
    let loaded = load(k, Some(actor), &row.group_id.to_string()).await?;
    loaded.authorize(Some(actor), Action::Invite)?;
    let mut tx = k.db.begin().await?;
    store::set_invitation(&mut tx, id, "revoked", row.uses).await?;
    // Seen by those who may invite (they manage invitations) and the invited person.
    let mut accounts = store::member_ids(&mut tx, loaded.row.id, true).await?;
    accounts.extend(row.account_id);
    let new = NewActivity::new(
        "Undo",
        Some(actor.account),
        ObjectRef::new("weft:Invitation", id, None),
        Audience::Accounts {
            group: Some(loaded.row.id),
            accounts,
        },
    )
    .summary(format!(
        "{} revoked an invitation to {}",
        actor.handle, loaded.row.name
    ));
    log(k, &mut tx, new).await?;
    tx.commit().await
}
