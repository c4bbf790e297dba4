//! The kernel's shared services every tool uses, through the real server: files on a thing
//! (type sniffed from the bytes, read through the thing's policy) and comments on a thing
//! (threads, mentions that notify, reactions, edits, deletes).

use serde_json::json;
use testkit::{Backend, Client, TestServer, both};

both!(
    files_are_sniffed_limited_and_read_through_their_thing,
    comments_thread_mention_react_and_follow_their_thing,
    a_comment_on_a_private_thing_reaches_only_its_readers,
);

/// The smallest bytes that are a PNG by their signature.
const PNG: &[u8] =
    b"\x89PNG\r\n\x1A\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1F\x15\xC4\x89";
const SVG: &[u8] = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
const HTML: &[u8] = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>";

async fn group(owner: &Client, handle: &str, visibility: &str) {
    let reply = owner
        .post(
            "/api/v1/groups",
            &json!({"handle": handle, "name": handle, "visibility": visibility,
                    "join_policy": "open"}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
}

async fn upload(
    client: &Client,
    group: &str,
    name: &str,
    kind: &str,
    bytes: &[u8],
) -> testkit::Reply {
    client
        .post_raw(
            &format!("/api/v1/files?subject_type=group&subject_id={group}&name={name}"),
            kind,
            bytes.to_vec(),
        )
        .await
}

async fn files_are_sniffed_limited_and_read_through_their_thing(backend: Backend) {
    let server = TestServer::start_with(backend, |c| c.max_file_bytes = 4096).await;
    let ana = server.account("ana").await;
    let bo = server.account("bo").await;
    let eve = server.account("eve").await;
    group(&ana, "garden", "public").await;
    group(&ana, "hidden", "secret").await;
    bo.post("/api/v1/groups/garden/members", &json!({})).await;

    let kept = upload(&bo, "garden", "plan.png", "image/png", PNG).await;
    assert_eq!(kept.status, 201, "{}", kept.body);
    assert_eq!(kept.json["content_type"], "image/png");
    assert_eq!(kept.json["size"], PNG.len());
    let url = kept.json["url"].as_str().unwrap().to_string();

    // What claims to be a picture but is markup, or is another kind than it claims, is refused.
    for (name, kind, bytes) in [
        ("evil.png", "image/png", SVG),
        ("evil.svg", "image/svg+xml", SVG),
        ("page.png", "image/png", HTML),
        ("page.html", "text/html", HTML),
        ("plan.jpg", "image/jpeg", PNG),
    ] {
        let refused = upload(&bo, "garden", name, kind, bytes).await;
        assert_eq!(refused.problem(422)["errors"][0]["field"], "file", "{name}");
    }
    // Too large is 413; an outsider cannot upload to a group they are not in.
    let big = [PNG, &vec![0u8; 5000]].concat();
    upload(&bo, "garden", "big.png", "image/png", &big)
        .await
        .problem(413);
    upload(&eve, "garden", "x.png", "image/png", PNG)
        .await
        .problem(403);

    // Served with its sniffed type, nosniff, a sandbox and a disposition; anyone may read a
    // public group's files.
    let fetched = server.client().get(&url).await;
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.header("content-type"), Some("image/png"));
    assert_eq!(fetched.header("x-content-type-options"), Some("nosniff"));
    assert!(
        fetched
            .header("content-security-policy")
            .unwrap()
            .contains("sandbox")
    );
    assert!(
        fetched
            .header("content-disposition")
            .unwrap()
            .starts_with("inline; filename=\"plan.png\"")
    );
    let listed = server
        .client()
        .get("/api/v1/files?subject_type=group&subject_id=garden")
        .await;
    assert_eq!(listed.json.as_array().unwrap().len(), 1, "{}", listed.body);

    // Files hang off the group itself, not its handle: renamed, they follow it, and a new
    // group that takes the old handle sees none of them.
    let renamed = ana
        .patch("/api/v1/groups/garden", &json!({"handle": "orchard"}))
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    group(&eve, "garden", "public").await;
    let theirs = eve
        .get("/api/v1/files?subject_type=group&subject_id=garden")
        .await;
    assert_eq!(theirs.json, json!([]), "{}", theirs.body);
    let ours = bo
        .get("/api/v1/files?subject_type=group&subject_id=orchard")
        .await;
    assert_eq!(ours.json.as_array().unwrap().len(), 1, "{}", ours.body);

    // A secret group's file: nobody outside learns it exists.
    let secret = upload(
        &ana,
        "hidden",
        "minutes.pdf",
        "application/pdf",
        b"%PDF-1.7\n%...",
    )
    .await;
    assert_eq!(secret.status, 201, "{}", secret.body);
    assert!(
        secret
            .json
            .get("content_type")
            .is_some_and(|t| t == "application/pdf")
    );
    let secret_url = secret.json["url"].as_str().unwrap();
    eve.get(secret_url).await.problem(404);
    server.client().get(secret_url).await.problem(404);
    eve.get("/api/v1/files?subject_type=group&subject_id=hidden")
        .await
        .problem(404);
    let pdf = ana.get(secret_url).await;
    assert!(
        pdf.header("content-disposition")
            .unwrap()
            .starts_with("attachment;")
    );

    // Deleting: not another member; the uploader or a moderator.
    let carl = server.account("carl").await;
    carl.post("/api/v1/groups/orchard/members", &json!({}))
        .await;
    carl.delete(&url).await.problem(403);

    // A custom role without `post` reads files and comments but adds neither.
    let made = ana
        .post(
            "/api/v1/groups/orchard/roles",
            &json!({"name": "greeter", "permissions": ["invite"]}),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let changed = ana
        .patch(
            "/api/v1/groups/orchard/members/carl",
            &json!({"role": "greeter"}),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    upload(&carl, "orchard", "x.png", "image/png", PNG)
        .await
        .problem(403);
    carl.post(
        "/api/v1/comments",
        &json!({"subject_type": "group", "subject_id": "orchard", "body": "hi"}),
    )
    .await
    .problem(403);
    let read = carl
        .get("/api/v1/files?subject_type=group&subject_id=orchard")
        .await;
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(ana.delete(&url).await.status, 204);
    server.client().get(&url).await.problem(404);
}

async fn comments_thread_mention_react_and_follow_their_thing(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ana = server.account("ana").await;
    let bo = server.account("bo").await;
    let cy = server.account("cy").await;
    let eve = server.account("eve").await;
    group(&ana, "garden", "secret").await;
    let invite = ana
        .post(
            "/api/v1/groups/garden/invitations",
            &json!({"account": "bo"}),
        )
        .await;
    assert_eq!(invite.status, 201, "{}", invite.body);
    let accepted = bo
        .post(
            &format!(
                "/api/v1/invitations/{}/accept",
                invite.json["id"].as_str().unwrap()
            ),
            &json!({}),
        )
        .await;
    assert!(accepted.status < 300, "{}", accepted.body);

    // ana mentions bo (a member) and cy (not one): bo is told, cy is not.
    let first = ana
        .post(
            "/api/v1/comments",
            &json!({"subject_type": "group", "subject_id": "garden",
                    "body": "Seeds arrive Monday, @bo, can you sort them? (cc @cy)"}),
        )
        .await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.json["author"]["handle"], "ana");
    assert_eq!(first.json["mentions"], json!(["bo", "cy"]));
    let first_id = first.json["id"].as_str().unwrap().to_string();
    let inbox = bo.get("/api/v1/notifications").await;
    assert!(
        inbox.json["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["reason"] == "mention"),
        "{}",
        inbox.body
    );
    let theirs = cy.get("/api/v1/notifications").await;
    assert!(
        !theirs.json["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["reason"] == "mention"),
        "a non-member mentioned in a secret group learns nothing: {}",
        theirs.body
    );

    // bo answers in the thread, reacts twice with one emoji (counted once).
    let answer = bo
        .post(
            "/api/v1/comments",
            &json!({"subject_type": "group", "subject_id": "garden",
                    "body": "On it.", "parent": first_id}),
        )
        .await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(answer.json["parent"], first_id.as_str());
    for _ in 0..2 {
        let reacted = bo
            .put(
                &format!("/api/v1/comments/{first_id}/reactions/👍"),
                &json!({}),
            )
            .await;
        assert_eq!(reacted.status, 204, "{}", reacted.body);
    }
    let page = ana
        .get("/api/v1/comments?subject_type=group&subject_id=garden")
        .await;
    let items = page.json["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(
        items[0]["reactions"],
        json!([{"emoji": "👍", "count": 1, "mine": false}])
    );
    assert_eq!(items[1]["parent"], first_id.as_str());

    // Editing is the author's; deleting the author's or a moderator's, and keeps the thread.
    bo.patch(
        &format!("/api/v1/comments/{first_id}"),
        &json!({"body": "mine now"}),
    )
    .await
    .problem(403);
    let edited = ana
        .patch(
            &format!("/api/v1/comments/{first_id}"),
            &json!({"body": "Seeds arrive Tuesday."}),
        )
        .await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    assert!(edited.json["edited_at"].is_number() || edited.json["edited_at"].is_string());
    bo.delete(&format!("/api/v1/comments/{first_id}"))
        .await
        .problem(403);
    assert_eq!(
        ana.delete(&format!("/api/v1/comments/{first_id}"))
            .await
            .status,
        204
    );
    let page = bo
        .get("/api/v1/comments?subject_type=group&subject_id=garden")
        .await;
    let items = page.json["items"].as_array().unwrap();
    assert_eq!(items[0]["deleted"], true);
    assert_eq!(items[0]["body"], "");
    assert_eq!(items[0]["reactions"], json!([]));
    assert_eq!(items[1]["body"], "On it.", "answers stay");

    // A stranger neither reads nor writes comments on a secret group's thing; bad input is
    // said field by field.
    eve.get("/api/v1/comments?subject_type=group&subject_id=garden")
        .await
        .problem(404);
    eve.post(
        "/api/v1/comments",
        &json!({"subject_type": "group", "subject_id": "garden", "body": "hi"}),
    )
    .await
    .problem(404);
    let empty = ana
        .post(
            "/api/v1/comments",
            &json!({"subject_type": "group", "subject_id": "garden", "body": "  "}),
        )
        .await;
    assert_eq!(empty.problem(422)["errors"][0]["field"], "body");
    ana.post(
        "/api/v1/comments",
        &json!({"subject_type": "spaceship", "subject_id": "x", "body": "hi"}),
    )
    .await
    .problem(422);
}

/// What is said about a thing only some members may read (a private note, as a direct
/// message or a person's account) reaches only them: the comment's activity is not in the
/// group's stream, a mention of another member tells them nothing, and they cannot read it.
async fn a_comment_on_a_private_thing_reaches_only_its_readers(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ana = server.account("ana").await;
    let bo = server.account("bo").await;
    group(&ana, "garden", "public").await;
    let joined = bo.post("/api/v1/groups/garden/members", &json!({})).await;
    assert!(joined.status < 300, "{}", joined.body);
    let on = ana
        .put("/api/v1/groups/garden/tools/notes", &json!({}))
        .await;
    assert!(on.status < 300, "{}", on.body);

    let private = ana
        .post(
            "/api/v1/comments",
            &json!({"subject_type": "note", "subject_id": "garden/private/ana",
                    "body": "My PIN for the shed is 4711 — @bo must not see this"}),
        )
        .await;
    assert_eq!(private.status, 201, "{}", private.body);
    let id = private.json["id"].as_str().unwrap();
    // In public: what ana says on the group's own note is the group's.
    let public = ana
        .post(
            "/api/v1/comments",
            &json!({"subject_type": "note", "subject_id": "garden/plan",
                    "body": "Planting plan is up, @bo"}),
        )
        .await;
    assert_eq!(public.status, 201, "{}", public.body);

    let stream = bo.get("/api/v1/groups/garden/activities").await;
    assert_eq!(stream.status, 200, "{}", stream.body);
    assert!(!stream.body.contains("4711"), "{}", stream.body);
    assert!(stream.body.contains("Planting plan"), "{}", stream.body);
    let anonymous = server
        .client()
        .get("/api/v1/groups/garden/activities")
        .await;
    assert!(!anonymous.body.contains("4711"), "{}", anonymous.body);
    let inbox = bo.get("/api/v1/notifications").await;
    assert!(!inbox.body.contains("4711"), "{}", inbox.body);
    let mentions = inbox.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["reason"] == "mention")
        .count();
    assert_eq!(mentions, 1, "only the public mention: {}", inbox.body);
    bo.put(&format!("/api/v1/comments/{id}/reactions/👀"), &json!({}))
        .await
        .problem(404);
    let listed = bo
        .get("/api/v1/comments?subject_type=note&subject_id=garden/private/ana")
        .await;
    assert_eq!(listed.status, 404, "{}", listed.body);
    // ana still has it.
    let own = ana
        .get("/api/v1/comments?subject_type=note&subject_id=garden/private/ana")
        .await;
    assert_eq!(own.status, 200, "{}", own.body);
    assert!(own.body.contains("4711"));
}
