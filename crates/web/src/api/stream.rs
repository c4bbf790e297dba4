//! `GET /api/v1/stream`: Server-Sent Events of the caller's new notifications and their
//! groups' activity, resumable with `Last-Event-ID`, ended cleanly when the server stops.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use kernel::activity::Cursor;
use kernel::notify::live::LiveFeed;
use kernel::people::Scope;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::{AppState, Problem, StreamCaller};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(stream))
}

/// Live events (`text/event-stream`): `notification` (it names you), `activity` (in one of
/// your groups) and `resync` (you missed too much: reload, then listen again). Each event's
/// `id` is a position in the log; reconnect with `Last-Event-ID` to get what you missed.
/// Browsers may authenticate with the session cookie (the Origin is checked).
#[utoipa::path(get, path = "/api/v1/stream", tag = "notifications",
    security(("bearer" = []), ("session_cookie" = [])),
    params(("Last-Event-ID" = Option<String>, Header, description = "Resume after this event")),
    responses((status = 200, description = "An event stream", content_type = "text/event-stream", body = String)))]
async fn stream(
    State(app): State<AppState>,
    StreamCaller(actor): StreamCaller,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, Problem> {
    actor.require(Scope::Read)?;
    let slot = app.streams.take(actor.account)?;
    let after = match headers.get("last-event-id").map(|v| v.to_str()) {
        None => None,
        Some(Ok(text)) if text.trim().is_empty() => None,
        Some(Ok(text)) => Some(text.trim().parse::<Cursor>()?),
        Some(Err(_)) => {
            return Err(kernel::Error::BadRequest("Last-Event-ID is not text".into()).into());
        }
    };
    let feed = LiveFeed::open(
        app.kernel.clone(),
        &app.kernel.bus,
        actor.account,
        kernel::policy::confined_to(Some(&actor)),
        after,
        app.shutdown.clone(),
    )
    .await?;
    let events = futures::stream::unfold(feed, |mut feed| async move {
        let next = feed.next().await?;
        let mut event = Event::default().event(next.event).data(next.data);
        if let Some(id) = next.id {
            event = event.id(id);
        }
        Some((Ok(event), feed))
    });
    let events = crate::streams::holding(events, slot);
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
