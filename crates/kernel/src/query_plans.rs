//! The activity log's and the inbox's queries must reach rows through indexes: a full scan of
//! `accounts`, `groups` or `activities` inside a join costs a server with many people seconds
//! per request (the kernel 3 benchmark found one when SQLite's id columns had a type affinity
//! that kept the indexes out). These tests read SQLite's plans; they need no data.

use crate::activity::Cursor;
use crate::activity::store::{group_feed_query, log_query};
use crate::db::{Backend, Db, DbOptions};
use crate::id::{AccountId, GroupId};
use crate::notify::store::{
    InboxQuery, direct_counts_query, direct_query, group_counts_query, group_items_query,
    group_tops_query, rows_query,
};

async fn plans() -> Vec<(&'static str, Vec<String>)> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let db = Db::connect(&Db::sqlite_url_in(dir.path()), &DbOptions::default())
        .await
        .expect("a SQLite database");
    let me = AccountId::new();
    let all = InboxQuery {
        group: None,
        tool: None,
        unread: false,
        before: None,
        since: None,
        limit: 50,
    };
    let narrow = InboxQuery {
        group: Some(GroupId::new()),
        tool: Some("notes".into()),
        unread: true,
        before: Some(uuid::Uuid::now_v7()),
        since: Some(uuid::Uuid::now_v7()),
        limit: 50,
    };
    let statements = [
        ("log tail", log_query(Backend::Sqlite, Cursor::START, 500)),
        (
            "group feed",
            group_feed_query(GroupId::new(), Some(me), Some(uuid::Uuid::now_v7()), 50),
        ),
        (
            "inbox group items",
            group_items_query(Backend::Sqlite, me, &all, 51),
        ),
        (
            "inbox group items, filtered",
            group_items_query(Backend::Sqlite, me, &narrow, 51),
        ),
        ("inbox group tops", group_tops_query(me, &all)),
        ("inbox direct", direct_query(me, &all, 51)),
        ("inbox direct, filtered", direct_query(me, &narrow, 51)),
        ("inbox rows", rows_query(me, vec![uuid::Uuid::now_v7(); 3])),
        ("unread per group", group_counts_query(me)),
        ("unread direct", direct_counts_query(me)),
    ];
    let mut out = Vec::new();
    for (name, stmt) in statements {
        out.push((name, db.explain(&stmt).await.expect("a plan")));
    }
    db.close().await;
    out
}

/// A step that reads a whole table: `SCAN t`, but not the scan of a subquery's result or a
/// scan through an index whose first column the query fixes (SQLite says `SEARCH` then).
fn full_scans(plan: &[String]) -> Vec<&String> {
    plan.iter()
        .filter(|step| step.starts_with("SCAN ") && !step.starts_with("SCAN CONSTANT"))
        .collect()
}

#[tokio::test]
async fn log_and_inbox_queries_read_through_indexes() {
    for (name, plan) in plans().await {
        let scans = full_scans(&plan);
        // The log tail walks `activities` in (pos, id) order from the cursor: a range of
        // its unique index, shown as a SEARCH. Nothing else may scan a table.
        assert!(scans.is_empty(), "{name} scans a table: {plan:#?}");
    }
}

#[test]
fn a_scan_in_a_plan_is_noticed() {
    let plan = [
        "SCAN a USING INDEX sqlite_autoindex_activities_1".to_string(),
        "SEARCH ac USING INDEX sqlite_autoindex_accounts_1 (id=?) LEFT-JOIN".to_string(),
        "SCAN g LEFT-JOIN".to_string(),
    ];
    assert_eq!(full_scans(&plan).len(), 2);
}
