//! The plug-in contract (docs/tools.md): every tool the composition root mounts is wired in
//! whole — its tables, jobs, permissions, routes and OpenAPI paths — from the one list in
//! `weft::server::tools`, and every path it adds is in the permission matrix.

use std::collections::BTreeSet;

use kernel::db::{Backend as Dialect, migrator};
use testkit::{Backend, TestServer, both};
use tokio_util::sync::CancellationToken;

both!(
    every_tool_is_wired_in_from_the_one_list,
    a_tool_is_absent_where_its_group_turned_it_off,
    a_tools_permissions_and_scopes_open_like_the_kernels,
);

async fn every_tool_is_wired_in_from_the_one_list(backend: Backend) {
    let server = TestServer::start(backend).await;
    let tools = weft::server::tools();

    // Names: one each, and each reserved against outside tools' registrations.
    let names: BTreeSet<&str> = tools.iter().map(|t| t.name()).collect();
    assert_eq!(names.len(), tools.len(), "two tools share a name");
    for name in &names {
        assert!(
            kernel::tool::RESERVED_NAMES.contains(name),
            "the {name} tool's name is not reserved"
        );
    }

    // Tables: every crate's migrations, in both dialects with the same versions, applied by
    // one migrator without a collision — and applied to this server's database.
    let sets = weft::server::migrations(&tools);
    assert!(
        sets.iter().any(|s| s.owner == "ledger"),
        "the credit tool brings the ledger's"
    );
    for dialect in [Dialect::Sqlite, Dialect::Postgres] {
        let all = migrator(&sets, dialect).expect("versions that do not collide");
        let per_set: usize = sets
            .iter()
            .map(|s| match dialect {
                Dialect::Sqlite => s.sqlite.iter().count(),
                Dialect::Postgres => s.postgres.iter().count(),
            })
            .sum();
        assert_eq!(all.iter().count(), per_set);
    }
    let applied = applied_versions(&server).await;
    for set in &sets {
        for m in set.sqlite.iter() {
            assert!(
                applied.contains(&m.version),
                "{}'s migration {} is not applied",
                set.owner,
                m.version
            );
        }
    }

    // Manifests: in the kernel's registry, with permissions in the tool's own namespace.
    for manifest in tools.iter().filter_map(|t| t.manifest()) {
        let registered = server.kernel.tools.get(&manifest.name);
        assert!(registered.is_some(), "{} is not registered", manifest.name);
        assert_eq!(
            manifest.problems(),
            Vec::<String>::new(),
            "{}",
            manifest.name
        );
    }

    // Started, each tool's jobs are the runner's, and its API is in the served document and
    // the permission matrix.
    let shutdown = CancellationToken::new();
    for tool in &tools {
        tool.start(&server.kernel, &shutdown)
            .await
            .unwrap_or_else(|e| panic!("{} starts: {e}", tool.name()));
    }
    let runner = weft::server::jobs(&tools);
    for tool in &tools {
        for job in tool.jobs() {
            assert!(
                runner.kinds().contains(&job.kind()),
                "{}'s job {} is not the runner's",
                tool.name(),
                job.kind()
            );
        }
    }
    let spec = server.client().get("/api/openapi.json").await;
    let served = &spec.json["paths"];
    let matrix: BTreeSet<(String, String)> = crate::permissions::rows()
        .iter()
        .map(|r| (r.method.to_string(), r.spec.to_string()))
        .collect();
    let mut counted = 0;
    for tool in &tools {
        let Some(api) = tool.api() else { continue };
        let (_, document) = api.split_for_parts();
        for (path, item) in &document.paths.paths {
            let methods = serde_json::to_value(item).unwrap();
            for method in methods.as_object().unwrap().keys() {
                if !["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                    continue;
                }
                counted += 1;
                assert!(
                    served[path].get(method).is_some(),
                    "{} {method} {path} is not served",
                    tool.name()
                );
                assert!(
                    matrix.contains(&(method.to_uppercase(), path.clone())),
                    "{method} {path} of {} has no row in the permission matrix",
                    tool.name()
                );
            }
        }
    }
    assert!(
        counted >= 14,
        "the tools' operations were found ({counted})"
    );
    shutdown.cancel();
}

async fn applied_versions(server: &TestServer) -> BTreeSet<i64> {
    let query = sea_query::Query::select()
        .column(sea_query::Alias::new("version"))
        .from(sea_query::Alias::new("_sqlx_migrations"))
        .to_owned();
    let rows: Vec<(i64,)> = server.kernel.db.fetch_all(&query).await.unwrap();
    rows.into_iter().map(|(v,)| v).collect()
}

/// The switches every tool's service asks: its endpoints are 404 in a group that has it off,
/// and a feature that needs another tool is 409 naming it while that one is off.
async fn a_tool_is_absent_where_its_group_turned_it_off(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ana = server.account("ana").await;
    let made = ana
        .post(
            "/api/v1/groups",
            &serde_json::json!({"handle": "garden", "name": "Garden", "visibility": "public",
                                "join_policy": "open"}),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let group: kernel::id::GroupId = made.json["id"].as_str().unwrap().parse().unwrap();
    let k = &server.kernel;
    assert!(matches!(
        kernel::tool::require_on(k, group, "notes").await,
        Err(kernel::Error::NotFound(_))
    ));
    let on = ana
        .put("/api/v1/groups/garden/tools/notes", &serde_json::json!({}))
        .await;
    assert!(on.status < 300, "{}", on.body);
    kernel::tool::require_on(k, group, "notes").await.unwrap();
    match kernel::tool::require_other(k, group, "polls").await {
        Err(kernel::Error::Conflict { field, detail }) => {
            assert_eq!(field.as_deref(), Some("tool"));
            assert!(detail.contains("polls"), "{detail}");
        }
        other => panic!("expected a conflict naming polls, got {other:?}"),
    }
    let off = ana.delete("/api/v1/groups/garden/tools/notes").await;
    assert!(off.status < 300, "{}", off.body);
    assert!(kernel::tool::require_on(k, group, "notes").await.is_err());
}

/// Every registered tool's scopes can be given to a token, and its permissions to a custom
/// role; names no tool declared are refused (422), as the kernel's own unknown ones are.
async fn a_tools_permissions_and_scopes_open_like_the_kernels(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ana = server.account("ana").await;
    let registered = server.kernel.tools.all().to_vec();
    assert!(
        registered.iter().any(|t| t.name == "notes"),
        "the stand-in is mounted"
    );
    for tool in &registered {
        assert_eq!(tool.problems(), Vec::<String>::new(), "{}", tool.name);
        for scope in &tool.scopes {
            let minted = ana
                .post(
                    "/api/v1/tokens",
                    &serde_json::json!({"name": "t", "scopes": [scope]}),
                )
                .await;
            assert_eq!(minted.status, 201, "{scope}: {}", minted.body);
            assert_eq!(minted.json["scopes"], serde_json::json!([scope]));
        }
    }
    let unknown = ana
        .post(
            "/api/v1/tokens",
            &serde_json::json!({"name": "t", "scopes": ["nosuch:read"]}),
        )
        .await;
    assert_eq!(unknown.status, 422, "{}", unknown.body);
    assert_eq!(unknown.error_fields(), ["scopes"]);

    let made = ana
        .post(
            "/api/v1/groups",
            &serde_json::json!({"handle": "garden", "name": "Garden", "visibility": "public",
                                "join_policy": "open"}),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let role = ana
        .post(
            "/api/v1/groups/garden/roles",
            &serde_json::json!({"name": "pinner", "permissions": ["post", "tool:notes:pin"]}),
        )
        .await;
    assert_eq!(role.status, 201, "{}", role.body);
    for undeclared in ["tool:notes:burn", "tool:nosuch:pin"] {
        let refused = ana
            .post(
                "/api/v1/groups/garden/roles",
                &serde_json::json!({"name": "burner", "permissions": [undeclared]}),
            )
            .await;
        assert_eq!(refused.status, 422, "{undeclared}: {}", refused.body);
    }
    // The roles form offers the permission with its label once the group uses the tool.
    let on = ana
        .put("/api/v1/groups/garden/tools/notes", &serde_json::json!({}))
        .await;
    assert!(on.status < 300, "{}", on.body);
    let page = ana.get("/groups/garden/members").await;
    assert!(
        page.body.contains("value=\"tool:notes:pin\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("Pin notes"));
}
