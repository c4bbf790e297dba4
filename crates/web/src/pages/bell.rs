//! `/bell`: what a logged-in page hears live, as Server-Sent Events of ready-made HTML that
//! htmx's SSE extension swaps in: `unread`, the bell's count, read again whenever the person's
//! live feed moves and every half minute (items read in another tab move no feed); and
//! `item`, each new line of the inbox, which the dashboard puts on top of its list.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use futures::Stream;
use kernel::notify::live::LiveFeed;
use kernel::notify::service::unread_total;
use kernel::people::Actor;

use crate::{AppState, Problem, StreamCaller};

pub fn routes() -> Router<AppState> {
    Router::new().route("/bell", get(bell))
}

#[derive(Template)]
#[template(path = "bell_count.html")]
pub struct BellCount {
    pub unread: i64,
}

struct Listening {
    app: AppState,
    actor: Actor,
    feed: LiveFeed,
    tick: tokio::time::Interval,
    last: Option<i64>,
    /// Events ready to send.
    ready: VecDeque<Event>,
    /// The browser's form token, for the buttons of the items sent.
    csrf: String,
}

/// A live feed's item, as `kernel::notify::live` writes it.
#[derive(serde::Deserialize)]
struct LiveItem {
    read: bool,
    activity: kernel::activity::Activity,
}

/// The inbox line of a feed event, rendered.
fn item_event(data: &str, csrf: &str) -> Option<Event> {
    let live: LiveItem = serde_json::from_str(data).ok()?;
    let html = super::home::InboxItem {
        item: super::home::Item::of(live.activity, live.read),
        csrf: csrf.to_string(),
    }
    .render()
    .ok()?;
    Some(Event::default().event("item").data(html))
}

async fn bell(
    State(app): State<AppState>,
    StreamCaller(actor): StreamCaller,
    headers: axum::http::HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, Problem> {
    let first = unread_total(&app.kernel, &actor).await?;
    let slot = app.streams.take(actor.account)?;
    let feed = LiveFeed::open(
        app.kernel.clone(),
        &app.kernel.bus,
        actor.account,
        kernel::policy::confined_to(Some(&actor)),
        None,
        app.shutdown.clone(),
    )
    .await?;
    let mut tick = tokio::time::interval(Duration::from_secs(30));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let state = Listening {
        app,
        actor,
        feed,
        tick,
        last: None,
        ready: VecDeque::new(),
        csrf: crate::auth::cookie(&headers, super::csrf::CSRF_COOKIE).unwrap_or_default(),
    };
    let events = futures::stream::unfold((state, Some(first)), |(mut s, mut pending)| async move {
        loop {
            if let Some(count) = pending.take()
                && s.last != Some(count)
            {
                s.last = Some(count);
                let html = BellCount { unread: count }.render().unwrap_or_default();
                s.ready
                    .push_back(Event::default().event("unread").data(html));
            }
            if let Some(event) = s.ready.pop_front() {
                return Some((Ok(event), (s, None)));
            }
            tokio::select! {
                next = s.feed.next() => {
                    let next = next?;
                    if matches!(next.event, "notification" | "activity")
                        && let Some(event) = item_event(&next.data, &s.csrf)
                    {
                        s.ready.push_back(event);
                    }
                }
                _ = s.tick.tick() => {}
            }
            pending = unread_total(&s.app.kernel, &s.actor).await.ok();
        }
    });
    let events = crate::streams::holding(events, slot);
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
