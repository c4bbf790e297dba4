//! The intents tool's use cases for intents themselves: posting (with a bounty, matching and
//! notices), reading, the directories, withdrawing, renewing, expiring, and adding to a
//! bounty. Responses and fulfilment are in `responses`.

use std::collections::HashMap;

use kernel::activity::{self, Audience, NewActivity, ObjectRef};
use kernel::db::Tx;
use kernel::error::Validation;
use kernel::groups::access::{Loaded, load};
use kernel::groups::model::GroupSummary;
use kernel::jobs::NewJob;
use kernel::people::Actor;
use kernel::policy::Action;
use kernel::{Error, Kernel, Result, Timestamp};
use ledger::{Ledger, amount};
use serde_json::json;

use crate::bounty;
use crate::matching;
use crate::model::*;
use crate::store::{self, ContributionRow, IntentRow, Listing};

// ---------------------------------------------------------------------------------------
// Loading with the policy

/// A group whose intents `actor` may read, with the tool on.
pub(crate) async fn group_for(k: &Kernel, actor: Option<&Actor>, key: &str) -> Result<Loaded> {
    kernel::groups::access::for_tool(k, actor, key, TOOL).await
}

/// An intent `actor` may read, with its group.
pub(crate) async fn intent_for(
    k: &Kernel,
    actor: Option<&Actor>,
    id: IntentId,
) -> Result<(IntentRow, Loaded)> {
    let row = store::intent(&k.db, id)
        .await?
        .ok_or(Error::NotFound("intent"))?;
    let group = group_for(k, actor, &row.group_id.to_string())
        .await
        .map_err(Error::hidden_as("intent"))?;
    Ok((row, group))
}

/// The intent held for a change, and still there.
pub(crate) async fn lock(tx: &mut Tx, id: IntentId) -> Result<IntentRow> {
    store::lock_intent(tx, id)
        .await?
        .ok_or(Error::NotFound("intent"))
}

fn state_of(row: &IntentRow) -> IntentState {
    row.state.parse().unwrap_or(IntentState::Expired)
}

pub(crate) fn require_live(row: &IntentRow) -> Result<()> {
    if state_of(row).is_live() {
        Ok(())
    } else {
        Err(Error::conflict(
            "intent",
            format!("this {} is {}", row.kind, row.state),
        ))
    }
}

/// The author acts with `ToolUse`; anyone else needs the tool's manage permission.
fn author_or_manager(group: &Loaded, actor: &Actor, row: &IntentRow) -> Result<()> {
    if row.author_id == actor.account {
        group.authorize(Some(actor), Action::ToolUse(TOOL))
    } else {
        group.authorize(Some(actor), Action::Tool(MANAGE))
    }
}

pub(crate) fn object(row: &IntentRow) -> ObjectRef {
    ObjectRef::new("weft:Intent", row.id, Some(&row.title))
}

/// An activity about an intent, linking to its page (where the inbox's line leads).
pub(crate) fn activity(kind: &str, actor: Option<&Actor>, row: &IntentRow) -> NewActivity {
    let mut new = NewActivity::new(
        kind,
        actor.map(|a| a.account),
        object(row),
        Audience::Group(row.group_id),
    )
    .tool(TOOL);
    new.url = Some(format!("/groups/{}/{TOOL}/{}", row.group_id, row.id));
    new
}

pub(crate) fn page_path(group: &GroupSummary, id: IntentId) -> String {
    format!("/groups/{}/intents/{id}", group.handle)
}

// ---------------------------------------------------------------------------------------
// Views

/// Intents as the API shows them; `groups` holds the summary of each one's group.
pub(crate) async fn views(
    k: &Kernel,
    rows: Vec<IntentRow>,
    groups: &HashMap<GroupId, GroupSummary>,
) -> Result<Vec<Intent>> {
    let ids: Vec<IntentId> = rows.iter().map(|r| r.id).collect();
    let with_bounty: Vec<IntentId> = rows
        .iter()
        .filter(|r| r.bounty_currency.is_some())
        .map(|r| r.id)
        .collect();
    let contributions = store::contributions_of(&k.db, &with_bounty).await?;
    let counts: HashMap<IntentId, i64> = store::response_counts(&k.db, &ids)
        .await?
        .into_iter()
        .map(|c| (c.intent_id, c.n))
        .collect();
    let mut people: Vec<AccountId> = rows.iter().map(|r| r.author_id).collect();
    people.extend(contributions.iter().map(|c| c.contributor_id));
    let handles = handles(k, &people).await?;
    let mut currencies: HashMap<ledger::CurrencyId, (String, u32)> = HashMap::new();
    for c in rows.iter().filter_map(|r| r.bounty_currency) {
        if let std::collections::hash_map::Entry::Vacant(e) = currencies.entry(c) {
            let row = ledger::store::currency(&k.db, c).await?;
            e.insert(row.map_or(("?".into(), 0), |r| (r.code.clone(), r.scale())));
        }
    }
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let Some(group) = groups.get(&row.group_id).cloned() else {
            continue;
        };
        // A bounty shows once money is in it (not while its first money is moving).
        let held = row
            .bounty_state
            .as_deref()
            .and_then(|s| s.parse::<BountyState>().ok());
        let bounty = match (row.bounty_currency, held) {
            (Some(currency), Some(state)) => {
                let (code, scale) = currencies.get(&currency).cloned().unwrap_or_default();
                let mine: Vec<&ContributionRow> = contributions
                    .iter()
                    .filter(|c| {
                        c.intent_id == row.id && c.state == ContributionState::Held.as_str()
                    })
                    .collect();
                Some(Bounty {
                    currency_id: currency,
                    currency: code,
                    amount: amount::format(mine.iter().map(|c| c.amount).sum(), scale),
                    state,
                    contributions: mine
                        .iter()
                        .map(|c| Contribution {
                            person: person(&handles, c.contributor_id),
                            amount: amount::format(c.amount, scale),
                        })
                        .collect(),
                })
            }
            _ => None,
        };
        out.push(Intent {
            id: row.id,
            url: page_path(&group, row.id),
            group,
            kind: row.kind.parse().unwrap_or(IntentKind::Offer),
            tags: row.tag_list(),
            quantity: row.quantity,
            unit: row.unit.clone(),
            item: row.item.as_deref().and_then(|i| i.parse().ok()),
            location: row.place.clone().map(|name| Location {
                name,
                lat: row.lat,
                lon: row.lon,
            }),
            from: row.starts_at.map(|t| Timestamp(t).to_rfc3339()),
            until: row.ends_at.map(|t| Timestamp(t).to_rfc3339()),
            expires: Timestamp(row.expires_at).to_rfc3339(),
            public: row.shared == 1,
            state: state_of(&row),
            author: person(&handles, row.author_id),
            bounty,
            responses: counts.get(&row.id).copied().unwrap_or(0),
            author_done: row.author_done_at.is_some(),
            images: None,
            created_at: Timestamp(row.created_at).to_rfc3339(),
            updated_at: Timestamp(row.updated_at).to_rfc3339(),
            title: row.title,
            description: row.description,
        });
    }
    Ok(out)
}

pub(crate) async fn handles(k: &Kernel, ids: &[AccountId]) -> Result<HashMap<AccountId, String>> {
    let mut ids = ids.to_vec();
    ids.sort();
    ids.dedup();
    Ok(kernel::people::service::handles(k, &ids)
        .await?
        .into_iter()
        .collect())
}

/// A person as the API shows them; a deleted account shows as `former member`.
pub(crate) fn person(handles: &HashMap<AccountId, String>, id: AccountId) -> Person {
    Person {
        id,
        handle: handles
            .get(&id)
            .cloned()
            .unwrap_or_else(|| "former member".into()),
    }
}

async fn one_view(k: &Kernel, row: IntentRow, group: &Loaded) -> Result<Intent> {
    let groups = HashMap::from([(group.row.id, group.row.summary())]);
    let id = row.id;
    let mut intent = views(k, vec![row], &groups)
        .await?
        .pop()
        .ok_or(Error::internal("an intent without its view"))?;
    let images = kernel::files::of_found(k, group.row.id, SUBJECT, &id.to_string()).await?;
    intent.images = Some(
        images
            .into_iter()
            .filter(|f| f.content_type.starts_with("image/"))
            .map(|f| Image {
                url: format!("/api/v1/files/{}", f.id),
                id: f.id.to_string(),
                name: f.name,
            })
            .collect(),
    );
    Ok(intent)
}

pub async fn get_intent(k: &Kernel, actor: Option<&Actor>, id: IntentId) -> Result<Intent> {
    let (row, group) = intent_for(k, actor, id).await?;
    one_view(k, row, &group).await
}

// ---------------------------------------------------------------------------------------
// Posting

/// The parts of a new intent that need checking, checked.
struct Checked {
    row: IntentRow,
    bounty: Option<ledger::service::OwnMoney>,
}

async fn check_new(
    k: &Kernel,
    actor: &Actor,
    group: &Loaded,
    input: NewIntent,
    client_key: Option<String>,
) -> Result<Checked> {
    let now = k.now();
    let mut v = Validation::new();
    let title = input.title.trim().to_string();
    if !(1..=200).contains(&title.chars().count()) {
        v.push("title", "1 to 200 characters");
    }
    let description = input.description.unwrap_or_default().trim().to_string();
    if description.chars().count() > 20_000 {
        v.push("description", "at most 20000 characters");
    }
    let tags = tags(&mut v, "tags", input.tags.unwrap_or_default());
    if let Some(q) = input.quantity
        && !(q.is_finite() && q > 0.0 && q <= 1e12)
    {
        v.push("quantity", "a positive number");
    }
    let unit = input
        .unit
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty());
    if unit.as_ref().is_some_and(|u| u.chars().count() > 40) {
        v.push("unit", "at most 40 characters");
    }
    let (place, lat, lon) = match input.location {
        None => (None, None, None),
        Some(l) => {
            let name = l.name.trim().to_string();
            if !(1..=200).contains(&name.chars().count()) {
                v.push("location.name", "1 to 200 characters");
            }
            match (l.lat, l.lon) {
                (Some(lat), Some(lon)) => {
                    if let Err(e) = check_point(lat, lon) {
                        let field = if e.contains("latitude") {
                            "location.lat"
                        } else {
                            "location.lon"
                        };
                        v.push(field, e);
                    }
                }
                (None, None) => {}
                _ => v.push("location", "give both lat and lon, or neither"),
            }
            (Some(name), l.lat, l.lon)
        }
    };
    let mut when = |field: &str, text: Option<String>, end: bool| {
        text.filter(|t| !t.trim().is_empty())
            .and_then(|t| match moment(&t, end) {
                Ok(m) => Some(m.0),
                Err(e) => {
                    v.push(field, e);
                    None
                }
            })
    };
    let starts = when("from", input.from, false);
    let ends = when("until", input.until, true);
    let expires = when("expires", input.expires, true);
    if let (Some(s), Some(e)) = (starts, ends)
        && s > e
    {
        v.push("until", "the window ends after it starts");
    }
    if ends.is_some_and(|e| e <= now.0) {
        v.push("until", "the window has ended already");
    }
    let expires = expires
        .or(ends)
        .unwrap_or(now.plus_seconds(DEFAULT_LIFE_S).0);
    if expires <= now.0 {
        v.push("expires", "a time still to come");
    } else if expires > now.plus_seconds(MAX_LIFE_S).0 {
        v.push("expires", "at most a year from now");
    }
    let shared = input.public.unwrap_or(false);
    if shared && group.authorize(None, Action::ToolRead(TOOL)).is_err() {
        v.push(
            "public",
            "only a public group's offers and requests can be shared with other groups",
        );
    }
    let bounty = match &input.bounty {
        Some(_) if input.kind == IntentKind::Offer => {
            v.push("bounty", "only a request carries a bounty");
            None
        }
        Some(b) => {
            ledger::service::own_money(
                k,
                actor,
                &mut v,
                group.row.id,
                &b.currency,
                &b.amount,
                "bounty.",
            )
            .await?
        }
        None => None,
    };
    v.finish()?;
    let words = Facts::new(&title, &description, &tags, None, (None, None))
        .words
        .join(" ");
    let row = IntentRow {
        id: IntentId::new(),
        group_id: group.row.id,
        author_id: actor.account,
        kind: input.kind.as_str().into(),
        title,
        description,
        words,
        tags: serde_json::to_string(&tags).map_err(Error::internal)?,
        quantity: input.quantity,
        unit,
        item: input.item.map(|i| i.as_str().to_string()),
        place,
        lat,
        lon,
        starts_at: starts,
        ends_at: ends,
        expires_at: expires,
        shared: i64::from(shared),
        state: IntentState::Open.as_str().into(),
        author_done_at: None,
        bounty_currency: bounty.as_ref().map(|b| b.currency),
        bounty_state: bounty.as_ref().map(|_| ESCROWING.to_string()),
        payees: None,
        prompted_at: None,
        client_key,
        created_at: now.0,
        updated_at: now.0,
        closed_at: None,
    };
    Ok(Checked { row, bounty })
}

/// Tags as stored, errors on `field`.
pub(crate) fn tags(v: &mut Validation, field: &str, given: Vec<String>) -> Vec<String> {
    if given.len() > MAX_TAGS {
        v.push(field, format!("at most {MAX_TAGS} tags"));
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::new();
    for t in given {
        match tag(&t) {
            Some(t) if !out.contains(&t) => out.push(t),
            Some(_) => {}
            None => v.push(
                field,
                format!("{t:?}: a tag is 1 to 40 letters, digits, - or _"),
            ),
        }
    }
    out
}

/// Posts an offer or a request. A retry with the same `Idempotency-Key` answers the intent
/// it made (and `true`).
pub async fn create_intent(
    ledger: &Ledger,
    actor: &Actor,
    group_key: &str,
    input: NewIntent,
    client_key: Option<String>,
) -> Result<(Intent, bool)> {
    let k = ledger.kernel();
    let group = group_for(k, Some(actor), group_key).await?;
    group.authorize(Some(actor), Action::ToolUse(TOOL))?;
    if let Some(key) = &client_key
        && let Some(row) = store::by_client_key(&k.db, actor.account, key).await?
    {
        if row.group_id != group.row.id {
            return Err(Error::conflict(
                "Idempotency-Key",
                "this key was used for an intent in another group",
            ));
        }
        return Ok((one_view(k, row, &group).await?, true));
    }
    let Checked { row, bounty } = check_new(k, actor, &group, input, client_key).await?;
    let matches = matching::counterparts(k, &row, NOTIFY_MATCHES).await?;
    let mut tx = k.db.begin().await?;
    store::insert_intent(&mut tx, &row).await?;
    let contribution = match &bounty {
        Some(b) => {
            let c = ContributionRow {
                id: ContributionId::new(),
                intent_id: row.id,
                contributor_id: actor.account,
                payer: b.payer,
                amount: b.amount,
                state: ContributionState::Escrowing.as_str().into(),
                client_key: None,
                created_at: row.created_at,
            };
            store::insert_contribution(&mut tx, &c).await?;
            Some((c, b.currency))
        }
        None => {
            publish(k, &mut tx, &row, &group, Some(actor), &matches).await?;
            None
        }
    };
    tx.commit().await?;
    if let Some((c, currency)) = contribution {
        // The request exists with its bounty "escrowing"; the money moves now. Refused: the
        // request goes, as if never posted (nothing moved).
        if let Err(e) = bounty::escrow(ledger, actor, &row, &c, currency, "bounty.").await {
            let mut tx = k.db.begin().await?;
            store::remove_intent(&mut tx, row.id).await?;
            tx.commit().await?;
            return Err(e);
        }
        let mut tx = k.db.begin().await?;
        let mut current = lock(&mut tx, row.id).await?;
        store::set_contribution_state(&mut tx, c.id, ContributionState::Held.as_str()).await?;
        current.bounty_state = Some(BountyState::Held.as_str().into());
        store::save_intent(&mut tx, &current).await?;
        publish(k, &mut tx, &current, &group, Some(actor), &matches).await?;
        tx.commit().await?;
    }
    let row = store::intent(&k.db, row.id)
        .await?
        .ok_or(Error::NotFound("intent"))?;
    Ok((one_view(k, row, &group).await?, false))
}

/// Makes a new intent findable and tells who should know: the authors of its best matches,
/// and those who follow one of its tags and may read it. Schedules its expiry and its
/// "still needed?" prompt.
async fn publish(
    k: &Kernel,
    tx: &mut Tx,
    row: &IntentRow,
    group: &Loaded,
    actor: Option<&Actor>,
    matches: &[matching::Found],
) -> Result<()> {
    let now = k.now();
    let facts = matching::facts_of(row);
    store::insert_terms(
        tx,
        row.id,
        &row.kind,
        &matching::scopes_of(row.group_id, row.shared == 1),
        &facts.terms(),
    )
    .await?;
    let by = actor.map_or("someone".to_string(), |a| a.handle.clone());
    let mut matched: Vec<AccountId> = matches
        .iter()
        .filter(|m| m.score >= NOTIFY_SCORE)
        .map(|m| m.row.author_id)
        .collect();
    matched.sort();
    matched.dedup();
    // Told only if they may still read it: a counterpart's author may have left the group.
    let matched = who_may_read(k, row, group, matched).await?;
    let mut new = activity("Create", actor, row)
        .summary(format!("{by} posted the {} {}", row.kind, row.title))
        .extra(json!({ "kind": row.kind, "tags": row.tag_list() }));
    if !matched.is_empty() {
        let best = matches.first().map(|m| m.why.clone()).unwrap_or_default();
        new = new.notify(matched.clone(), "intent_match").summary(format!(
            "{by} posted the {} {}, which matches yours ({best})",
            row.kind, row.title
        ));
    }
    activity::record(tx, now, new).await?;
    let followers = followers_who_may_read(k, row, group, &matched).await?;
    if !followers.is_empty() {
        let new = activity("Announce", actor, row)
            .summary(format!(
                "A new {} with a tag you follow: {}",
                row.kind, row.title
            ))
            .notify(followers, "followed_tag");
        activity::record(tx, now, new).await?;
    }
    schedule(tx, now, row).await
}

async fn followers_who_may_read(
    k: &Kernel,
    row: &IntentRow,
    group: &Loaded,
    told: &[AccountId],
) -> Result<Vec<AccountId>> {
    let followers: Vec<AccountId> = store::followers(&k.db, &row.tag_list())
        .await?
        .into_iter()
        .filter(|p| *p != row.author_id && !told.contains(p))
        .collect();
    who_may_read(k, row, group, followers).await
}

/// Those of `people` who may read an intent: anyone, in a group whose intents anyone reads;
/// its members otherwise.
async fn who_may_read(
    k: &Kernel,
    row: &IntentRow,
    group: &Loaded,
    people: Vec<AccountId>,
) -> Result<Vec<AccountId>> {
    if group.authorize(None, Action::ToolRead(TOOL)).is_ok() {
        return Ok(people);
    }
    let mut out = Vec::with_capacity(people.len());
    for person in people {
        if kernel::groups::access::is_member(k, row.group_id, person).await? {
            out.push(person);
        }
    }
    Ok(out)
}

/// The expiry and the "still needed?" prompt of an intent, by its current expiry.
async fn schedule(tx: &mut Tx, now: Timestamp, row: &IntentRow) -> Result<()> {
    let payload = json!({ "intent": row.id, "expires_at": row.expires_at });
    kernel::jobs::enqueue(
        tx,
        now,
        NewJob::new(EXPIRE_JOB, payload.clone())
            .at(Timestamp(row.expires_at))
            .unique(format!("{EXPIRE_JOB}:{}:{}", row.id, row.expires_at)),
    )
    .await?;
    let life = (row.expires_at - now.0).max(0);
    let before = (PROMPT_BEFORE_S * Timestamp::MICROS_PER_SECOND).min(life / 2);
    kernel::jobs::enqueue(
        tx,
        now,
        NewJob::new(PROMPT_JOB, payload)
            .at(Timestamp(row.expires_at - before))
            .unique(format!("{PROMPT_JOB}:{}:{}", row.id, row.expires_at)),
    )
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Lists

fn states(given: Option<&str>) -> Result<&'static [&'static str]> {
    match given.unwrap_or("open") {
        "open" => Ok(&["open", "committed"]),
        "closed" => Ok(&["fulfilled", "withdrawn", "expired"]),
        "all" => Ok(&[]),
        _ => Err(Error::invalid("state", "open, closed or all")),
    }
}

/// Intents by `filter` among `groups`, newest first.
async fn listed(
    k: &Kernel,
    groups: &[Loaded],
    filter: &Filter,
    author: Option<AccountId>,
) -> Result<IntentList> {
    let (rows, next) = listed_rows(k, groups, filter, author).await?;
    let summaries = groups.iter().map(|g| (g.row.id, g.row.summary())).collect();
    Ok(IntentList {
        items: views(k, rows, &summaries).await?,
        next,
    })
}

/// The rows `listed` shows, and the id to page on.
async fn listed_rows(
    k: &Kernel,
    groups: &[Loaded],
    filter: &Filter,
    author: Option<AccountId>,
) -> Result<(Vec<IntentRow>, Option<IntentId>)> {
    let mut v = Validation::new();
    let near = match filter.near.as_deref() {
        Some(text) => match point(text) {
            Ok(p) => Some(p),
            Err(e) => {
                v.push("near", e);
                None
            }
        },
        None => None,
    };
    let km = filter.km.unwrap_or(25.0);
    if !(km.is_finite() && km > 0.0 && km <= 20_000.0) {
        v.push("km", "more than 0 and at most 20000");
    }
    let currency = match filter.currency.as_deref() {
        Some(text) => match text.trim().parse::<uuid::Uuid>() {
            Ok(u) => Some(ledger::CurrencyId(u)),
            Err(_) => {
                v.push("currency", "a currency's id");
                None
            }
        },
        None => None,
    };
    let tag = match filter.tag.as_deref() {
        Some(t) => match crate::model::tag(t) {
            Some(t) => Some(t),
            None => {
                v.push("tag", "1 to 40 letters, digits, - or _");
                None
            }
        },
        None => None,
    };
    let states = match states(filter.state.as_deref()) {
        Ok(s) => s,
        Err(_) => {
            v.push("state", "open, closed or all");
            &[]
        }
    };
    let limit = u64::from(filter.limit.unwrap_or(50));
    if !(1..=100).contains(&limit) {
        v.push("limit", "1 to 100");
    }
    v.finish()?;
    let words: Vec<String> = filter
        .q
        .as_deref()
        .unwrap_or("")
        .split_whitespace()
        .map(str::to_lowercase)
        .take(6)
        .collect();
    let ids: Vec<GroupId> = groups.iter().map(|g| g.row.id).collect();
    let kind = filter.kind.map(|k| k.as_str());
    let rows = store::list(
        &k.db,
        &Listing {
            groups: &ids,
            shared_too: false,
            kind,
            states,
            author,
            tag: tag.as_deref(),
            place: filter
                .place
                .as_deref()
                .map(str::trim)
                .filter(|p| !p.is_empty()),
            words: &words,
            currency,
            within: near.map(|p| bounding_box(p, km)),
            before: filter.before,
            limit,
        },
    )
    .await?;
    let next = (rows.len() as u64 == limit)
        .then(|| rows.last().map(|r| r.id))
        .flatten();
    let rows: Vec<IntentRow> = rows
        .into_iter()
        .filter(|r| match (near, r.point()) {
            (Some(p), Some(q)) => km_between(p, q) <= km,
            (Some(_), None) => false,
            _ => true,
        })
        .collect();
    Ok((rows, next))
}

/// A group's offers and requests.
pub async fn list_group(
    k: &Kernel,
    actor: Option<&Actor>,
    group: &str,
    filter: &Filter,
) -> Result<IntentList> {
    let group = group_for(k, actor, group).await?;
    listed(k, &[group], filter, None).await
}

/// Offers and requests across every group `actor` may read (or the one `filter.group`
/// names).
pub async fn directory(k: &Kernel, actor: Option<&Actor>, filter: &Filter) -> Result<IntentList> {
    let groups = match filter.group.as_deref() {
        Some(key) => vec![group_for(k, actor, key).await?],
        None => kernel::groups::access::readable_using(k, actor, TOOL).await?,
    };
    listed(k, &groups, filter, None).await
}

/// The caller's own live intents in a group, each with its best matches.
pub async fn mine(k: &Kernel, actor: &Actor, group: &Loaded) -> Result<Vec<(Intent, Vec<Match>)>> {
    let filter = Filter {
        limit: Some(100),
        ..Filter::default()
    };
    let (rows, _) =
        listed_rows(k, std::slice::from_ref(group), &filter, Some(actor.account)).await?;
    let summaries = HashMap::from([(group.row.id, group.row.summary())]);
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let found = matches_of(k, Some(actor), &row, 5).await?;
        if let Some(intent) = views(k, vec![row], &summaries).await?.pop() {
            out.push((intent, found));
        }
    }
    Ok(out)
}

/// An intent's counterparts that `actor` may read, best first.
pub async fn matches(k: &Kernel, actor: Option<&Actor>, id: IntentId) -> Result<Matches> {
    let (row, _) = intent_for(k, actor, id).await?;
    Ok(Matches {
        items: matches_of(k, actor, &row, MAX_MATCHES).await?,
    })
}

async fn matches_of(
    k: &Kernel,
    actor: Option<&Actor>,
    row: &IntentRow,
    limit: usize,
) -> Result<Vec<Match>> {
    let found = matching::counterparts(k, row, limit).await?;
    let mut groups: HashMap<GroupId, Option<GroupSummary>> = HashMap::new();
    for f in &found {
        if let std::collections::hash_map::Entry::Vacant(e) = groups.entry(f.row.group_id) {
            let readable = group_for(k, actor, &f.row.group_id.to_string()).await.ok();
            e.insert(readable.map(|g| g.row.summary()));
        }
    }
    let summaries: HashMap<GroupId, GroupSummary> = groups
        .into_iter()
        .filter_map(|(id, g)| g.map(|g| (id, g)))
        .collect();
    let mut why: HashMap<IntentId, (u32, String)> = HashMap::new();
    let mut rows = Vec::new();
    for f in found {
        if summaries.contains_key(&f.row.group_id) {
            why.insert(f.row.id, (f.score, f.why));
            rows.push(f.row);
        }
    }
    Ok(views(k, rows, &summaries)
        .await?
        .into_iter()
        .filter_map(|intent| {
            let (score, why) = why.remove(&intent.id)?;
            Some(Match { intent, score, why })
        })
        .collect())
}

// ---------------------------------------------------------------------------------------
// Closing

/// Withdraws an intent (its author, or whoever manages the tool): it closes and its bounty
/// goes back to those who put it up.
pub async fn withdraw(ledger: &Ledger, actor: &Actor, id: IntentId) -> Result<Intent> {
    let k = ledger.kernel();
    let (row, group) = intent_for(k, Some(actor), id).await?;
    author_or_manager(&group, actor, &row)?;
    close(ledger, id, IntentState::Withdrawn, Some(actor)).await?;
    get_intent(k, Some(actor), id).await
}

/// Closes a live intent as `to` (withdrawn or expired), takes it out of matching and starts
/// its refund. Answers whether it closed (an expiry finds it renewed or closed already).
async fn close(
    ledger: &Ledger,
    id: IntentId,
    to: IntentState,
    actor: Option<&Actor>,
) -> Result<bool> {
    let k = ledger.kernel();
    let now = k.now();
    let mut tx = k.db.begin().await?;
    let mut row = lock(&mut tx, id).await?;
    if to == IntentState::Expired && (!state_of(&row).is_live() || row.expires_at > now.0) {
        return Ok(false);
    }
    require_live(&row)?;
    moving(&mut tx, &row).await?;
    row.state = to.as_str().into();
    row.closed_at = Some(now.0);
    row.updated_at = now.0;
    let refunds = row.bounty_state.as_deref() == Some(BountyState::Held.as_str());
    if refunds {
        row.bounty_state = Some(BountyState::Refunding.as_str().into());
    }
    store::save_intent(&mut tx, &row).await?;
    store::remove_terms(&mut tx, id).await?;
    let mut told: Vec<AccountId> = store::responses_in(&mut tx, id)
        .await?
        .into_iter()
        .filter(|r| r.state != ResponseState::Declined.as_str())
        .map(|r| r.responder_id)
        .collect();
    told.extend(
        store::contributions_in(&mut tx, id)
            .await?
            .into_iter()
            .map(|c| c.contributor_id),
    );
    if actor.is_none_or(|a| a.account != row.author_id) {
        told.push(row.author_id);
    }
    told.retain(|p| actor.is_none_or(|a| a.account != *p));
    told.sort();
    told.dedup();
    let summary = match (to, actor) {
        (IntentState::Expired, _) => format!("The {} {} expired", row.kind, row.title),
        (_, Some(a)) => format!("{} withdrew the {} {}", a.handle, row.kind, row.title),
        _ => format!("The {} {} was withdrawn", row.kind, row.title),
    };
    let mut new = activity(
        if to == IntentState::Expired {
            "Remove"
        } else {
            "Delete"
        },
        actor,
        &row,
    )
    .summary(summary);
    if !told.is_empty() {
        new = new.notify(told, "intent_closed");
    }
    activity::record(&mut tx, now, new).await?;
    tx.commit().await?;
    if refunds {
        settle_bounty(ledger, id).await?;
    }
    Ok(true)
}

/// Refuses a step while a contribution's money is still moving into escrow.
pub(crate) async fn moving(tx: &mut Tx, row: &IntentRow) -> Result<()> {
    let escrowing = store::contributions_in(tx, row.id)
        .await?
        .iter()
        .any(|c| c.state == ContributionState::Escrowing.as_str());
    if escrowing {
        return Err(Error::conflict(
            "bounty",
            "money for this bounty is still moving; try again in a moment",
        ));
    }
    Ok(())
}

/// Ends a bounty left `paying` or `refunding`: asks the ledger (again, under the same key)
/// and records the end.
pub(crate) async fn settle_bounty(ledger: &Ledger, id: IntentId) -> Result<()> {
    let k = ledger.kernel();
    let row = store::intent(&k.db, id)
        .await?
        .ok_or(Error::NotFound("intent"))?;
    let end = match row.bounty_state.as_deref() {
        Some("paying") => {
            bounty::pay(ledger, &row).await?;
            BountyState::Paid
        }
        Some("refunding") => {
            let why = if row.state == IntentState::Expired.as_str() {
                "expired"
            } else {
                "was withdrawn"
            };
            bounty::refund(ledger, &row, why).await?;
            BountyState::Refunded
        }
        _ => return Ok(()),
    };
    let mut tx = k.db.begin().await?;
    let mut row = lock(&mut tx, id).await?;
    row.bounty_state = Some(end.as_str().into());
    store::save_intent(&mut tx, &row).await?;
    tx.commit().await
}

/// The expiry job: closes the intent if it is still live and its expiry has come.
pub async fn expire(ledger: &Ledger, id: IntentId) -> Result<()> {
    match close(ledger, id, IntentState::Expired, None).await {
        Err(Error::NotFound(_)) => Ok(()),
        other => other.map(|_| ()),
    }
}

/// Live intents whose expiry passed without their job (a clock moved, a job lost): closed
/// now, a page at a time.
pub async fn expire_overdue(ledger: &Ledger) -> Result<usize> {
    let k = ledger.kernel();
    let rows = store::expired(&k.db, k.now().0, 200).await?;
    let n = rows.len();
    for row in rows {
        // One that cannot close now (money still moving in) waits for the next sweep.
        if let Err(e) = expire(ledger, row.id).await {
            tracing::warn!(intent = %row.id, error = %e, "an intent past its expiry could not close yet");
        }
    }
    Ok(n)
}

/// The prompt job: asks the author of an open intent nobody responded to whether it is
/// still needed, before it expires.
pub async fn prompt(k: &Kernel, id: IntentId, expires_at: i64) -> Result<()> {
    let now = k.now();
    let mut tx = k.db.begin().await?;
    let Some(mut row) = store::lock_intent(&mut tx, id).await? else {
        return Ok(());
    };
    let untouched = store::responses_in(&mut tx, id).await?.is_empty();
    if row.state != IntentState::Open.as_str()
        || row.expires_at != expires_at
        || row.prompted_at.is_some()
        || !untouched
    {
        return Ok(());
    }
    row.prompted_at = Some(now.0);
    store::save_intent(&mut tx, &row).await?;
    let new = activity("Update", None, &row)
        .summary(format!(
            "Is your {} {} still needed? It closes on {} unless you renew it",
            row.kind,
            row.title,
            Timestamp(row.expires_at).to_datetime().format("%-d %b %Y")
        ))
        .notify([row.author_id], "still_needed")
        // The inbox offers "Still needed" and "Withdraw" on the line itself.
        .extra(json!({ "still_needed": format!("/groups/{}/{TOOL}/{}", row.group_id, row.id) }));
    activity::record(&mut tx, now, new).await?;
    tx.commit().await
}

/// The author's "still needed": the intent stays open until the new expiry.
pub async fn renew(k: &Kernel, actor: &Actor, id: IntentId, input: Renewal) -> Result<Intent> {
    let (row, group) = intent_for(k, Some(actor), id).await?;
    author_or_manager(&group, actor, &row)?;
    let now = k.now();
    let expires = match input.expires.as_deref().filter(|t| !t.trim().is_empty()) {
        Some(text) => {
            moment(text, true)
                .map_err(|e| Error::invalid("expires", e))?
                .0
        }
        None => row.expires_at.max(now.0) + RENEW_S * Timestamp::MICROS_PER_SECOND,
    };
    if expires <= now.0 {
        return Err(Error::invalid("expires", "a time still to come"));
    }
    if expires > now.plus_seconds(MAX_LIFE_S).0 {
        return Err(Error::invalid("expires", "at most a year from now"));
    }
    let mut tx = k.db.begin().await?;
    let mut row = lock(&mut tx, id).await?;
    require_live(&row)?;
    row.expires_at = expires;
    row.prompted_at = None;
    row.updated_at = now.0;
    store::save_intent(&mut tx, &row).await?;
    activity::record(
        &mut tx,
        now,
        activity("Update", Some(actor), &row).summary(format!(
            "{} renewed the {} {}",
            actor.handle, row.kind, row.title
        )),
    )
    .await?;
    schedule(&mut tx, now, &row).await?;
    tx.commit().await?;
    get_intent(k, Some(actor), id).await
}

// ---------------------------------------------------------------------------------------
// Adding to a bounty

/// Puts more money into a request's bounty (anyone who may take part; the first one names
/// the currency). A retry with the same `Idempotency-Key` answers what it did (and `true`).
pub async fn contribute(
    ledger: &Ledger,
    actor: &Actor,
    id: IntentId,
    input: NewContribution,
    client_key: Option<String>,
) -> Result<(Intent, bool)> {
    let k = ledger.kernel();
    let (row, group) = intent_for(k, Some(actor), id).await?;
    group.authorize(Some(actor), Action::ToolUse(TOOL))?;
    if let Some(key) = &client_key
        && let Some(c) = store::contribution_by_key(&k.db, actor.account, key).await?
    {
        if c.intent_id != id {
            return Err(Error::conflict(
                "Idempotency-Key",
                "this key was used for another bounty",
            ));
        }
        return Ok((get_intent(k, Some(actor), id).await?, true));
    }
    if row.kind != IntentKind::Request.as_str() {
        return Err(Error::conflict("intent", "only a request carries a bounty"));
    }
    require_live(&row)?;
    let currency_key = match (row.bounty_currency, input.currency.as_deref()) {
        (Some(c), Some(given)) if given.trim() != c.to_string() => {
            let code = ledger::store::currency(&k.db, c).await?.map(|r| r.code);
            if code.is_none_or(|code| !code.eq_ignore_ascii_case(given.trim())) {
                return Err(Error::invalid(
                    "currency",
                    "this bounty is in another currency",
                ));
            }
            c.to_string()
        }
        (Some(c), _) => c.to_string(),
        (None, Some(given)) => given.to_string(),
        (None, None) => {
            return Err(Error::invalid(
                "currency",
                "the first money on a request names its currency",
            ));
        }
    };
    let mut v = Validation::new();
    let money = ledger::service::own_money(
        k,
        actor,
        &mut v,
        group.row.id,
        &currency_key,
        &input.amount,
        "",
    )
    .await?;
    v.finish()?;
    let money = money.ok_or(Error::internal("money checked but missing"))?;
    let now = k.now();
    let c = ContributionRow {
        id: ContributionId::new(),
        intent_id: id,
        contributor_id: actor.account,
        payer: money.payer,
        amount: money.amount,
        state: ContributionState::Escrowing.as_str().into(),
        client_key,
        created_at: now.0,
    };
    let mut tx = k.db.begin().await?;
    let mut current = lock(&mut tx, id).await?;
    require_live(&current)?;
    match current.bounty_state.as_deref() {
        None => {
            // The first money on a request posted without a bounty ("starting", where a
            // request posted with one is "escrowing" until its money is in).
            current.bounty_currency = Some(money.currency);
            current.bounty_state = Some(STARTING.into());
            store::save_intent(&mut tx, &current).await?;
        }
        Some("held") if current.bounty_currency == Some(money.currency) => {}
        Some("held") => {
            return Err(Error::invalid(
                "currency",
                "this bounty is in another currency",
            ));
        }
        Some(_) => {
            return Err(Error::conflict(
                "bounty",
                "money for this bounty is still moving; try again in a moment",
            ));
        }
    }
    store::insert_contribution(&mut tx, &c).await?;
    tx.commit().await?;
    if let Err(e) = bounty::escrow(ledger, actor, &current, &c, money.currency, "").await {
        contribution_refused(k, &c).await?;
        return Err(e);
    }
    contribution_held(k, &c).await?;
    Ok((get_intent(k, Some(actor), id).await?, false))
}

/// Records a contribution the ledger took: held, and the bounty with it (a request posted
/// with its bounty is published now, if a stopped process left it before).
pub(crate) async fn contribution_held(k: &Kernel, c: &ContributionRow) -> Result<()> {
    let now = k.now();
    let mut tx = k.db.begin().await?;
    let mut row = lock(&mut tx, c.intent_id).await?;
    store::set_contribution_state(&mut tx, c.id, ContributionState::Held.as_str()).await?;
    let founding = founding(&row, c);
    row.bounty_state = Some(BountyState::Held.as_str().into());
    row.updated_at = now.0;
    store::save_intent(&mut tx, &row).await?;
    if founding {
        // Left between escrow and publish: published now, without match notices.
        let group = load(k, None, &row.group_id.to_string()).await?;
        publish(k, &mut tx, &row, &group, None, &[]).await?;
    } else {
        let handles = handles(k, &[c.contributor_id]).await?;
        let giver = person(&handles, c.contributor_id).handle;
        let mut new = activity("Update", None, &row).summary(format!(
            "{giver} added to the bounty on the request {}",
            row.title
        ));
        new.actor = Some(c.contributor_id);
        if c.contributor_id != row.author_id {
            new = new.notify([row.author_id], "bounty_added");
        }
        activity::record(&mut tx, now, new).await?;
    }
    tx.commit().await
}

/// Whether a contribution is the one a request was posted with, still moving.
fn founding(row: &IntentRow, c: &ContributionRow) -> bool {
    row.bounty_state.as_deref() == Some(ESCROWING) && row.author_id == c.contributor_id
}

/// Forgets a contribution the ledger refused (nothing moved). A request posted with a
/// bounty that did not move goes, as if never posted; a bounty that had nothing else goes
/// back to none.
pub(crate) async fn contribution_refused(k: &Kernel, c: &ContributionRow) -> Result<()> {
    let mut tx = k.db.begin().await?;
    let mut row = lock(&mut tx, c.intent_id).await?;
    if founding(&row, c) {
        store::remove_intent(&mut tx, row.id).await?;
        return tx.commit().await;
    }
    store::remove_contribution(&mut tx, c.id).await?;
    if row.bounty_state.as_deref() == Some(STARTING) {
        row.bounty_state = None;
        row.bounty_currency = None;
        store::save_intent(&mut tx, &row).await?;
    }
    tx.commit().await
}

/// Takes up the bounties a stopped process left between two steps (at start).
pub async fn finish(ledger: &Ledger) -> Result<()> {
    take_up(ledger, None).await;
    Ok(())
}

/// Ends every step between writing and the ledger's answer (begun before `older_than`, when
/// given): a contribution is held if the ledger took it and forgotten if not; a bounty left
/// paying or refunding is asked for again under the same key. One that fails is logged and
/// waits for the next pass.
async fn take_up(ledger: &Ledger, older_than: Option<i64>) {
    let k = ledger.kernel();
    let old = |t: i64| older_than.is_none_or(|limit| t <= limit);
    match store::escrowing(&k.db).await {
        Ok(rows) => {
            for c in rows.into_iter().filter(|c| old(c.created_at)) {
                let result = match bounty::taken(k, &c).await {
                    Ok(true) => contribution_held(k, &c).await,
                    Ok(false) => contribution_refused(k, &c).await,
                    Err(e) => Err(e),
                };
                if let Err(e) = result {
                    tracing::warn!(contribution = %c.id, error = %e, "a bounty's contribution could not be finished yet");
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "contributions between two steps could not be read"),
    }
    match store::unfinished_bounties(&k.db).await {
        Ok(rows) => {
            for row in rows.into_iter().filter(|r| old(r.updated_at)) {
                if let Err(e) = settle_bounty(ledger, row.id).await {
                    tracing::warn!(intent = %row.id, error = %e, "an intent's bounty could not be settled yet");
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "bounties between two steps could not be read"),
    }
}

// ---------------------------------------------------------------------------------------
// Followed tags

fn scope_for(actor: &Actor, access: kernel::people::Access) -> Result<()> {
    let name = kernel::people::ToolName::new(TOOL).ok_or(Error::internal("a tool's name"))?;
    actor.require(kernel::people::Scope::Tool(name, access))
}

pub async fn followed_tags(k: &Kernel, actor: &Actor) -> Result<FollowedTags> {
    scope_for(actor, kernel::people::Access::Read)?;
    Ok(FollowedTags {
        tags: store::followed(&k.db, actor.account).await?,
    })
}

/// Follows or stops following a tag; the choice holds in every group.
pub async fn set_follow(k: &Kernel, actor: &Actor, given: &str, on: bool) -> Result<FollowedTags> {
    scope_for(actor, kernel::people::Access::Write)?;
    if kernel::policy::confined_to(Some(actor)).is_some() {
        return Err(Error::Forbidden(
            "this token is limited to one group; the tags you follow hold in all of them".into(),
        ));
    }
    let tag =
        crate::model::tag(given).ok_or(Error::invalid("tag", "1 to 40 letters, digits, - or _"))?;
    if on {
        if store::count_followed(&k.db, actor.account).await? >= 100 {
            return Err(Error::conflict("tag", "you follow 100 tags already"));
        }
        store::follow(&k.db, actor.account, &tag, k.now().0).await?;
    } else {
        store::unfollow(&k.db, actor.account, &tag).await?;
    }
    followed_tags(k, actor).await
}

// ---------------------------------------------------------------------------------------
// Murmurations

/// An intent as a Murmurations `offers_wants_schema-v0.1.0` profile.
fn murmuration(k: &Kernel, intent: &Intent) -> Murmuration {
    let details_url = k.link(&intent.url);
    Murmuration {
        linked_schemas: vec!["offers_wants_schema-v0.1.0".into()],
        exchange_type: match intent.kind {
            IntentKind::Offer => "offer".into(),
            IntentKind::Request => "want".into(),
        },
        item_type: intent.item.map(|i| i.as_str().to_string()),
        transaction_type: vec![if intent.bounty.is_some() {
            "buy-sell".into()
        } else {
            "receive-donate".into()
        }],
        tags: intent.tags.clone(),
        title: intent.title.clone(),
        description: intent.description.clone(),
        image: intent
            .images
            .as_ref()
            .and_then(|i| i.first())
            .map(|i| k.link(&i.url)),
        geolocation: intent
            .location
            .as_ref()
            .and_then(|l| l.lat.zip(l.lon))
            .map(|(lat, lon)| GeoPoint { lat, lon }),
        geographic_scope: "local".into(),
        contact_details: ContactDetails {
            contact_form: details_url.clone(),
        },
        details_url,
        expires_at: chrono::DateTime::parse_from_rfc3339(&intent.expires)
            .map(|t| t.timestamp())
            .unwrap_or_default(),
    }
}

pub async fn murmuration_of(
    k: &Kernel,
    actor: Option<&Actor>,
    id: IntentId,
) -> Result<Murmuration> {
    let intent = get_intent(k, actor, id).await?;
    Ok(murmuration(k, &intent))
}

/// A group's live intents as Murmurations profiles, for outside maps.
pub async fn murmurations(
    k: &Kernel,
    actor: Option<&Actor>,
    group: &str,
    filter: &Filter,
) -> Result<Murmurations> {
    let list = list_group(k, actor, group, filter).await?;
    Ok(Murmurations {
        items: list.items.iter().map(|i| murmuration(k, i)).collect(),
    })
}

/// The tool's minute sweep: live intents past their expiry close; steps between the
/// tool's write and the ledger's answer begun a minute ago or more (a failed payment, a
/// dropped request) are taken up as at start.
pub async fn sweep(ledger: &Ledger) -> Result<()> {
    expire_overdue(ledger).await?;
    take_up(ledger, Some(ledger.kernel().now().plus_seconds(-60).0)).await;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Images

/// An intent as a thing files attach to (its images): whoever may read the intent reads
/// them.
pub struct IntentSubject;

impl kernel::subjects::Subject for IntentSubject {
    fn readable<'a>(
        &'a self,
        k: &'a Kernel,
        actor: Option<&'a Actor>,
        id: &'a str,
    ) -> futures::future::BoxFuture<'a, Result<kernel::subjects::Found>> {
        Box::pin(async move {
            let id: IntentId = id.parse().map_err(|_| Error::NotFound("intent"))?;
            let (_, group) = intent_for(k, actor, id).await?;
            Ok(kernel::subjects::Found {
                group,
                id: id.to_string(),
                readers: kernel::subjects::Readers::Group,
            })
        })
    }
}
