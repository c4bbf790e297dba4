//! Outside tools: registered by a person, each is an OAuth client (a client id, and a secret
//! unless it is a public client) with its own actor account, under whose name what it posts
//! appears. A group that turns it on lets it get a token for that group alone (the client
//! credentials grant) to read the members and post activities; turning it off there deletes
//! those tokens at once.

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use utoipa::ToSchema;

use crate::error::Validation;
use crate::id::{AccountId, ToolId, ToolTokenId};
use crate::people::secrets::{KeyPair, SecretKind, hash_secret, random_bytes};
use crate::people::{Actor, Scope, Scopes};
use crate::policy::{self, AccountAction};
use crate::tool::store::{self, OutsideToolRow};
use crate::{Error, Kernel, Result, Timestamp};

/// How long a tool token lives.
pub const TOKEN_TTL_S: i64 = 3600;

/// What a tool token may hold: reading the group and its members, posting activities.
pub const TOOL_SCOPES: [Scope; 3] = [
    Scope::GroupsRead,
    Scope::MembersRead,
    Scope::ActivitiesWrite,
];

/// What an OAuth client may ask for at all (tool tokens and, later, sign-in).
const CLIENT_SCOPES: [&str; 7] = [
    "groups:read",
    "members:read",
    "activities:write",
    "openid",
    "profile",
    "email",
    "groups",
];

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTool {
    /// What people call it ("Loomio"). Its handle is made from it unless `handle` is given.
    pub name: String,
    /// 2–32 of a–z, 0–9 and `_`: the tool's name in paths and its actor's handle.
    pub handle: Option<String>,
    pub description: Option<String>,
    pub home_url: String,
    pub icon_url: Option<String>,
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    pub webhook_url: Option<String>,
    #[serde(default)]
    pub scopes: Vec<String>,
    /// A client that cannot keep a secret (a single-page app): no secret, PKCE only.
    #[serde(default)]
    pub public_client: bool,
    /// How its ID tokens are signed: `RS256` (the default, which every OpenID Connect client
    /// reads) or `EdDSA` (Ed25519: smaller and about fifty times cheaper to sign).
    pub id_token_signed_response_alg: Option<String>,
    /// Claims of the tool's own, mapped from the person's role (see [`ClaimRule`]).
    #[serde(default)]
    pub claims: Vec<ClaimRule>,
    /// Where the tool may send people after asking Weft to log them out (OpenID Connect
    /// RP-Initiated Logout), matched exactly.
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
    /// Where the tool may be used: `approval` (the default: a group asks, you approve) or
    /// `open` (any group turns it on).
    pub access: Option<Access>,
}

/// Where an outside tool may be used, as its registrar decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Any group may turn it on.
    Open,
    /// A group asks (`PUT …/tools/{tool}` answers 202); the registrar approves or rejects.
    Approval,
}

impl Access {
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Open => "open",
            Access::Approval => "approval",
        }
    }

    fn of(row: &OutsideToolRow) -> Access {
        if row.access == "open" {
            Access::Open
        } else {
            Access::Approval
        }
    }
}

/// A group's request to use an outside tool whose registrar approves each group.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ToolRequest {
    pub id: crate::id::ToolRequestId,
    pub tool: ToolId,
    pub group: crate::groups::model::GroupSummary,
    pub requested_by: Option<AccountId>,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    pub created_at: Timestamp,
    pub decided_at: Option<Timestamp>,
}

/// What a tool may change of how people sign in to it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInUpdate {
    pub redirect_uris: Option<Vec<String>>,
    pub id_token_signed_response_alg: Option<String>,
    pub claims: Option<Vec<ClaimRule>>,
    pub post_logout_redirect_uris: Option<Vec<String>>,
    /// Server administrators only: the tool is reviewed (`true`), so Weft may send browsers to
    /// it on its own — an error of its sign-in goes back to it rather than to a "continue to"
    /// page — or no longer (`false`).
    pub reviewed: Option<bool>,
    /// Where the tool may be used from now on (groups already using it keep it).
    pub access: Option<Access>,
}

/// A claim of the tool's own in ID tokens and userinfo (with the `groups` scope), made from
/// the person's role: in `group` when it is given, else their highest role among the groups
/// that use the tool (owner, admin, a custom role, member). Grafana, for one, reads a `role`
/// claim: `{"claim": "role", "values": {"owner": "Admin", "admin": "Editor"}, "default":
/// "Viewer"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimRule {
    pub claim: String,
    /// One group (its handle or id when given; kept, and shown, as its id).
    pub group: Option<String>,
    /// Role name → the claim's value.
    pub values: std::collections::BTreeMap<String, String>,
    /// The value when no role is mapped; without it the claim is left out.
    pub default: Option<String>,
}

/// Claims a rule may not take: the standard ones Weft fills itself.
const RESERVED_CLAIMS: [&str; 24] = [
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "nbf",
    "jti",
    "auth_time",
    "nonce",
    "acr",
    "amr",
    "azp",
    "at_hash",
    "c_hash",
    "sid",
    "name",
    "preferred_username",
    "email",
    "email_verified",
    "groups",
    "group_handles",
    "group_roles",
    "profile",
    "updated_at",
];

/// The signing algorithms a tool may choose for its ID tokens.
pub const ID_TOKEN_ALGS: [&str; 2] = ["RS256", "EdDSA"];

fn check_claims(v: &mut Validation, rules: &[ClaimRule]) {
    if rules.len() > 10 {
        v.push("claims", "at most 10 rules");
    }
    let mut seen = std::collections::BTreeSet::new();
    for (i, rule) in rules.iter().enumerate() {
        let name_ok = (1..=64).contains(&rule.claim.len())
            && rule
                .claim
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-.:".contains(c));
        if !name_ok {
            v.push(
                format!("claims[{i}].claim"),
                "1–64 of letters, digits and _ - . :",
            );
        } else if RESERVED_CLAIMS.contains(&rule.claim.as_str()) {
            v.push(
                format!("claims[{i}].claim"),
                "Weft fills this claim itself; choose another name",
            );
        } else if !seen.insert(rule.claim.clone()) {
            v.push(format!("claims[{i}].claim"), "each claim once");
        }
        if rule.values.len() > 50 {
            v.push(format!("claims[{i}].values"), "at most 50 roles");
        }
        let too_long = rule
            .values
            .iter()
            .any(|(k, val)| k.len() > 64 || val.len() > 200)
            || rule.default.as_ref().is_some_and(|d| d.len() > 200);
        if too_long {
            v.push(
                format!("claims[{i}].values"),
                "roles of at most 64 characters, values of at most 200",
            );
        }
    }
}

/// Claim rules with each `group` (given as a handle or an id) kept as the group's id, so a
/// group renamed, or deleted and its handle taken again, can never hand its roles to another.
/// Only a group the registrar may see can be named.
async fn claim_groups(
    k: &Kernel,
    actor: &Actor,
    mut rules: Vec<ClaimRule>,
    v: &mut Validation,
) -> Result<Vec<ClaimRule>> {
    for (i, rule) in rules.iter_mut().enumerate() {
        if let Some(key) = &rule.group {
            match crate::groups::access::load(k, Some(actor), key).await {
                Ok(group) => rule.group = Some(group.row.id.to_string()),
                Err(Error::NotFound(_)) => v.push(format!("claims[{i}].group"), "no such group"),
                Err(e) => return Err(e),
            }
        }
    }
    Ok(rules)
}

fn check_alg(v: &mut Validation, alg: Option<&str>) -> String {
    let alg = alg.unwrap_or("RS256");
    if !ID_TOKEN_ALGS.contains(&alg) {
        v.push("id_token_signed_response_alg", "RS256 or EdDSA");
    }
    alg.to_string()
}

/// A registered tool, as its owner sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OutsideTool {
    pub id: ToolId,
    /// The handle: path segment and actor.
    pub name: String,
    pub display_name: String,
    pub description: String,
    pub home_url: String,
    pub icon_url: Option<String>,
    pub redirect_uris: Vec<String>,
    pub webhook_url: Option<String>,
    pub scopes: Vec<String>,
    pub public_client: bool,
    pub client_id: String,
    /// The account its activities appear under.
    pub account: AccountId,
    pub registered_by: Option<AccountId>,
    pub created_at: Timestamp,
    pub secret_rotated_at: Timestamp,
    pub id_token_signed_response_alg: String,
    pub claims: Vec<ClaimRule>,
    pub post_logout_redirect_uris: Vec<String>,
    /// Whether a server administrator reviewed the tool (tools they register are).
    pub reviewed: bool,
    pub access: Access,
}

/// A registration's answer: the secret is shown this once.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Registered {
    #[serde(flatten)]
    pub tool: OutsideTool,
    pub client_secret: Option<String>,
}

/// A token for one group.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ToolToken {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub scope: String,
}

pub fn view(row: &OutsideToolRow, display_name: String) -> OutsideTool {
    OutsideTool {
        id: row.id,
        name: row.name.clone(),
        display_name,
        description: row.description.clone(),
        home_url: row.home_url.clone(),
        icon_url: row.icon_url.clone(),
        redirect_uris: redirect_uris(row),
        webhook_url: row.webhook_url.clone(),
        scopes: row.scopes.split_whitespace().map(str::to_string).collect(),
        public_client: row.public_client,
        client_id: row.client_id.clone(),
        account: row.account_id,
        registered_by: row.registered_by,
        created_at: Timestamp(row.created_at),
        secret_rotated_at: Timestamp(row.secret_rotated_at),
        id_token_signed_response_alg: row.id_token_alg.clone(),
        claims: claim_rules(row),
        post_logout_redirect_uris: post_logout_redirect_uris(row),
        reviewed: row.reviewed_at.is_some(),
        access: Access::of(row),
    }
}

/// The tool's claim rules (none when it keeps none).
pub fn claim_rules(row: &OutsideToolRow) -> Vec<ClaimRule> {
    row.claim_map
        .as_deref()
        .and_then(|m| serde_json::from_str(m).ok())
        .unwrap_or_default()
}

/// Registered redirect URIs.
pub fn redirect_uris(row: &OutsideToolRow) -> Vec<String> {
    serde_json::from_str(&row.redirect_uris).unwrap_or_default()
}

/// Registered post-logout redirect URIs.
pub fn post_logout_redirect_uris(row: &OutsideToolRow) -> Vec<String> {
    serde_json::from_str(&row.post_logout_redirect_uris).unwrap_or_default()
}

/// At most 20 `https` (or loopback `http`) URIs, each checked under `field[i]`.
fn check_uris(v: &mut Validation, field: &str, uris: &[String]) {
    if uris.len() > 20 {
        v.push(field, "at most 20");
    }
    for (i, uri) in uris.iter().enumerate() {
        v.check(&format!("{field}[{i}]"), check_url(uri, true));
    }
}

/// An absolute `http(s)` URL of at most 2,000 characters.
pub fn check_url(url: &str, https_only: bool) -> std::result::Result<(), String> {
    let parsed = url::Url::parse(url).map_err(|_| "must be an absolute URL".to_string())?;
    let ok_scheme = match parsed.scheme() {
        "https" => true,
        "http" => !https_only || matches!(parsed.host_str(), Some("localhost" | "127.0.0.1")),
        _ => false,
    };
    if !ok_scheme {
        return Err("must be an https URL (http only for localhost)".into());
    }
    if url.len() > 2000 {
        return Err("must be at most 2,000 characters".into());
    }
    if parsed.fragment().is_some() {
        return Err("must not have a fragment".into());
    }
    Ok(())
}

/// A client secret: long and random, so it is kept as SHA-256 like every bearer secret.
fn new_client_secret() -> String {
    format!(
        "weft_cs_{}",
        base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            random_bytes::<32>()
        )
    )
}

fn slug(name: &str) -> String {
    let mut s: String = name
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    while s.contains("__") {
        s = s.replace("__", "_");
    }
    s.trim_matches('_').chars().take(32).collect()
}

pub async fn register(k: &Kernel, actor: &Actor, input: NewTool) -> Result<Registered> {
    policy::authorize_account(actor, AccountAction::Change)?;
    let mut v = Validation::new();
    let display_name = crate::people::model::clean_display_name(&input.name).unwrap_or_else(|e| {
        v.push("name", e);
        String::new()
    });
    let handle = input.handle.clone().unwrap_or_else(|| slug(&input.name));
    v.check("handle", crate::people::model::check_handle(&handle));
    if crate::tool::is_reserved(k, &handle) {
        v.push(
            "handle",
            "this name is Weft's own (a built-in tool or part of the kernel); choose another",
        );
    }
    let description = input.description.clone().unwrap_or_default();
    if description.chars().count() > 1000 {
        v.push("description", "at most 1,000 characters");
    }
    v.check("home_url", check_url(&input.home_url, false));
    if let Some(icon) = &input.icon_url {
        v.check("icon_url", check_url(icon, false));
    }
    if let Some(hook) = &input.webhook_url {
        v.check("webhook_url", check_url(hook, false));
    }
    check_uris(&mut v, "redirect_uris", &input.redirect_uris);
    check_uris(
        &mut v,
        "post_logout_redirect_uris",
        &input.post_logout_redirect_uris,
    );
    let id_token_alg = check_alg(&mut v, input.id_token_signed_response_alg.as_deref());
    check_claims(&mut v, &input.claims);
    let claims = claim_groups(k, actor, input.claims.clone(), &mut v).await?;
    let mut scopes: Vec<String> = Vec::new();
    for (i, s) in input.scopes.iter().enumerate() {
        if !CLIENT_SCOPES.contains(&s.as_str()) {
            v.push(
                format!("scopes[{i}]"),
                format!("one of: {}", CLIENT_SCOPES.join(", ")),
            );
        } else if !scopes.contains(s) {
            scopes.push(s.clone());
        }
    }
    v.finish()?;
    if scopes.is_empty() {
        scopes = TOOL_SCOPES.iter().map(|s| s.to_string()).collect();
    }

    let now = k.now();
    let keys = KeyPair::generate();
    let account = AccountId::new();
    let sealed_key = k.seal.seal(&keys.secret, account.0.as_bytes());
    let secret = (!input.public_client).then(new_client_secret);
    let row = OutsideToolRow {
        id: ToolId::new(),
        name: handle.clone(),
        description,
        home_url: input.home_url,
        icon_url: input.icon_url,
        redirect_uris: serde_json::to_string(&input.redirect_uris).map_err(Error::internal)?,
        webhook_url: input.webhook_url,
        scopes: scopes.join(" "),
        public_client: input.public_client,
        client_id: format!("weft_client_{}", uuid::Uuid::now_v7().simple()),
        secret_hash: secret.as_deref().map(hash_secret),
        account_id: account,
        registered_by: Some(actor.account),
        created_at: now.0,
        secret_rotated_at: now.0,
        id_token_alg,
        claim_map: (!claims.is_empty())
            .then(|| serde_json::to_string(&claims))
            .transpose()
            .map_err(Error::internal)?,
        post_logout_redirect_uris: serde_json::to_string(&input.post_logout_redirect_uris)
            .map_err(Error::internal)?,
        // What a server administrator registers is reviewed by them.
        reviewed_at: actor.is_admin.then_some(now.0),
        access: input
            .access
            .unwrap_or(Access::Approval)
            .as_str()
            .to_string(),
    };
    let mut tx = k.db.begin().await?;
    // The tool's actor: an account no one can log in to (its password hash is no hash).
    crate::people::store::insert_account(
        &mut tx,
        &crate::people::store::NewAccountRow {
            id: account,
            handle: &handle,
            display_name: &display_name,
            email: None,
            password_hash: "!outside-tool",
            public_key: &keys.public,
            secret_key: &sealed_key,
            did: &keys.did,
            is_admin: false,
            now,
        },
    )
    .await
    .map_err(|e| match e {
        Error::Conflict { .. } => {
            Error::conflict("handle", "this name is taken; give another `handle`")
        }
        other => other,
    })?;
    store::insert(&mut tx, &row).await?;
    tx.commit().await?;
    tracing::info!(tool = %handle, by = %actor.handle, "outside tool registered");
    Ok(Registered {
        tool: view(&row, display_name),
        client_secret: secret,
    })
}

/// A tool its caller registered (or, for the server's admins, any).
/// The registration a path names (id or name), for who registered it or an administrator.
async fn owned(k: &Kernel, actor: &Actor, name: &str) -> Result<OutsideToolRow> {
    let row = store::by_key(&k.db, name)
        .await?
        .ok_or(Error::NotFound("tool"))?;
    if !crate::policy::manages_registration(actor, row.registered_by) {
        return Err(Error::Forbidden(
            "only who registered the tool manages it".into(),
        ));
    }
    Ok(row)
}

pub async fn get(k: &Kernel, actor: &Actor, name: &str) -> Result<OutsideTool> {
    policy::authorize_account(actor, AccountAction::ReadPrivate)?;
    let row = owned(k, actor, name).await?;
    view_named(k, &row).await
}

/// The registration with its actor's display name.
async fn view_named(k: &Kernel, row: &OutsideToolRow) -> Result<OutsideTool> {
    let names = crate::people::display_names(k, &[row.account_id]).await?;
    let display = names.get(&row.account_id).cloned().unwrap_or_default();
    Ok(view(row, display))
}

/// Changes how people sign in to a tool: its redirect URIs (after sign-in and after logout),
/// ID token algorithm, claim rules.
pub async fn update_sign_in(
    k: &Kernel,
    actor: &Actor,
    name: &str,
    input: SignInUpdate,
) -> Result<OutsideTool> {
    policy::authorize_account(actor, AccountAction::Change)?;
    if input.reviewed.is_some() {
        // The registrar cannot vouch for their own tool.
        policy::administer_server(Some(actor), Scope::Write)?;
    }
    let row = owned(k, actor, name).await?;
    let mut v = Validation::new();
    let uris = input.redirect_uris.unwrap_or_else(|| redirect_uris(&row));
    check_uris(&mut v, "redirect_uris", &uris);
    let after_logout = input
        .post_logout_redirect_uris
        .unwrap_or_else(|| post_logout_redirect_uris(&row));
    check_uris(&mut v, "post_logout_redirect_uris", &after_logout);
    let alg = check_alg(
        &mut v,
        Some(
            input
                .id_token_signed_response_alg
                .as_deref()
                .unwrap_or(&row.id_token_alg),
        ),
    );
    let rules = input.claims.unwrap_or_else(|| claim_rules(&row));
    check_claims(&mut v, &rules);
    let rules = claim_groups(k, actor, rules, &mut v).await?;
    v.finish()?;
    let uris_json = serde_json::to_string(&uris).map_err(Error::internal)?;
    let map = (!rules.is_empty())
        .then(|| serde_json::to_string(&rules))
        .transpose()
        .map_err(Error::internal)?;
    let reviewed_at = match input.reviewed {
        Some(reviewed) => reviewed.then(|| k.now().0),
        None => row.reviewed_at,
    };
    let access = input
        .access
        .unwrap_or(Access::of(&row))
        .as_str()
        .to_string();
    let row = OutsideToolRow {
        redirect_uris: uris_json,
        id_token_alg: alg,
        claim_map: map,
        post_logout_redirect_uris: serde_json::to_string(&after_logout).map_err(Error::internal)?,
        reviewed_at,
        access,
        ..row
    };
    let mut tx = k.db.begin().await?;
    store::set_sign_in(&mut tx, &row).await?;
    tx.commit().await?;
    view_named(k, &row).await
}

/// Whether `group` may turn `tool` on now: an open tool, or one whose registrar (or a server
/// administrator) is the one asking, or approved for the group before. Otherwise the ask is
/// recorded as a pending request (the registrar hears of it) and returned.
pub(crate) async fn may_enable(
    k: &Kernel,
    tx: &mut crate::db::Tx,
    actor: &Actor,
    tool: &OutsideToolRow,
    group: &crate::groups::store::GroupRow,
) -> Result<Option<ToolRequest>> {
    if Access::of(tool) == Access::Open
        || crate::policy::manages_registration(actor, tool.registered_by)
    {
        return Ok(None);
    }
    if let Some(asked) = store::request_of(tx, tool.id, group.id).await?
        && asked.status == "approved"
    {
        return Ok(None);
    }
    let now = k.now();
    store::ask(
        tx,
        crate::id::ToolRequestId::new(),
        tool.id,
        group.id,
        actor.account,
        now,
    )
    .await?;
    let row = store::request_of(tx, tool.id, group.id)
        .await?
        .ok_or(Error::NotFound("tool request"))?;
    // The registrar hears of it; the group's readers see that it was asked.
    let registrar: Vec<AccountId> = tool.registered_by.into_iter().collect();
    crate::activity::record(
        tx,
        now,
        crate::activity::NewActivity::new(
            "weft:ToolRequested",
            Some(actor.account),
            crate::activity::ObjectRef::new("weft:Tool", tool.id, Some(&tool.name)),
            crate::activity::Audience::Group(group.id),
        )
        .notify(registrar, "tool_request")
        .summary(format!(
            "{} asked to use {} in {}",
            actor.handle, tool.name, group.name
        ))
        .extra(serde_json::json!({ "request": row.id })),
    )
    .await?;
    Ok(Some(request_of_row(row, group)))
}

fn request_of_row(
    row: store::ToolRequestRow,
    group: &crate::groups::store::GroupRow,
) -> ToolRequest {
    ToolRequest {
        id: row.id,
        tool: row.tool_id,
        group: crate::groups::model::GroupSummary {
            id: group.id,
            handle: group.handle.clone(),
            name: group.name.clone(),
        },
        requested_by: row.requested_by,
        status: row.status,
        created_at: Timestamp(row.created_at),
        decided_at: row.decided_at.map(Timestamp),
    }
}

/// The requests to use a tool, for who registered it (or a server administrator).
pub async fn requests(
    k: &Kernel,
    actor: &Actor,
    tool: &str,
    page: &crate::page::PageRequest,
) -> Result<crate::page::Page<ToolRequest>> {
    policy::authorize_account(actor, AccountAction::ReadPrivate)?;
    let tool = owned(k, actor, tool).await?;
    let limit = page.limit()?;
    let rows = store::requests_of_tool(&k.db, tool.id, page.after()?, limit).await?;
    let mut groups = std::collections::HashMap::new();
    for row in &rows {
        if !groups.contains_key(&row.group_id)
            && let Some(g) =
                crate::groups::store::group_by_key(&k.db, &row.group_id.to_string()).await?
        {
            groups.insert(row.group_id, g);
        }
    }
    let found = crate::page::Page::from_rows(rows, limit, |r| r.id.0);
    Ok(crate::page::Page {
        items: found
            .items
            .into_iter()
            .filter_map(|r| {
                let group = groups.get(&r.group_id)?.clone();
                Some(request_of_row(r, &group))
            })
            .collect(),
        next_cursor: found.next_cursor,
    })
}

/// The registrar approves (the group uses the tool from now on) or rejects a request.
pub async fn decide_request(
    k: &Kernel,
    actor: &Actor,
    id: crate::id::ToolRequestId,
    approve: bool,
) -> Result<ToolRequest> {
    policy::authorize_account(actor, AccountAction::Change)?;
    let request = store::request(&k.db, id)
        .await?
        .ok_or(Error::NotFound("tool request"))?;
    let tool = store::by_id(&k.db, request.tool_id)
        .await?
        .ok_or(Error::NotFound("tool request"))?;
    if !crate::policy::manages_registration(actor, tool.registered_by) {
        return Err(Error::NotFound("tool request"));
    }
    let group = crate::groups::store::group_by_key(&k.db, &request.group_id.to_string())
        .await?
        .ok_or(Error::NotFound("tool request"))?;
    let now = k.now();
    let status = if approve { "approved" } else { "rejected" };
    let mut tx = k.db.begin().await?;
    if !store::decide(&mut tx, id, status, actor.account, now).await? {
        return Err(Error::Gone(format!(
            "this request was already {}",
            request.status
        )));
    }
    if approve {
        let by = request.requested_by.unwrap_or(actor.account);
        crate::groups::store::enable_tool(&mut tx, group.id, &tool.name, by, now).await?;
    }
    let (kind, verb) = if approve {
        ("Add", "approved")
    } else {
        ("Reject", "turned down")
    };
    crate::activity::record(
        &mut tx,
        now,
        crate::activity::NewActivity::new(
            kind,
            Some(actor.account),
            crate::activity::ObjectRef::new("weft:Tool", tool.id, Some(&tool.name)),
            crate::activity::Audience::Group(group.id),
        )
        .notify(request.requested_by, "tool_request_decided")
        .summary(format!(
            "{} {verb} {} for {}",
            actor.handle, tool.name, group.name
        )),
    )
    .await?;
    let row = store::request_of(&mut tx, tool.id, group.id)
        .await?
        .ok_or(Error::NotFound("tool request"))?;
    tx.commit().await?;
    Ok(request_of_row(row, &group))
}

/// Why a client is not who it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientError {
    /// Unknown client, a wrong or missing secret, or a secret from a public client.
    Invalid,
    Internal(String),
}

/// The client a request comes from: a confidential client proves itself with its secret; a
/// public client names itself and has none (PKCE stands in for it).
pub async fn authenticate_client(
    k: &Kernel,
    client_id: &str,
    client_secret: Option<&str>,
) -> std::result::Result<OutsideToolRow, ClientError> {
    let row = store::by_client_id(&k.db, client_id)
        .await
        .map_err(|e| ClientError::Internal(e.to_string()))?
        .ok_or(ClientError::Invalid)?;
    match (&row.secret_hash, client_secret) {
        (Some(expected), Some(given)) => {
            let given = hash_secret(given);
            if bool::from(expected.as_slice().ct_eq(&given)) {
                Ok(row)
            } else {
                Err(ClientError::Invalid)
            }
        }
        (None, None) if row.public_client => Ok(row),
        _ => Err(ClientError::Invalid),
    }
}

/// A new client secret; the old one stops working at once.
pub async fn rotate_secret(k: &Kernel, actor: &Actor, name: &str) -> Result<Registered> {
    policy::authorize_account(actor, AccountAction::Change)?;
    let row = owned(k, actor, name).await?;
    if row.public_client {
        return Err(Error::conflict(
            "public_client",
            "a public client has no secret",
        ));
    }
    let secret = new_client_secret();
    let now = k.now();
    let mut tx = k.db.begin().await?;
    store::set_secret(&mut tx, row.id, hash_secret(&secret), now).await?;
    // The old secret's tokens end with it.
    store::delete_tokens(&mut tx, row.id, None).await?;
    tx.commit().await?;
    let row = OutsideToolRow {
        secret_rotated_at: now.0,
        ..row
    };
    Ok(Registered {
        tool: view_named(k, &row).await?,
        client_secret: Some(secret),
    })
}

/// Why a client credentials request is refused, in RFC 6749's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantError {
    /// Unknown client, wrong secret, or a public client (which may not use this grant).
    InvalidClient,
    /// The scope names no group, a group that does not use the tool, or scopes the tool may
    /// not have.
    InvalidScope(String),
    /// Something failed inside (the database).
    Internal(String),
}

/// The client credentials grant, for a client [`authenticate_client`] let in: `scope` must
/// name one group (`group:{handle}`) that has the tool turned on, and may ask for the tool
/// scopes the tool registered (all of them when it names none). A public client has no
/// secret to sign with, so it may not use this grant.
pub async fn grant(
    k: &Kernel,
    row: &OutsideToolRow,
    scope: Option<&str>,
) -> std::result::Result<ToolToken, GrantError> {
    let internal = |e: Error| GrantError::Internal(e.to_string());
    if row.secret_hash.is_none() {
        return Err(GrantError::InvalidClient);
    }
    let mut group = None;
    let mut wanted: Vec<Scope> = Vec::new();
    for part in scope.unwrap_or_default().split_whitespace() {
        if let Some(handle) = part.strip_prefix("group:") {
            if group.replace(handle.to_string()).is_some() {
                return Err(GrantError::InvalidScope("one group per token".into()));
            }
            continue;
        }
        let s: Scope = part
            .parse()
            .map_err(|_| GrantError::InvalidScope(format!("unknown scope {part}")))?;
        if !TOOL_SCOPES.contains(&s) || !row.scopes.split_whitespace().any(|r| r == part) {
            return Err(GrantError::InvalidScope(format!(
                "this tool may not have {part}"
            )));
        }
        wanted.push(s);
    }
    let Some(group) = group else {
        return Err(GrantError::InvalidScope(
            "name the group: scope=group:{handle} …".into(),
        ));
    };
    if wanted.is_empty() {
        wanted = TOOL_SCOPES
            .into_iter()
            .filter(|s| row.scopes.split_whitespace().any(|r| *r == s.to_string()))
            .collect();
    }
    let (group_id, handle) = crate::groups::store::group_using_tool(&k.db, &group, &row.name)
        .await
        .map_err(internal)?
        .ok_or_else(|| GrantError::InvalidScope(format!("no group {group} uses this tool")))?;
    let scopes = Scopes::from_list(&wanted.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        .map_err(GrantError::InvalidScope)?;
    let now = k.now();
    // An opaque secret kept as its SHA-256: nothing in the database lets anyone make one.
    let secret = crate::people::secrets::new_secret(SecretKind::ToolToken);
    let scope_text = scopes.to_string();
    k.tool_tokens
        .write(
            &k.db,
            store::NewToolToken {
                id: ToolTokenId::new(),
                tool: row.id,
                group: group_id,
                secret_hash: secret.hash,
                scopes: scope_text,
                now,
                expires_at: now.plus_seconds(TOKEN_TTL_S),
            },
        )
        .await
        .map_err(internal)?;
    // Now and then, forget tokens that expired a day ago.
    if random_bytes::<1>()[0] == 0 {
        store::purge_tokens(&k.db, now.plus_seconds(-24 * 3600))
            .await
            .map_err(internal)?;
    }
    let token = secret.secret;
    Ok(ToolToken {
        access_token: token,
        token_type: "Bearer",
        expires_in: TOKEN_TTL_S,
        scope: format!("group:{handle} {scopes}"),
    })
}

/// A tool token as a credential: one Weft issued (its SHA-256 is kept), not expired, for a
/// group that still has the tool on (turning it off, or rotating the secret, deleted it).
pub async fn authenticate(
    k: &Kernel,
    token: &str,
) -> Result<Option<crate::people::store::CredentialRow>> {
    let Some(row) = store::token_by_secret(&k.db, &hash_secret(token)).await? else {
        return Ok(None);
    };
    if row.expires_at.is_some_and(|e| e <= k.now().0) {
        return Ok(None);
    }
    Ok(Some(row))
}
