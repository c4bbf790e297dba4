//! People's use cases: each checks its input, opens the transaction, writes, commits.

use std::sync::Arc;

use crate::error::Validation;
use crate::id::{AccountId, SessionId, TokenId};
use crate::mail::Mail;
use crate::page::{Page, PageRequest};
use crate::people::secrets::{KeyPair, SecretKind, hash_secret, new_secret};
use crate::people::store::{self, AccountChanges, AccountRow, CredentialRow};
use crate::people::*;
use crate::policy::{self, AccountAction};
use crate::{Error, Kernel, Result, Timestamp};

/// Sessions and tokens are marked as used at most this often, so reads stay reads.
const TOUCH_EVERY_S: i64 = 60;

impl Actor {
    /// The person `account` as a tool's later step acts for them (posting a bounty, settling
    /// a spend once its rule agreed): with no credential of theirs, under their own
    /// idempotency keys, so a step done twice is answered, not repeated.
    pub fn stand_in(account: AccountId) -> Actor {
        Actor {
            account,
            handle: String::new(),
            is_admin: false,
            scopes: Scopes::session(),
            group: None,
            credential: Credential::Session(SessionId::new()),
        }
    }

    /// An outside tool (acting with a group token), not a person.
    pub fn is_tool(&self) -> bool {
        matches!(self.credential, Credential::Tool(_))
    }

    /// Refuses a credential that lacks `scope` (a session holds every scope).
    pub fn require(&self, scope: Scope) -> Result<()> {
        if self.scopes.allows(scope) {
            Ok(())
        } else {
            Err(Error::Forbidden(format!(
                "this token lacks the {scope} scope"
            )))
        }
    }
}

fn me_of(row: &AccountRow) -> Me {
    Me {
        id: row.id,
        handle: row.handle.clone(),
        display_name: row.display_name.clone(),
        email: row.email.clone(),
        pending_email: None,
        did: row.did.clone(),
        public_key: row.did.trim_start_matches("did:key:").to_string(),
        is_admin: row.is_admin,
        created_at: Timestamp(row.created_at),
        updated_at: Timestamp(row.updated_at),
    }
}

async fn hash_password(k: &Kernel, password: &str) -> Result<String> {
    let hasher = k.passwords.clone();
    let password = password.to_string();
    k.hashing.run(move || hasher.hash(&password)).await?
}

async fn verify_password(k: &Kernel, password: &str, stored: Option<&str>) -> Result<bool> {
    let hasher = k.passwords.clone();
    let password = password.to_string();
    let stored = stored.map(str::to_string);
    k.hashing
        .run(move || hasher.verify(&password, stored.as_deref()))
        .await
}

/// Signs up someone who came over the network: at most `signups_per_hour` from one address,
/// before any password is hashed.
pub async fn sign_up_from(k: &Kernel, input: SignUp, client: &ClientInfo) -> Result<Me> {
    if let Some(ip) = &client.ip {
        k.signup_limiter
            .attempt(&[format!("signup:{ip}")], k.now())
            .map_err(|retry_after_s| Error::RateLimited { retry_after_s })?;
    }
    create_account(k, input, false, Address::ToConfirm).await
}

/// Creates an account for the operator (the CLI, the demo): the address is taken as given.
/// `is_admin` makes a server administrator.
pub async fn sign_up(k: &Kernel, input: SignUp, is_admin: bool) -> Result<Me> {
    create_account(k, input, is_admin, Address::Trusted).await
}

/// How a sign-up's address becomes the account's.
#[derive(Clone, Copy, PartialEq)]
enum Address {
    /// Set at once: the operator vouches for it.
    Trusted,
    /// Pending until the link mailed to it is opened. The answer is the same whether or not
    /// another account has the address (that mailbox is told instead), so sign-up never says
    /// which addresses are registered.
    ToConfirm,
}

/// Creates an account with a fresh key pair.
async fn create_account(k: &Kernel, input: SignUp, is_admin: bool, address: Address) -> Result<Me> {
    let mut v = Validation::new();
    v.check("handle", check_handle(&input.handle));
    let display_name = match input.display_name.as_deref() {
        Some(name) => clean_display_name(name).unwrap_or_else(|e| {
            v.push("display_name", e);
            String::new()
        }),
        None => input.handle.clone(),
    };
    let email = match input.email.as_deref() {
        Some(e) => clean_email(e).map(Some).unwrap_or_else(|e| {
            v.push("email", e);
            None
        }),
        None => None,
    };
    let personal = [
        input.handle.as_str(),
        display_name.as_str(),
        email.as_deref().unwrap_or(""),
    ];
    v.check("password", check_password(&input.password, &personal));
    v.finish()?;

    let password_hash = hash_password(k, &input.password).await?;
    let keys = KeyPair::generate();
    let id = AccountId::new();
    // The account's secret key is kept sealed (`kernel::seal`).
    let sealed_key = k.seal.seal(&keys.secret, id.0.as_bytes());
    let now = k.now();
    let mut tx = k.db.begin().await?;
    store::insert_account(
        &mut tx,
        &store::NewAccountRow {
            id,
            handle: &input.handle,
            display_name: &display_name,
            email: if address == Address::Trusted {
                email.as_deref()
            } else {
                None
            },
            password_hash: &password_hash,
            public_key: &keys.public,
            secret_key: &sealed_key,
            did: &keys.did,
            is_admin,
            now,
        },
    )
    .await?;
    let row = store::account_by_id_in(&mut tx, id)
        .await?
        .ok_or(Error::NotFound("account"))?;
    own_record(
        &mut tx,
        now,
        id,
        "Create",
        &input.handle,
        format!("{} joined Weft", input.handle),
    )
    .await?;
    // The address to confirm, and whether another account already has it. A pending change
    // is kept either way (in the second case no link can ever spend it), so the account
    // looks the same afterwards too.
    let to_confirm = match (&email, address) {
        (Some(email), Address::ToConfirm) => {
            let secret = new_secret(SecretKind::EmailConfirmation);
            let taken = pend_email_change(&mut tx, id, email, &secret, now).await?;
            Some((email.clone(), (!taken).then_some(secret)))
        }
        _ => None,
    };
    tx.commit().await?;
    tracing::info!(account = %id, handle = %input.handle, "account created");
    let mut me = me_of(&row);
    if let Some((address, secret)) = to_confirm {
        match secret {
            Some(secret) => {
                tell(
                    k,
                    &address,
                    "Confirm your Weft address",
                    format!(
                        "Hello {},\n\nthe new Weft account @{} gave this address. To confirm it, \
                         open this link within {} hours:\n\n{}\n\nThe API takes the same token: \
                         POST /api/v1/email-confirmations {{\"token\": \"{}\"}}\n\
                         If you did not sign up, ignore this mail.\n",
                        row.display_name,
                        row.handle,
                        EMAIL_CONFIRMATION_TTL_S / 3600,
                        k.link(&format!("/confirm-email/{}", secret.secret)),
                        secret.secret
                    ),
                )
                .await
            }
            None => {
                tell(
                    k,
                    &address,
                    "Someone signed up to Weft with your address",
                    format!(
                        "Hello,\n\nsomeone just signed up to Weft as @{} with this address. It \
                         already belongs to your account, so it stays there and was not given to \
                         them.\nIf this was you, log in instead: {}\nForgot your password? {}\n\
                         If it was not you, nothing needs doing.\n",
                        row.handle,
                        k.link("/login"),
                        k.link("/forgot-password")
                    ),
                )
                .await
            }
        }
        me.pending_email = Some(address);
    }
    Ok(me)
}

/// A change to a person's own account, in the log for them alone (what changed is not said:
/// the record is for their history, webhooks and export, not a feed).
async fn own_record(
    tx: &mut crate::db::Tx,
    now: crate::Timestamp,
    account: AccountId,
    kind: &str,
    handle: &str,
    summary: String,
) -> Result<()> {
    crate::activity::record(
        tx,
        now,
        crate::activity::NewActivity::new(
            kind,
            Some(account),
            crate::activity::ObjectRef::new("Person", account, Some(handle)),
            crate::activity::Audience::Accounts {
                group: None,
                accounts: vec![account],
            },
        )
        .tool("people")
        .summary(summary),
    )
    .await
    .map(|_| ())
}

/// Checks a handle (or email) and password and opens a session. The answer, and its timing,
/// are the same whether the handle exists or not.
pub async fn log_in(k: &Kernel, input: LogIn, client: ClientInfo) -> Result<NewSession> {
    let who = input.handle.trim().to_lowercase();
    let mut keys = vec![format!("login:{who}")];
    if let Some(ip) = &client.ip {
        keys.push(format!("ip:{ip}"));
    }
    k.login_limiter
        .attempt(&keys, k.now())
        .map_err(|retry_after_s| Error::RateLimited { retry_after_s })?;

    let account = if who.len() > 254 {
        None
    } else if who.contains('@') {
        store::account_by_email(&k.db, &who).await?
    } else {
        store::account_by_handle(&k.db, &who).await?
    };
    let stored = account.as_ref().map(|a| a.password_hash.as_str());
    if input.password.len() > MAX_PASSWORD_LEN * 4
        || !verify_password(k, &input.password, stored).await?
    {
        return Err(Error::Unauthenticated(
            "the handle or the password is wrong".into(),
        ));
    }
    let account = account.ok_or(Error::NotFound("account"))?;
    if k.passwords.outdated(&account.password_hash) {
        // Made with other argon2 parameters than today's: made again, now that the password
        // is at hand.
        let fresh = hash_password(k, &input.password).await?;
        let mut tx = k.db.begin().await?;
        let changes = AccountChanges {
            display_name: None,
            handle: None,
            email: None,
            password_hash: Some(fresh),
        };
        store::update_account(&mut tx, account.id, changes, k.now()).await?;
        tx.commit().await?;
    }
    open_session(k, &account, client).await
}

async fn open_session(k: &Kernel, account: &AccountRow, client: ClientInfo) -> Result<NewSession> {
    let secret = new_secret(SecretKind::Session);
    let id = SessionId::new();
    let now = k.now();
    let expires_at = now.plus_seconds(k.config.session_ttl_s);
    let user_agent = client
        .user_agent
        .map(|ua| ua.chars().take(300).collect::<String>());
    store::insert_session(
        &k.db,
        &store::NewSessionRow {
            id,
            account: account.id,
            secret_hash: &secret.hash,
            user_agent: user_agent.as_deref(),
            ip: client.ip.as_deref(),
            now,
            expires_at,
        },
    )
    .await?;
    Ok(NewSession {
        id,
        token: secret.secret,
        expires_at,
        account: me_of(account),
    })
}

/// Finds who holds a bearer secret (session or personal access token).
pub async fn authenticate(k: &Kernel, secret: &str) -> Result<Actor> {
    let unknown = || Error::Unauthenticated("the token is unknown, revoked or expired".into());
    let kind = SecretKind::of(secret).ok_or_else(unknown)?;
    let hash = hash_secret(secret);
    let row: CredentialRow = match kind {
        SecretKind::Session => store::session_by_secret(&k.db, &hash).await?,
        SecretKind::PersonalToken => store::token_by_secret(&k.db, &hash).await?,
        SecretKind::ToolToken => crate::tool::outside::authenticate(k, secret).await?,
        SecretKind::PasswordReset | SecretKind::EmailConfirmation | SecretKind::Invitation => None,
    }
    .ok_or_else(unknown)?;
    let now = k.now();
    if row.expires_at.is_some_and(|e| e <= now.0) {
        return Err(unknown());
    }
    let stale = row
        .last_used_at
        .is_none_or(|t| now.0 - t >= TOUCH_EVERY_S * 1_000_000);
    let credential = match kind {
        SecretKind::Session => {
            let id = SessionId(row.id);
            if stale {
                let expires = now.plus_seconds(k.config.session_ttl_s);
                store::touch_session(&k.db, id, now, expires).await?;
            }
            Credential::Session(id)
        }
        SecretKind::ToolToken => Credential::Tool(crate::id::ToolTokenId(row.id)),
        _ => {
            let id = TokenId(row.id);
            if stale {
                store::touch_token(&k.db, id, now).await?;
            }
            Credential::Token(id)
        }
    };
    Ok(Actor {
        account: row.account_id,
        handle: row.handle,
        is_admin: row.is_admin,
        scopes: row.scopes.parse().map_err(Error::internal)?,
        group: row.group_id,
        credential,
    })
}

/// The caller's own account. Its address (and one waiting for confirmation) is shown only to
/// a credential that may act on the account: a narrow token learns who it acts for, not how
/// to reach them.
pub async fn me(k: &Kernel, actor: &Actor) -> Result<Me> {
    actor.require(Scope::Read)?;
    let row = store::account_by_id(&k.db, actor.account)
        .await?
        .ok_or(Error::NotFound("account"))?;
    let mut me = me_of(&row);
    if policy::authorize_account(actor, AccountAction::ReadPrivate).is_ok() {
        me.pending_email = store::pending_email(&k.db, actor.account, k.now()).await?;
    } else {
        me.email = None;
    }
    Ok(me)
}

/// Changes what the owner asked to change. A new handle is recorded in the history. The
/// password and the address change only with the current password; a new address takes
/// effect once the link mailed to it is opened (the old address is told), so a stolen
/// session cannot point password resets elsewhere. A new password ends every other session.
pub async fn update_me(k: &Kernel, actor: &Actor, input: MeUpdate) -> Result<Me> {
    policy::authorize_account(actor, AccountAction::Change)?;
    let current = store::account_by_id(&k.db, actor.account)
        .await?
        .ok_or(Error::NotFound("account"))?;
    let mut v = Validation::new();
    let display_name = input
        .display_name
        .as_deref()
        .map(clean_display_name)
        .and_then(|r| r.map_err(|e| v.push("display_name", e)).ok());
    let handle = input.handle.filter(|h| *h != current.handle);
    if let Some(h) = &handle {
        v.check("handle", check_handle(h));
    }
    let email = match input.email {
        Some(Some(e)) => match clean_email(&e) {
            Ok(e) if current.email.as_deref() == Some(e.as_str()) => None,
            Ok(e) => Some(Some(e)),
            Err(e) => {
                v.push("email", e);
                None
            }
        },
        Some(None) if current.email.is_none() => None,
        other => other,
    };
    if let Some(change) = &input.password {
        let personal = [current.handle.as_str(), current.display_name.as_str()];
        v.check("password.new", check_password(&change.new, &personal));
    }
    // Re-authentication: the password change carries the current password; a change of
    // address carries it as `current_password` (or in the password change beside it).
    let proof = input
        .password
        .as_ref()
        .map(|c| ("password.current", c.current.as_str()))
        .or(input
            .current_password
            .as_deref()
            .map(|p| ("current_password", p)));
    if email.is_some() && proof.is_none() {
        v.push(
            "current_password",
            "changing the email address needs your current password",
        );
    }
    v.finish()?;

    if let Some((field, given)) = proof
        && (email.is_some() || input.password.is_some())
        && !verify_password(k, given, Some(&current.password_hash)).await?
    {
        return Err(Error::invalid(field, "the current password is wrong"));
    }
    let password_hash = match &input.password {
        Some(change) => Some(hash_password(k, &change.new).await?),
        None => None,
    };
    let now = k.now();
    let password_changed = password_hash.is_some();
    let (new_address, removed_address) = match email {
        Some(Some(address)) => (Some(address), false),
        Some(None) => (None, true),
        None => (None, false),
    };
    let confirmation = new_address
        .as_ref()
        .map(|_| new_secret(SecretKind::EmailConfirmation));
    let mut tx = k.db.begin().await?;
    if let Some(h) = &handle {
        store::close_handle_record(&mut tx, actor.account, now).await?;
        store::insert_handle_record(&mut tx, actor.account, h, now).await?;
    }
    let changes = AccountChanges {
        display_name,
        handle,
        email: removed_address.then_some(None),
        password_hash,
    };
    store::update_account(&mut tx, actor.account, changes, now).await?;
    if removed_address {
        store::cancel_email_changes(&mut tx, actor.account).await?;
    }
    // An address another account has gets a pending change no link can spend, and its
    // mailbox a warning instead of a link: the answer does not say it is registered.
    let mut address_taken = false;
    if let (Some(address), Some(secret)) = (&new_address, &confirmation) {
        address_taken = pend_email_change(&mut tx, actor.account, address, secret, now).await?;
    }
    if password_changed {
        let keep = match actor.credential {
            Credential::Session(id) => Some(id),
            Credential::Token(_) | Credential::Tool(_) => None,
        };
        store::delete_sessions_except(&mut tx, actor.account, keep).await?;
    }
    let row = store::account_by_id_in(&mut tx, actor.account)
        .await?
        .ok_or(Error::NotFound("account"))?;
    let what = if password_changed {
        "changed their password or profile"
    } else {
        "changed their profile"
    };
    own_record(
        &mut tx,
        now,
        actor.account,
        "Update",
        &row.handle,
        format!("{} {what}", row.handle),
    )
    .await?;
    tx.commit().await?;
    if password_changed && let Some(email) = &row.email {
        tell(
            k,
            email,
            "Your Weft password was changed",
            format!(
                "Hello {},\n\nthe password of your Weft account @{} was just changed, and every \
                 other session was logged out.\nIf this was not you, reset it at once: {}\n",
                row.display_name,
                row.handle,
                k.link("/forgot-password")
            ),
        )
        .await;
    }
    if let (Some(address), true) = (&new_address, address_taken) {
        tell(
            k,
            address,
            "Someone asked to use your address on Weft",
            format!(
                "Hello,\n\nthe Weft account @{} asked to use this address. It already belongs \
                 to your account, so it stays there and was not given to them.\nIf you have \
                 two accounts and want the address on the other one, remove it from this one \
                 first.\n",
                row.handle
            ),
        )
        .await;
    } else if let (Some(address), Some(secret)) = (&new_address, &confirmation) {
        tell(
            k,
            address,
            "Confirm your new Weft address",
            format!(
                "Hello {},\n\nthe Weft account @{} asked to use this address. To confirm it, open \
                 this link within {} hours:\n\n{}\n\nThe API takes the same token: POST \
                 /api/v1/email-confirmations {{\"token\": \"{}\"}}\n\
                 If you did not ask for this, ignore this mail.\n",
                row.display_name,
                row.handle,
                EMAIL_CONFIRMATION_TTL_S / 3600,
                k.link(&format!("/confirm-email/{}", secret.secret)),
                secret.secret
            ),
        )
        .await;
    }
    if (new_address.is_some() || removed_address)
        && let Some(old) = &current.email
    {
        let change = match &new_address {
            Some(address) => format!(
                "asked to change its address to {} (it takes effect once confirmed from there)",
                masked(address)
            ),
            None => "removed its address".to_string(),
        };
        tell(
            k,
            old,
            "Your Weft address is changing",
            format!(
                "Hello {},\n\nthe Weft account @{} {change}.\nIf this was not you, log in, \
                 change your password and end your other sessions at {}\n",
                row.display_name,
                row.handle,
                k.link("/settings")
            ),
        )
        .await;
    }
    let mut me = me_of(&row);
    me.pending_email = store::pending_email(&k.db, actor.account, now).await?;
    Ok(me)
}

/// How long the link that confirms a new address works.
const EMAIL_CONFIRMATION_TTL_S: i64 = 48 * 3600;

/// Sends a notice about the account; a failure to send is logged, not the caller's failure.
async fn tell(k: &Kernel, to: &str, subject: &str, body: String) {
    let mail = Mail {
        to: to.to_string(),
        subject: subject.into(),
        body,
    };
    if let Err(e) = k.mailer.send(mail).await {
        tracing::warn!(error = %e, subject, "could not send an account notice");
    }
}

/// An address shown to the old mailbox without handing it over whole: `ad…@example.org`.
fn masked(address: &str) -> String {
    match address.split_once('@') {
        Some((local, domain)) => {
            let start: String = local.chars().take(2).collect();
            format!("{start}…@{domain}")
        }
        None => "…".into(),
    }
}

/// Confirms a new address from the link mailed to it: the link is spent atomically, and the
/// account's address becomes the new one (password resets go there from now on).
pub async fn confirm_email(k: &Kernel, token: &str) -> Result<()> {
    let gone = || {
        Error::Gone(
            "this confirmation link is unknown, used or expired; change the address again".into(),
        )
    };
    if token.len() > 200 {
        return Err(Error::invalid("token", "at most 200 characters"));
    }
    if SecretKind::of(token) != Some(SecretKind::EmailConfirmation) {
        return Err(gone());
    }
    let now = k.now();
    let mut tx = k.db.begin().await?;
    let Some((account, email)) =
        store::spend_email_change(&mut tx, &hash_secret(token), now).await?
    else {
        return Err(gone());
    };
    let changes = AccountChanges {
        display_name: None,
        handle: None,
        email: Some(Some(email)),
        password_hash: None,
    };
    store::update_account(&mut tx, account, changes, now)
        .await
        .map_err(|e| match e {
            Error::Conflict { .. } => {
                Error::conflict("email", "another account uses this address now")
            }
            other => other,
        })?;
    let row = store::account_by_id_in(&mut tx, account)
        .await?
        .ok_or(Error::NotFound("account"))?;
    own_record(
        &mut tx,
        now,
        account,
        "Update",
        &row.handle,
        format!("{} confirmed a new email address", row.handle),
    )
    .await?;
    tx.commit().await
}

/// A person's own account as a tool they signed in to may learn of it (the OpenID Connect
/// provider hands on only what the person consented to, by scope).
pub async fn account_for_sign_in(k: &Kernel, id: AccountId) -> Result<Me> {
    let row = store::account_by_id(&k.db, id)
        .await?
        .ok_or(Error::NotFound("account"))?;
    Ok(me_of(&row))
}

/// When the actor logged in, if they act through a log-in session (OpenID Connect's
/// `auth_time`).
pub async fn logged_in_at(k: &Kernel, actor: &Actor) -> Result<Option<Timestamp>> {
    match actor.credential {
        Credential::Session(id) => Ok(store::session_started(&k.db, id).await?.map(Timestamp)),
        _ => Ok(None),
    }
}

/// The display names of these accounts (one query).
pub async fn display_names(
    k: &Kernel,
    ids: &[AccountId],
) -> Result<std::collections::HashMap<AccountId, String>> {
    Ok(store::display_names(&k.db, ids)
        .await?
        .into_iter()
        .collect())
}

/// The current handles of these accounts, for lists that name people (one query).
pub async fn handles(
    k: &Kernel,
    ids: &[AccountId],
) -> Result<std::collections::HashMap<AccountId, String>> {
    Ok(store::handles(&k.db, ids).await?.into_iter().collect())
}

/// A member of `group` named by handle (or former handle) or id, when there is one.
pub async fn member(k: &Kernel, group: crate::id::GroupId, key: &str) -> Result<Option<AccountId>> {
    let Ok(found) = profile(k, key.trim()).await else {
        return Ok(None);
    };
    Ok(crate::groups::access::is_member(k, group, found.id)
        .await?
        .then_some(found.id))
}

/// A public profile, by id, current handle, or a former handle (links made before a rename
/// keep working).
pub async fn profile(k: &Kernel, key: &str) -> Result<Profile> {
    let row = if let Ok(id) = key.parse::<AccountId>() {
        store::account_by_id(&k.db, id).await?
    } else {
        let key = key.strip_prefix('@').unwrap_or(key);
        match store::account_by_handle(&k.db, key).await? {
            Some(row) => Some(row),
            None => match store::account_by_former_handle(&k.db, key).await? {
                Some(id) => store::account_by_id(&k.db, id).await?,
                None => None,
            },
        }
    }
    .ok_or(Error::NotFound("account"))?;
    let history = store::handle_history(&k.db, row.id).await?;
    Ok(Profile {
        id: row.id,
        handle: row.handle,
        display_name: row.display_name,
        did: row.did,
        created_at: Timestamp(row.created_at),
        handle_history: history
            .into_iter()
            .map(|h| HandleRecord {
                handle: h.handle,
                since: Timestamp(h.since),
                until: h.until.map(Timestamp),
            })
            .collect(),
    })
}

pub async fn list_sessions(
    k: &Kernel,
    actor: &Actor,
    page: &PageRequest,
) -> Result<Page<SessionInfo>> {
    policy::authorize_account(actor, AccountAction::ReadPrivate)?;
    let limit = page.limit()?;
    let rows = store::sessions_of(&k.db, actor.account, page.after()?, limit, k.now()).await?;
    let current = match actor.credential {
        Credential::Session(id) => Some(id),
        Credential::Token(_) | Credential::Tool(_) => None,
    };
    Ok(
        Page::from_rows(rows, limit, |r| r.id.0).map(|r| SessionInfo {
            current: Some(r.id) == current,
            id: r.id,
            user_agent: r.user_agent,
            ip: r.ip,
            created_at: Timestamp(r.created_at),
            last_seen_at: Timestamp(r.last_seen_at),
            expires_at: Timestamp(r.expires_at),
        }),
    )
}

pub async fn revoke_session(k: &Kernel, actor: &Actor, id: SessionId) -> Result<()> {
    policy::authorize_account(actor, AccountAction::Change)?;
    match store::delete_session(&k.db, actor.account, id).await? {
        0 => Err(Error::NotFound("session")),
        _ => Ok(()),
    }
}

/// Ends the session the request came with (logging out). A token is not a session.
pub async fn log_out(k: &Kernel, actor: &Actor) -> Result<()> {
    match actor.credential {
        Credential::Session(id) => revoke_session(k, actor, id).await,
        Credential::Token(_) | Credential::Tool(_) => Err(Error::BadRequest(
            "this request is authenticated by a personal access token, not a session; \
             revoke the token with DELETE /api/v1/tokens/{id}"
                .into(),
        )),
    }
}

/// Mails a single-use reset link if the account exists and has an address. Answers at once
/// either way, and does the work after, so neither the answer nor its timing tells.
pub async fn request_password_reset(k: &Arc<Kernel>, input: PasswordResetRequest) -> Result<()> {
    let key = match (&input.handle, &input.email) {
        (Some(h), None) if h.len() <= 64 => h.trim().to_lowercase(),
        (None, Some(e)) if e.len() <= 254 => e.trim().to_lowercase(),
        (Some(_), Some(_)) => {
            return Err(Error::invalid(
                "handle",
                "give a handle or an email, not both",
            ));
        }
        (None, None) => {
            return Err(Error::invalid(
                "handle",
                "give the handle or the email of the account",
            ));
        }
        _ => return Err(Error::invalid("handle", "too long")),
    };
    k.login_limiter
        .attempt(&[format!("reset:{key}")], k.now())
        .map_err(|retry_after_s| Error::RateLimited { retry_after_s })?;
    let k = Arc::clone(k);
    tokio::spawn(async move {
        if let Err(e) = send_password_reset(&k, &key).await {
            tracing::warn!(error = %e, "password reset mail failed");
        }
    });
    Ok(())
}

async fn send_password_reset(k: &Kernel, key: &str) -> Result<()> {
    let account = if key.contains('@') {
        store::account_by_email(&k.db, key).await?
    } else {
        store::account_by_handle(&k.db, key).await?
    };
    let Some(account) = account else {
        return Ok(());
    };
    let Some(email) = account.email.clone() else {
        return Ok(());
    };
    let secret = new_secret(SecretKind::PasswordReset);
    let now = k.now();
    let ttl = k.config.password_reset_ttl_s;
    store::insert_password_reset(&k.db, account.id, &secret.hash, now, now.plus_seconds(ttl))
        .await?;
    let link = k.link(&format!("/reset-password/{}", secret.secret));
    k.mailer
        .send(Mail {
            to: email,
            subject: "Reset your Weft password".into(),
            body: format!(
                "Hello {},\n\nsomeone asked to reset the password of the Weft account @{}.\n\
                 To choose a new password, open this link within {} minutes:\n\n{link}\n\n\
                 The API takes the same token: POST /api/v1/password-resets/{} {{\"password\": …}}\n\
                 If you did not ask for this, ignore this mail; your password stays as it is.\n",
                account.display_name,
                account.handle,
                ttl / 60,
                secret.secret
            ),
        })
        .await
}

/// Sets a new password from a reset link, uses up every open link and ends every session.
/// The link is spent in one statement, so two requests racing with it cannot both succeed.
pub async fn complete_password_reset(
    k: &Kernel,
    token: &str,
    input: PasswordResetCompletion,
) -> Result<()> {
    if SecretKind::of(token) != Some(SecretKind::PasswordReset) {
        return Err(Error::NotFound("password reset"));
    }
    let hash = hash_secret(token);
    let now = k.now();
    let reset = store::password_reset_by_secret(&k.db, &hash)
        .await?
        .ok_or(Error::NotFound("password reset"))?;
    if reset.used_at.is_some() {
        return Err(Error::Gone(
            "this reset link was already used; ask for a new one".into(),
        ));
    }
    if reset.expires_at <= now.0 {
        return Err(Error::Gone(
            "this reset link has expired; ask for a new one".into(),
        ));
    }
    let account = store::account_by_id(&k.db, reset.account_id)
        .await?
        .ok_or(Error::NotFound("account"))?;
    let personal = [account.handle.as_str(), account.display_name.as_str()];
    check_password(&input.password, &personal).map_err(|e| Error::invalid("password", e))?;
    let password_hash = hash_password(k, &input.password).await?;

    let mut tx = k.db.begin().await?;
    if store::spend_password_reset(&mut tx, &hash, now).await? != Some(account.id) {
        return Err(Error::Gone(
            "this reset link was already used; ask for a new one".into(),
        ));
    }
    let changes = AccountChanges {
        display_name: None,
        handle: None,
        email: None,
        password_hash: Some(password_hash),
    };
    store::update_account(&mut tx, account.id, changes, now).await?;
    store::use_password_resets(&mut tx, account.id, now).await?;
    store::delete_sessions_except(&mut tx, account.id, None).await?;
    own_record(
        &mut tx,
        now,
        account.id,
        "Update",
        &account.handle,
        format!("{} reset their password", account.handle),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(account = %account.id, "password reset");
    Ok(())
}

/// Keeps `address` as `account`'s pending change, and answers whether another account already
/// has it. Then the change is stored with a hash no link can ever spend (the caller mails a
/// warning instead of `secret`), so the account looks the same either way and nobody learns
/// from the answer that the address is registered.
async fn pend_email_change(
    tx: &mut crate::db::Tx,
    account: AccountId,
    address: &str,
    secret: &crate::people::secrets::NewSecret,
    now: Timestamp,
) -> Result<bool> {
    let taken = store::account_by_email_in(tx, address).await?.is_some();
    let hash = if taken {
        hash_secret(&new_secret(SecretKind::EmailConfirmation).secret)
    } else {
        secret.hash.clone()
    };
    let until = now.plus_seconds(EMAIL_CONFIRMATION_TTL_S);
    store::insert_email_change(tx, account, address, &hash, now, until).await?;
    Ok(taken)
}

/// Mints a personal access token, never broader than the credential asking for it.
pub async fn create_token(k: &Kernel, actor: &Actor, input: TokenRequest) -> Result<NewToken> {
    policy::authorize_account(actor, AccountAction::Change)?;
    let mut v = Validation::new();
    let name = clean_display_name(&input.name)
        .map_err(|e| v.push("name", e))
        .ok();
    let scopes = match Scopes::from_list(&input.scopes) {
        Ok(s) if s.is_empty() => {
            v.push("scopes", "name at least one scope, e.g. \"read\"");
            None
        }
        Ok(s) if !actor.scopes.includes(&s) => {
            v.push("scopes", "a token cannot have scopes its creator lacks");
            None
        }
        Ok(s)
            if s.iter()
                .any(|s| s.tool_name().is_some_and(|t| k.tools.get(t).is_none())) =>
        {
            v.push("scopes", "a scope names a tool this server does not have");
            None
        }
        Ok(s) if s.allows(Scope::Account) && input.group.is_some() => {
            v.push(
                "scopes",
                "a token limited to a group cannot act on the account: drop \"account\" or \"group\"",
            );
            None
        }
        Ok(s) => Some(s),
        Err(e) => {
            v.push("scopes", e);
            None
        }
    };
    if let Some(expires_in) = input.expires_in
        && !(60..=366 * 24 * 3600).contains(&expires_in)
    {
        v.push("expires_in", "must be between 60 seconds and 366 days");
    }
    v.finish()?;
    let (Some(name), Some(scopes)) = (name, scopes) else {
        unreachable!("validated above")
    };
    // A token limited to a group: only a group you belong to, and never wider than yours.
    let group = match input.group.as_deref() {
        Some(key) => match crate::groups::access::load(k, Some(actor), key).await.ok() {
            Some(g) if g.standing.is_some() && actor.group.is_none_or(|own| own == g.row.id.0) => {
                Some(g.row.id.0)
            }
            _ => return Err(Error::invalid("group", "no such group among yours")),
        },
        None => actor.group,
    };

    let secret = new_secret(SecretKind::PersonalToken);
    let id = TokenId::new();
    let now = k.now();
    let expires_at = input.expires_in.map(|s| now.plus_seconds(s));
    let scope_text = scopes.to_string();
    store::insert_token(
        &k.db,
        &store::NewTokenRow {
            id,
            account: actor.account,
            name: &name,
            secret_hash: &secret.hash,
            scopes: &scope_text,
            group,
            now,
            expires_at,
        },
    )
    .await?;
    Ok(NewToken {
        info: TokenInfo {
            id,
            name,
            scopes: scopes.to_vec(),
            group,
            created_at: now,
            last_used_at: None,
            expires_at,
        },
        token: secret.secret,
    })
}

pub async fn list_tokens(k: &Kernel, actor: &Actor, page: &PageRequest) -> Result<Page<TokenInfo>> {
    policy::authorize_account(actor, AccountAction::ReadPrivate)?;
    let limit = page.limit()?;
    let rows = store::tokens_of(&k.db, actor.account, page.after()?, limit).await?;
    Ok(Page::from_rows(rows, limit, |r| r.id.0).map(|r| TokenInfo {
        id: r.id,
        name: r.name,
        scopes: r.scopes.split_whitespace().map(str::to_string).collect(),
        group: r.group_id,
        created_at: Timestamp(r.created_at),
        last_used_at: r.last_used_at.map(Timestamp),
        expires_at: r.expires_at.map(Timestamp),
    }))
}

pub async fn revoke_token(k: &Kernel, actor: &Actor, id: TokenId) -> Result<()> {
    policy::authorize_account(actor, AccountAction::Change)?;
    match store::delete_token(&k.db, actor.account, id).await? {
        0 => Err(Error::NotFound("token")),
        _ => Ok(()),
    }
}

/// Seals under the current key every account's secret key that an older key sealed or that
/// was kept before sealing (`kernel::seal`).
pub async fn reseal(k: &Kernel) -> Result<()> {
    for (id, kept) in store::secret_keys(&k.db).await? {
        if !k.seal.is_current(&kept) {
            let plain = k.seal.open(&kept, id.0.as_bytes())?;
            store::set_secret_key(&k.db, id, k.seal.seal(&plain, id.0.as_bytes())).await?;
        }
    }
    Ok(())
}

/// The account a reference names: its id, its handle or a former handle. Every field of the
/// API that names a person (`account`, `owner`, `to`, `voters`, `assignees`…) takes any of
/// them through this one function.
pub async fn account_ref(k: &Kernel, key: &str) -> Result<AccountId> {
    profile(k, key).await.map(|p| p.id).map_err(|e| match e {
        Error::NotFound(_) => Error::NotFound("account"),
        other => other,
    })
}
