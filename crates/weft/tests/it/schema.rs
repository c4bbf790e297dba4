//! The two migration sets must build the same tables with the same columns.

use testkit::{Backend, TestServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_databases_have_the_same_tables_and_columns() {
    let sqlite = TestServer::start(Backend::Sqlite).await;
    let postgres = TestServer::start(Backend::Postgres).await;
    let sqlite_columns = sqlite.kernel.db.schema_columns().await.unwrap();
    let postgres_columns = postgres.kernel.db.schema_columns().await.unwrap();
    assert!(
        sqlite_columns
            .iter()
            .any(|(t, c)| t == "accounts" && c == "handle")
    );
    let only_sqlite: Vec<_> = sqlite_columns
        .iter()
        .filter(|c| !postgres_columns.contains(c))
        .collect();
    let only_postgres: Vec<_> = postgres_columns
        .iter()
        .filter(|c| !sqlite_columns.contains(c))
        .collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "only in SQLite: {only_sqlite:?}; only in PostgreSQL: {only_postgres:?}"
    );
}
