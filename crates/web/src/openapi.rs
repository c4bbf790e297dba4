//! The OpenAPI 3.1 document, generated from the handlers' annotations, plus the problem
//! responses every operation can give, and a readable page of it at `/api/docs`.

use std::fmt::Write;

use utoipa::openapi::path::Operation;
use utoipa::openapi::request_body::RequestBody;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{
    Content, OpenApi as Document, Ref, RefOr, Required, ResponseBuilder, Schema,
};
use utoipa::{Modify, OpenApi};

use crate::problem::{CONTENT_TYPE, Problem};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Weft",
        description = "One open server for every collaborative tool a community needs: one \
            identity, one group model, one activity stream and one ledger. Errors are RFC 9457 \
            `application/problem+json`; lists take `?limit=&cursor=` and answer \
            `{items, next_cursor}`.",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later")
    ),
    components(schemas(Problem, kernel::FieldError)),
    modifiers(&SecuritySchemes),
    tags(
        (name = "people", description = "Accounts, sessions, tokens and password resets"),
        (name = "groups", description = "Groups, members, roles, invitations and join requests"),
        (name = "tools", description = "Which groups use which tools"),
        (name = "activities", description = "What happened in a group (ActivityStreams 2.0)"),
        (name = "notifications", description = "Your inbox, its settings and the live stream"),
        (name = "files", description = "Files on any tool's things: JPEG, PNG, WebP and PDF, read through the thing's policy"),
        (name = "comments", description = "Threaded comments on any tool's things, with mentions and reactions")
    )
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, api: &mut Document) {
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A session token from POST /api/v1/sessions or a personal access token",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "weft_session",
                "The browser session; state-changing requests must come from Weft's origin",
            ))),
        );
    }
}

fn problem_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    let schema: RefOr<Schema> = Ref::from_schema_name("Problem").into();
    ResponseBuilder::new()
        .description(description)
        .content(CONTENT_TYPE, Content::new(Some(schema)))
        .build()
        .into()
}

/// Adds the problem answers every operation may give, so clients (and schemathesis) know
/// their shape: malformed requests, missing credentials, validation, rate limits.
fn document_problems(op: &mut Operation) {
    let secured = op
        .security
        .as_ref()
        .is_some_and(|reqs| reqs.iter().any(|r| *r != Default::default()));
    let has_body = op.request_body.is_some();
    let has_params = op.parameters.as_ref().is_some_and(|p| !p.is_empty());
    // Problems declared by hand in a handler's annotation come as JSON; they are problem+json.
    for (code, response) in op.responses.responses.iter_mut() {
        if (code.starts_with('4') || code.starts_with('5'))
            && let RefOr::T(response) = response
            && let Some(content) = response.content.shift_remove("application/json")
        {
            response.content.insert(CONTENT_TYPE.to_string(), content);
        }
    }
    let mut add = |code: &str, description: &str| {
        op.responses
            .responses
            .entry(code.to_string())
            .or_insert_with(|| problem_response(description));
    };
    add("400", "Malformed request");
    if secured {
        add("401", "No valid credentials");
        add("403", "Not allowed");
    }
    if has_params {
        add("404", "Not found");
        add("422", "Invalid input, field by field");
    }
    if has_body {
        add("413", "Body too large");
        add("415", "Body is not JSON");
        add("422", "Invalid input, field by field");
    }
    add("409", "Conflicts with the current state");
    add("429", "Too many requests");
    add("500", "Something failed inside");
}

/// Finishes the generated document: problem responses everywhere; a JSON body is required
/// unless every field of it is optional (then no body at all reads as `{}`: `web::Json`).
pub fn finish(mut api: Document) -> Document {
    // Schemas with no required field, by their `$ref`.
    let all_optional: std::collections::HashSet<String> = api
        .components
        .as_ref()
        .map(|c| {
            c.schemas
                .iter()
                .filter(|(_, schema)| {
                    serde_json::to_value(schema).ok().is_some_and(|v| {
                        v.get("required")
                            .and_then(|r| r.as_array())
                            .is_none_or(|r| r.is_empty())
                    })
                })
                .map(|(name, _)| format!("#/components/schemas/{name}"))
                .collect()
        })
        .unwrap_or_default();
    for item in api.paths.paths.values_mut() {
        for op in [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            if let Some(RefOr::T(RequestBody {
                required, content, ..
            })) = op.request_body.as_mut()
            {
                let optional = content
                    .get("application/json")
                    .and_then(|c| serde_json::to_value(c).ok())
                    .and_then(|v| {
                        v.pointer("/schema/$ref")
                            .and_then(|r| r.as_str())
                            .map(str::to_string)
                    })
                    .is_some_and(|r| all_optional.contains(&r));
                *required = Some(if optional {
                    Required::False
                } else {
                    Required::True
                });
            }
            document_problems(op);
        }
    }
    api
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A plain, readable page of the API: no scripts, nothing fetched from elsewhere.
pub fn docs_page(api: &Document) -> String {
    let mut html = String::from(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Weft API</title><link rel=\"stylesheet\" href=\"/api/docs.css\"></head><body><main>",
    );
    let _ = write!(
        html,
        "<h1>{} API <small>{}</small></h1><p>{}</p>\
         <p>The machine-readable document is at <a href=\"/api/openapi.json\">/api/openapi.json</a> \
         (OpenAPI 3.1).</p><nav><h2>Operations</h2><ul>",
        escape(&api.info.title),
        escape(&api.info.version),
        escape(api.info.description.as_deref().unwrap_or("")),
    );
    let mut sections = String::new();
    for (path, item) in &api.paths.paths {
        let ops = [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PUT", &item.put),
            ("PATCH", &item.patch),
            ("DELETE", &item.delete),
        ];
        for (method, op) in ops {
            let Some(op) = op else { continue };
            let anchor = format!("{method}-{path}").replace(['/', '{', '}'], "_");
            let summary = op.summary.as_deref().unwrap_or("");
            let _ = write!(
                html,
                "<li><a href=\"#{anchor}\"><code>{method} {}</code></a> {}</li>",
                escape(path),
                escape(summary)
            );
            let _ = write!(
                sections,
                "<section id=\"{anchor}\"><h3><code>{method} {}</code></h3><p><strong>{}</strong></p><p>{}</p>",
                escape(path),
                escape(summary),
                escape(op.description.as_deref().unwrap_or(""))
            );
            if let Some(params) = &op.parameters {
                sections.push_str("<h4>Parameters</h4><ul>");
                for p in params {
                    let RefOr::T(p) = p else { continue };
                    let _ = write!(
                        sections,
                        "<li><code>{}</code> — {}</li>",
                        escape(&p.name),
                        escape(p.description.as_deref().unwrap_or(""))
                    );
                }
                sections.push_str("</ul>");
            }
            if let Some(RefOr::T(body)) = &op.request_body
                && let Some(content) = body.content.get("application/json")
            {
                let schema = serde_json::to_string_pretty(content).unwrap_or_default();
                let _ = write!(sections, "<h4>Body</h4><pre>{}</pre>", escape(&schema));
            }
            sections.push_str("<h4>Responses</h4><ul>");
            for (code, response) in &op.responses.responses {
                let description = match response {
                    RefOr::T(r) => r.description.clone(),
                    RefOr::Ref(r) => r.ref_location.clone(),
                };
                let _ = write!(
                    sections,
                    "<li><code>{code}</code> {}</li>",
                    escape(&description)
                );
            }
            sections.push_str("</ul></section>");
        }
    }
    html.push_str("</ul></nav>");
    html.push_str(&sections);
    if let Some(components) = &api.components {
        html.push_str("<h2>Schemas</h2>");
        for (name, schema) in &components.schemas {
            let text = serde_json::to_string_pretty(schema).unwrap_or_default();
            let _ = write!(
                html,
                "<section id=\"schema-{0}\"><h3>{0}</h3><pre>{1}</pre></section>",
                escape(name),
                escape(&text)
            );
        }
    }
    html.push_str("</main></body></html>");
    html
}

pub const DOCS_CSS: &str = "body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1d2330;\
background:#fbfaf7}main{max-width:60rem;margin:0 auto;padding:1rem 1.5rem}\
h1 small{font-size:.5em;color:#667}section{border-top:1px solid #ddd;padding:.5rem 0}\
pre{background:#f0eee8;padding:.75rem;overflow:auto;font-size:.85rem;border-radius:6px}\
code{font-family:ui-monospace,monospace}a{color:#3b4fd8}\
@media (prefers-color-scheme:dark){body{background:#15171c;color:#e6e6ea}\
pre{background:#22252d}a{color:#9aa8ff}}";
