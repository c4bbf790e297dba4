//! The intents tool in the browser: a group's offers and requests as a filterable list and a
//! map (drawn here; map tiles only when the person asks for them, so nothing leaves the
//! origin by default); posting with tags and place; an intent's page (matches with their
//! reasons, responses, fulfilment, its bounty, images, discussion); and "mine" — one's own
//! intents with their matches, refreshed live, and the tags one follows. The same services
//! as the API.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Extension, Router};
use kernel::page::PageRequest;
use kernel::policy::Action;
use ledger::Ledger;
use serde::Deserialize;
use web::pages::groups::{GroupContext, enter_tool};
use web::pages::{
    CsrfForm, EmptyForm, Flash, NavLink, Shell, field_errors, redirect, render, render_with,
    sentence,
};
use web::{AppState, Problem};

use crate::model::*;
use crate::{responses, service};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(list_page))
        .route("/new", get(new_page).post(create))
        .route("/mine", get(mine_page))
        .route("/tags", post(follow))
        .route("/{id}", get(intent_page))
        .route("/{id}/respond", post(respond))
        .route("/{id}/fulfil", post(fulfil))
        .route("/{id}/withdraw", post(withdraw))
        .route("/{id}/renew", post(renew))
        .route("/{id}/bounty", post(add_bounty))
        .route("/{id}/comments", post(comment))
        .route("/responses/{response}/{decision}", post(decide))
}

/// The tab, where the group uses the tool and the viewer may read its intents.
pub fn nav(group: &GroupContext) -> Option<NavLink> {
    (group.uses(TOOL) && group.may(Action::ToolRead(TOOL))).then(|| NavLink {
        href: format!("/groups/{}/{TOOL}", group.group.handle),
        label: "Offers & requests".into(),
        icon: "link".into(),
        current: false,
    })
}

#[derive(Deserialize)]
struct GroupPath {
    group: String,
}

#[derive(Deserialize)]
struct IntentPath {
    group: String,
    id: String,
}

#[derive(Deserialize)]
struct DecisionPath {
    group: String,
    response: String,
    decision: String,
}

async fn enter(app: &AppState, shell: &mut Shell, group: &str) -> Result<GroupContext, Problem> {
    enter_tool(app, shell, group, TOOL).await
}

fn intent_id(text: &str) -> Result<IntentId, Problem> {
    text.parse().map_err(|_| Problem::not_found("intent"))
}

fn messages(errors: Vec<(String, String)>) -> Vec<String> {
    errors
        .into_iter()
        .map(|(field, detail)| sentence(&format!("{}: {detail}", field.replace('_', " "))))
        .collect()
}

fn when(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| t.format("%-d %b %Y").to_string())
        .unwrap_or_default()
}

/// What a list shows of an intent.
struct Line {
    intent: Intent,
    expires: String,
    amount: String,
}

fn line(intent: Intent) -> Line {
    Line {
        expires: when(&intent.expires),
        amount: intent
            .bounty
            .as_ref()
            .map(|b| format!("{} {}", b.amount, b.currency))
            .unwrap_or_default(),
        intent,
    }
}

// ---------------------------------------------------------------------------------------
// The map

/// A map drawn in Web Mercator around the intents' places; with `tiles`, OpenStreetMap's
/// tiles under them (loaded by the browser from tile.openstreetmap.org).
struct MapView {
    width: f64,
    height: f64,
    points: Vec<MapPoint>,
    tiles: Vec<Tile>,
}

struct MapPoint {
    x: String,
    y: String,
    href: String,
    title: String,
    /// The title, cut short, beside the point.
    label: String,
    request: bool,
}

struct Tile {
    href: String,
    x: f64,
    y: f64,
}

fn mercator(lat: f64, lon: f64, zoom: u32) -> (f64, f64) {
    let size = 256.0 * f64::from(1u32 << zoom);
    let lat = lat.clamp(-85.0, 85.0).to_radians();
    let x = (lon + 180.0) / 360.0 * size;
    let y = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * size;
    (x, y)
}

fn map_of(items: &[Line], tiles: bool) -> Option<MapView> {
    let placed: Vec<(&Intent, f64, f64)> = items
        .iter()
        .filter_map(|l| {
            let loc = l.intent.location.as_ref()?;
            Some((&l.intent, loc.lat?, loc.lon?))
        })
        .collect();
    if placed.is_empty() {
        return None;
    }
    let (width, height) = (720.0, 420.0);
    let zoom = (0..=16u32)
        .rev()
        .find(|z| {
            let xs: Vec<(f64, f64)> = placed.iter().map(|p| mercator(p.1, p.2, *z)).collect();
            let (x0, x1) = xs
                .iter()
                .fold((f64::MAX, f64::MIN), |a, p| (a.0.min(p.0), a.1.max(p.0)));
            let (y0, y1) = xs
                .iter()
                .fold((f64::MAX, f64::MIN), |a, p| (a.0.min(p.1), a.1.max(p.1)));
            x1 - x0 <= width - 60.0 && y1 - y0 <= height - 60.0
        })
        .unwrap_or(0)
        .min(15);
    let xs: Vec<(f64, f64)> = placed.iter().map(|p| mercator(p.1, p.2, zoom)).collect();
    let (x0, x1) = xs
        .iter()
        .fold((f64::MAX, f64::MIN), |a, p| (a.0.min(p.0), a.1.max(p.0)));
    let (y0, y1) = xs
        .iter()
        .fold((f64::MAX, f64::MIN), |a, p| (a.0.min(p.1), a.1.max(p.1)));
    let (left, top) = ((x0 + x1 - width) / 2.0, (y0 + y1 - height) / 2.0);
    let points = placed
        .iter()
        .zip(&xs)
        .map(|((intent, _, _), (x, y))| MapPoint {
            x: format!("{:.1}", x - left),
            y: format!("{:.1}", y - top),
            href: intent.url.clone(),
            title: format!("{}: {}", intent.kind, intent.title),
            label: if intent.title.chars().count() > 24 {
                format!("{}…", intent.title.chars().take(23).collect::<String>())
            } else {
                intent.title.clone()
            },
            request: intent.kind == IntentKind::Request,
        })
        .collect();
    let mut grid = Vec::new();
    if tiles {
        let n = 1i64 << zoom;
        let (tx0, tx1) = (
            (left / 256.0).floor() as i64,
            ((left + width) / 256.0).floor() as i64,
        );
        let (ty0, ty1) = (
            (top / 256.0).floor() as i64,
            ((top + height) / 256.0).floor() as i64,
        );
        for ty in ty0.max(0)..=ty1.min(n - 1) {
            for tx in tx0..=tx1 {
                grid.push(Tile {
                    href: format!(
                        "https://tile.openstreetmap.org/{zoom}/{}/{ty}.png",
                        tx.rem_euclid(n)
                    ),
                    x: tx as f64 * 256.0 - left,
                    y: ty as f64 * 256.0 - top,
                });
            }
        }
    }
    Some(MapView {
        width,
        height,
        points,
        tiles: grid,
    })
}

// ---------------------------------------------------------------------------------------
// A group's offers and requests

#[derive(Default, Deserialize)]
struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    tag: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    near: String,
    #[serde(default)]
    km: String,
    #[serde(default)]
    view: String,
    #[serde(default)]
    tiles: String,
}

#[derive(Template)]
#[template(path = "intents_list.html")]
struct ListPage {
    shell: Shell,
    group: String,
    query: ListQuery,
    items: Vec<Line>,
    map: Option<MapView>,
    map_view: bool,
    tiles: bool,
    may_post: bool,
    errors: Vec<String>,
}

async fn list_page(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<GroupPath>,
    Query(query): Query<ListQuery>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let some = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let filter = Filter {
        q: some(&query.q),
        tag: some(&query.tag),
        near: some(&query.near),
        km: some(&query.km).and_then(|k| k.parse().ok()),
        kind: some(&query.kind).and_then(|k| k.parse().ok()),
        limit: Some(100),
        ..Filter::default()
    };
    let (items, errors) = match service::list_group(
        &app.kernel,
        shell.actor.as_ref(),
        &context.group.handle,
        &filter,
    )
    .await
    {
        Ok(list) => (list.items.into_iter().map(line).collect(), Vec::new()),
        Err(e) => (Vec::new(), messages(field_errors(e)?)),
    };
    let map_view = query.view == "map";
    let tiles = map_view && query.tiles == "osm";
    let page = ListPage {
        map: map_view.then(|| map_of(&items, tiles)).flatten(),
        may_post: context.may(Action::ToolUse(TOOL)),
        group: context.group.handle.clone(),
        shell,
        query,
        items,
        map_view,
        tiles,
        errors,
    };
    let mut response = render(&page);
    if tiles {
        web::router::allow_images_from(&mut response, "https://tile.openstreetmap.org");
    }
    Ok(response)
}

// ---------------------------------------------------------------------------------------
// Posting

#[derive(Default, Deserialize)]
struct NewForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    tags: String,
    #[serde(default)]
    quantity: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    lat: String,
    #[serde(default)]
    lon: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    public: Option<String>,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    amount: String,
}

#[derive(Template)]
#[template(path = "intents_new.html")]
struct NewPage {
    shell: Shell,
    group: String,
    form: NewForm,
    currencies: Vec<(String, String)>,
    may_share: bool,
    errors: Vec<String>,
}

async fn new_of(
    app: &AppState,
    shell: Shell,
    context: &GroupContext,
    form: NewForm,
    errors: Vec<String>,
) -> Result<NewPage, Problem> {
    let currencies = ledger::store::currencies_of_group(&app.kernel.db, context.group.id)
        .await?
        .into_iter()
        .map(|c| (c.id.to_string(), c.code))
        .collect();
    let loaded = service::group_for(&app.kernel, None, &context.group.id.to_string()).await;
    Ok(NewPage {
        may_share: loaded.is_ok(),
        group: context.group.handle.clone(),
        shell,
        form,
        currencies,
        errors,
    })
}

async fn new_page(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<GroupPath>,
    Query(form): Query<NewForm>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    shell.require_actor()?;
    if !context.may(Action::ToolUse(TOOL)) {
        return Err(Problem::from(kernel::Error::Forbidden(
            "only members who may post offer or request here".into(),
        )));
    }
    Ok(render(
        &new_of(&app, shell, &context, form, Vec::new()).await?,
    ))
}

fn parse_form(form: &NewForm) -> Result<NewIntent, kernel::Error> {
    let number = |field: &str, text: &str| -> Result<Option<f64>, kernel::Error> {
        let t = text.trim();
        if t.is_empty() {
            return Ok(None);
        }
        t.parse()
            .map(Some)
            .map_err(|_| kernel::Error::invalid(field, "a number"))
    };
    let some = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let location = some(&form.place).map(|name| -> Result<Location, kernel::Error> {
        Ok(Location {
            name,
            lat: number("location.lat", &form.lat)?,
            lon: number("location.lon", &form.lon)?,
        })
    });
    Ok(NewIntent {
        kind: form
            .kind
            .parse()
            .map_err(|_| kernel::Error::invalid("kind", "an offer or a request"))?,
        title: form.title.clone(),
        description: some(&form.description),
        tags: Some(
            form.tags
                .split([',', ' '])
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect(),
        ),
        quantity: number("quantity", &form.quantity)?,
        unit: some(&form.unit),
        item: None,
        location: location.transpose()?,
        from: some(&form.from),
        until: some(&form.until),
        expires: None,
        public: Some(form.public.is_some()),
        bounty: some(&form.amount).map(|amount| NewBounty {
            currency: form.currency.clone(),
            amount: ledger::Decimal(amount),
        }),
    })
}

async fn create(
    State(app): State<AppState>,
    Extension(ledger): Extension<Ledger>,
    mut shell: Shell,
    Path(p): Path<GroupPath>,
    CsrfForm(form): CsrfForm<NewForm>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let made = match parse_form(&form) {
        Ok(input) => {
            service::create_intent(&ledger, &actor, &context.group.handle, input, None).await
        }
        Err(e) => Err(e),
    };
    match made {
        Ok((intent, _)) => Ok(redirect(&intent.url, Some(Flash::Saved))),
        Err(e) => {
            let errors = messages(field_errors(e)?);
            Ok(render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &new_of(&app, shell, &context, form, errors).await?,
            ))
        }
    }
}

// ---------------------------------------------------------------------------------------
// An intent

struct ResponseLine {
    response: IntentResponse,
    when: String,
}

struct CommentLine {
    comment: kernel::comments::Comment,
    author: String,
    when: String,
}

#[derive(Template)]
#[template(path = "intents_intent.html")]
struct IntentPage {
    shell: Shell,
    group: String,
    intent: Intent,
    expires: String,
    window: String,
    matches: Vec<Match>,
    responses: Vec<ResponseLine>,
    comments: Vec<CommentLine>,
    is_author: bool,
    may_post: bool,
    may_respond: bool,
    may_withdraw: bool,
    may_fulfil: bool,
    live: bool,
    /// The group's currencies, for the first money on a request.
    currencies: Vec<(String, String)>,
    errors: Vec<String>,
}

async fn intent_of(
    app: &AppState,
    shell: Shell,
    context: &GroupContext,
    id: IntentId,
    errors: Vec<String>,
) -> Result<IntentPage, Problem> {
    let k = &app.kernel;
    let actor = shell.actor.clone();
    let intent = service::get_intent(k, actor.as_ref(), id).await?;
    if intent.group.id != context.group.id {
        return Err(Problem::not_found("intent"));
    }
    let matches = service::matches(k, actor.as_ref(), id).await?.items;
    let responses = match &actor {
        Some(a) => responses::list(k, a, id).await?.items,
        None => Vec::new(),
    };
    let comments = kernel::comments::list(
        k,
        actor.as_ref(),
        SUBJECT,
        &id.to_string(),
        &PageRequest {
            limit: Some(100),
            ..PageRequest::default()
        },
    )
    .await?;
    let is_author = actor
        .as_ref()
        .is_some_and(|a| a.account == intent.author.id);
    let may_post = actor.is_some() && context.may(Action::ToolUse(TOOL));
    let live = intent.state.is_live();
    let mine_accepted = responses.iter().any(|r| {
        actor.as_ref().is_some_and(|a| a.account == r.responder.id)
            && r.state == ResponseState::Accepted
            && !r.done
    });
    let window = match (&intent.from, &intent.until) {
        (Some(f), Some(u)) => format!("{} to {}", when(f), when(u)),
        (Some(f), None) => format!("from {}", when(f)),
        (None, Some(u)) => format!("until {}", when(u)),
        (None, None) => String::new(),
    };
    let currencies = ledger::store::currencies_of_group(&k.db, context.group.id)
        .await?
        .into_iter()
        .map(|c| (c.id.to_string(), c.code))
        .collect();
    Ok(IntentPage {
        currencies,
        expires: when(&intent.expires),
        window,
        may_respond: may_post && live && !is_author && responses.is_empty(),
        may_withdraw: live && (is_author && may_post || context.may(Action::Tool(MANAGE))),
        may_fulfil: live
            && may_post
            && ((is_author
                && !intent.author_done
                && responses.iter().any(|r| r.state == ResponseState::Accepted))
                || mine_accepted),
        responses: responses
            .into_iter()
            .map(|r| ResponseLine {
                when: when(&r.created_at),
                response: r,
            })
            .collect(),
        comments: comments
            .items
            .into_iter()
            .map(|c| CommentLine {
                author: c
                    .author
                    .as_ref()
                    .map(|a| a.handle.clone())
                    .unwrap_or_default(),
                when: c
                    .created_at
                    .to_datetime()
                    .format("%-d %b %Y %H:%M")
                    .to_string(),
                comment: c,
            })
            .collect(),
        group: context.group.handle.clone(),
        matches,
        is_author,
        may_post,
        live,
        intent,
        shell,
        errors,
    })
}

async fn intent_page(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<IntentPath>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let id = intent_id(&p.id)?;
    Ok(render(
        &intent_of(&app, shell, &context, id, Vec::new()).await?,
    ))
}

/// After an action on an intent: back to its page, or the page again with what went wrong.
async fn after(
    app: &AppState,
    shell: Shell,
    context: &GroupContext,
    id: IntentId,
    done: kernel::Result<()>,
) -> Result<Response, Problem> {
    match done {
        Ok(()) => Ok(redirect(
            &format!("/groups/{}/{TOOL}/{id}", context.group.handle),
            Some(Flash::Saved),
        )),
        Err(e) => {
            let errors = messages(field_errors(e)?);
            Ok(render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &intent_of(app, shell, context, id, errors).await?,
            ))
        }
    }
}

#[derive(Default, Deserialize)]
struct MessageForm {
    #[serde(default)]
    message: String,
}

async fn respond(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<IntentPath>,
    CsrfForm(form): CsrfForm<MessageForm>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let id = intent_id(&p.id)?;
    let input = NewResponse {
        message: Some(form.message),
    };
    let done = responses::respond(&app.kernel, &actor, id, input)
        .await
        .map(|_| ());
    after(&app, shell, &context, id, done).await
}

async fn decide(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<DecisionPath>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let id: ResponseId = p
        .response
        .parse()
        .map_err(|_| Problem::not_found("response"))?;
    let done = match p.decision.as_str() {
        "accept" => responses::accept(&app.kernel, &actor, id).await,
        "decline" => responses::decline(&app.kernel, &actor, id).await,
        _ => return Err(Problem::not_found("page")),
    };
    match done {
        Ok(r) => after(&app, shell, &context, r.intent, Ok(())).await,
        Err(e) => Err(e.into()),
    }
}

async fn fulfil(
    State(app): State<AppState>,
    Extension(ledger): Extension<Ledger>,
    mut shell: Shell,
    Path(p): Path<IntentPath>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let id = intent_id(&p.id)?;
    let done = responses::fulfil(&ledger, &actor, id).await.map(|_| ());
    after(&app, shell, &context, id, done).await
}

async fn withdraw(
    State(app): State<AppState>,
    Extension(ledger): Extension<Ledger>,
    mut shell: Shell,
    Path(p): Path<IntentPath>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let id = intent_id(&p.id)?;
    let done = service::withdraw(&ledger, &actor, id).await.map(|_| ());
    after(&app, shell, &context, id, done).await
}

async fn renew(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<IntentPath>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let id = intent_id(&p.id)?;
    let done = service::renew(&app.kernel, &actor, id, Renewal::default())
        .await
        .map(|_| ());
    after(&app, shell, &context, id, done).await
}

#[derive(Default, Deserialize)]
struct BountyForm {
    #[serde(default)]
    amount: String,
    #[serde(default)]
    currency: String,
}

async fn add_bounty(
    State(app): State<AppState>,
    Extension(ledger): Extension<Ledger>,
    mut shell: Shell,
    Path(p): Path<IntentPath>,
    CsrfForm(form): CsrfForm<BountyForm>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let id = intent_id(&p.id)?;
    let input = NewContribution {
        amount: ledger::Decimal(form.amount),
        currency: Some(form.currency).filter(|c| !c.trim().is_empty()),
    };
    let done = service::contribute(&ledger, &actor, id, input, None)
        .await
        .map(|_| ());
    after(&app, shell, &context, id, done).await
}

#[derive(Default, Deserialize)]
struct CommentForm {
    #[serde(default)]
    body: String,
}

async fn comment(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<IntentPath>,
    CsrfForm(form): CsrfForm<CommentForm>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    let id = intent_id(&p.id)?;
    let new = kernel::comments::NewComment {
        subject_type: SUBJECT.into(),
        subject_id: id.to_string(),
        body: form.body,
        parent: None,
    };
    let done = kernel::comments::create(&app.kernel, &actor, new)
        .await
        .map(|_| ());
    after(&app, shell, &context, id, done).await
}

// ---------------------------------------------------------------------------------------
// Mine: my intents with their matches, and the tags I follow

#[derive(Template)]
#[template(path = "intents_mine.html")]
struct MinePage {
    shell: Shell,
    group: String,
    mine: Vec<(Line, Vec<Match>)>,
    tags: Vec<String>,
    errors: Vec<String>,
}

async fn mine_of(
    app: &AppState,
    shell: Shell,
    context: &GroupContext,
    errors: Vec<String>,
) -> Result<MinePage, Problem> {
    let actor = shell.require_actor()?.clone();
    let k = &app.kernel;
    let group = service::group_for(k, Some(&actor), &context.group.handle).await?;
    let mine = service::mine(k, &actor, &group)
        .await?
        .into_iter()
        .map(|(i, m)| (line(i), m))
        .collect();
    let tags = service::followed_tags(k, &actor).await?.tags;
    Ok(MinePage {
        group: context.group.handle.clone(),
        shell,
        mine,
        tags,
        errors,
    })
}

async fn mine_page(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<GroupPath>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    Ok(render(&mine_of(&app, shell, &context, Vec::new()).await?))
}

#[derive(Default, Deserialize)]
struct FollowForm {
    #[serde(default)]
    tag: String,
    #[serde(default)]
    stop: Option<String>,
}

async fn follow(
    State(app): State<AppState>,
    mut shell: Shell,
    Path(p): Path<GroupPath>,
    CsrfForm(form): CsrfForm<FollowForm>,
) -> Result<Response, Problem> {
    let context = enter(&app, &mut shell, &p.group).await?;
    let actor = shell.require_actor()?.clone();
    match service::set_follow(&app.kernel, &actor, &form.tag, form.stop.is_none()).await {
        Ok(_) => Ok(redirect(
            &format!("/groups/{}/{TOOL}/mine", context.group.handle),
            Some(Flash::Saved),
        )),
        Err(e) => {
            let errors = messages(field_errors(e)?);
            Ok(render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &mine_of(&app, shell, &context, errors).await?,
            ))
        }
    }
}
