//! The one place that knows the SQL dialect. Tools build sea-query statements; `Db` runs them
//! on the pool in hand, and maps constraint violations to kernel errors.
//!
//! SQLite (the embedded default) gets one writer connection that opens every transaction with
//! `BEGIN IMMEDIATE` — a deferred `BEGIN` fails with "database is locked" under concurrent
//! writers — and a pool of read-only readers; WAL lets them read while the writer writes.
//! PostgreSQL gets one ordinary pool.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};
use sea_query_sqlx::SqlxBinder;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgPoolOptions, PgRow};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, FromRow, PgPool, SqlitePool};

use tokio::sync::watch;

use crate::{Error, Result};

/// The PostgreSQL channel on which a commit that wrote activities wakes other nodes' log
/// readers (`Tx::wake_log_readers`, and the bus's `LISTEN`).
pub const LOG_CHANNEL: &str = "weft_activity";
/// Listens on a PostgreSQL `NOTIFY` channel until `shutdown`, connecting again after a
/// failure: `heard` gets each notification's payload, and `None` when the connection was lost
/// (a notification may have been missed meanwhile). The activity bus and the tools that tell
/// other nodes of a change share it.
pub async fn listen(
    pool: PgPool,
    channel: &'static str,
    shutdown: tokio_util::sync::CancellationToken,
    mut heard: impl FnMut(Option<&str>),
) {
    const RETRY: Duration = Duration::from_secs(1);
    // A listener holds its connection for as long as it listens: it gets one of its own, to
    // the same server, so that the tools' listeners never take the pool's connections away
    // from requests (a pool of 8 with six listeners starved).
    let own = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .min_connections(0)
        .idle_timeout(None)
        .max_lifetime(None)
        .connect_lazy_with((*pool.connect_options()).clone());
    loop {
        let connected = match sqlx::postgres::PgListener::connect_with(&own).await {
            Ok(mut listener) => match listener.listen(channel).await {
                Ok(()) => Ok(listener),
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        };
        let mut listener = match connected {
            Ok(listener) => listener,
            Err(e) => {
                tracing::warn!(error = %e, channel, "cannot LISTEN; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(RETRY) => continue,
                    _ = shutdown.cancelled() => return,
                }
            }
        };
        loop {
            tokio::select! {
                received = listener.recv() => match received {
                    Ok(note) => heard(Some(note.payload())),
                    Err(e) => {
                        tracing::warn!(error = %e, channel, "lost the LISTEN connection; reconnecting");
                        heard(None);
                        break;
                    }
                },
                _ = shutdown.cancelled() => return,
            }
        }
    }
}

/// `NOTIFY` on [`LOG_CHANNEL`] (a literal: raw SQL is `'static`).
const WAKE_LOG_READERS: &str = "SELECT pg_notify('weft_activity', '')";

/// The kernel's own tables.
pub static MIGRATIONS: Migrations = crate::migrations!();

/// One crate's migrations, per dialect: `crates/<crate>/migrations/{sqlite,postgres}/`, the same
/// versions in both. Versions must not collide between crates: new ones are timestamps
/// (`20261206120000_credit_tool_accounts.sql`); 0001–0011, shipped before crates owned their
/// tables, keep their numbers and bytes (sqlx checks each applied migration's checksum).
/// Every crate's are applied together, in version order, by one migrator ([`DbOptions`]).
#[derive(Debug)]
pub struct Migrations {
    /// The crate that owns the tables.
    pub owner: &'static str,
    pub sqlite: Migrator,
    pub postgres: Migrator,
}

/// The calling crate's [`Migrations`], embedded from its `migrations/{sqlite,postgres}` folders:
/// `pub static MIGRATIONS: kernel::db::Migrations = kernel::migrations!();`
#[macro_export]
macro_rules! migrations {
    () => {
        $crate::db::Migrations {
            owner: env!("CARGO_PKG_NAME"),
            sqlite: ::sqlx::migrate!("migrations/sqlite"),
            postgres: ::sqlx::migrate!("migrations/postgres"),
        }
    };
}

impl Migrations {
    fn of(&self, backend: Backend) -> &Migrator {
        match backend {
            Backend::Sqlite => &self.sqlite,
            Backend::Postgres => &self.postgres,
        }
    }
}

/// One migrator for several crates' migrations on `backend`, in version order. Two crates
/// with one version, or a crate whose dialects differ in versions, is an error: each is a
/// mistake to catch before any database is touched.
pub fn migrator(sets: &[&'static Migrations], backend: Backend) -> Result<Migrator> {
    let mut owners: std::collections::BTreeMap<i64, &str> = Default::default();
    let mut all = Vec::new();
    for set in sets {
        let versions = |m: &Migrator| m.iter().map(|m| m.version).collect::<Vec<_>>();
        if versions(&set.sqlite) != versions(&set.postgres) {
            return Err(Error::internal(format!(
                "the {} crate's SQLite and PostgreSQL migrations differ in versions",
                set.owner
            )));
        }
        for migration in set.of(backend).iter() {
            if let Some(other) = owners.insert(migration.version, set.owner) {
                return Err(Error::internal(format!(
                    "migration version {} is both {other}'s and {}'s",
                    migration.version, set.owner
                )));
            }
            all.push(migration.clone());
        }
    }
    Ok(Migrator::with_migrations(all))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The log position below which no transaction can still commit, as an SQL expression:
    /// on PostgreSQL the oldest transaction still running (positions are transaction ids);
    /// none on SQLite, whose one writer commits in position order.
    pub(crate) fn commit_horizon(self) -> Option<sea_query::Expr> {
        match self {
            Backend::Postgres => Some(sea_query::Expr::cust(
                "pg_snapshot_xmin(pg_current_snapshot())::text::bigint",
            )),
            Backend::Sqlite => None,
        }
    }

    /// Whether joins may be `LATERAL` (a subquery per row of the left side): PostgreSQL's,
    /// which SQLite lacks.
    pub(crate) fn has_lateral_joins(self) -> bool {
        self == Backend::Postgres
    }
}

/// A row type that both backends can decode.
pub trait Record:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}
impl<T> Record for T where
    T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}

#[derive(Debug, Clone)]
pub struct DbOptions {
    /// Connections in the PostgreSQL pool, or SQLite reader connections.
    pub max_connections: u32,
    pub run_migrations: bool,
    /// Every crate's migrations (the composition root knows them all); the kernel's alone by
    /// default.
    pub migrations: Vec<&'static Migrations>,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            max_connections: 16,
            run_migrations: true,
            migrations: vec![&MIGRATIONS],
        }
    }
}

#[derive(Debug, Clone)]
pub enum Db {
    Sqlite {
        writer: SqlitePool,
        readers: SqlitePool,
        logged: LogSignal,
    },
    Postgres {
        pool: PgPool,
        logged: LogSignal,
    },
}

/// Ticks after every commit that wrote to the activity log, so this node's readers of the
/// log wake at once (other nodes hear of it through PostgreSQL's NOTIFY).
#[derive(Debug, Clone)]
pub struct LogSignal(Arc<watch::Sender<u64>>);

impl LogSignal {
    fn new() -> Self {
        Self(Arc::new(watch::channel(0).0))
    }

    pub fn tick(&self) {
        self.0.send_modify(|n| *n = n.wrapping_add(1));
    }

    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.0.subscribe()
    }
}

/// Runs `$body` with `$conn` bound to the right executor and `$qb` to that dialect's builder.
macro_rules! dispatch {
    ($self:expr, $sqlite:expr, $pg:expr, |$conn:ident, $qb:ident| $body:expr) => {
        match $self {
            Db::Sqlite { .. } => {
                let $conn = $sqlite;
                let $qb = SqliteQueryBuilder;
                $body
            }
            Db::Postgres { .. } => {
                let $conn = $pg;
                let $qb = PostgresQueryBuilder;
                $body
            }
        }
    };
}

impl Db {
    /// Opens `url` (`sqlite://path` or `postgres://…`), creating a SQLite file if needed.
    pub async fn connect(url: &str, options: &DbOptions) -> Result<Db> {
        let db = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(options.max_connections)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await
                .map_err(|e| Error::internal(format!("cannot connect to PostgreSQL: {e}")))?;
            Db::Postgres {
                pool,
                logged: LogSignal::new(),
            }
        } else if url.starts_with("sqlite:") {
            let base = SqliteConnectOptions::from_str(url)
                .map_err(|e| Error::internal(format!("bad SQLite URL {url}: {e}")))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            let writer = SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(base.clone())
                .await
                .map_err(|e| Error::internal(format!("cannot open SQLite at {url}: {e}")))?;
            let readers = SqlitePoolOptions::new()
                .max_connections(options.max_connections.clamp(1, 8))
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(base.read_only(true).create_if_missing(false))
                .await
                .map_err(|e| Error::internal(format!("cannot open SQLite at {url}: {e}")))?;
            Db::Sqlite {
                writer,
                readers,
                logged: LogSignal::new(),
            }
        } else {
            return Err(Error::BadRequest(format!(
                "database URL must start with sqlite: or postgres:// (got {url})"
            )));
        };
        if options.run_migrations {
            db.migrate(&options.migrations).await?;
        }
        Ok(db)
    }

    /// The default embedded database inside a data directory.
    pub fn sqlite_url_in(data_dir: &Path) -> String {
        format!("sqlite://{}", data_dir.join("weft.db").display())
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite { .. } => Backend::Sqlite,
            Db::Postgres { .. } => Backend::Postgres,
        }
    }

    /// Ticks after each commit that wrote activities on this node.
    pub fn log_signal(&self) -> &LogSignal {
        match self {
            Db::Sqlite { logged, .. } | Db::Postgres { logged, .. } => logged,
        }
    }

    /// The PostgreSQL pool, for what only PostgreSQL has (LISTEN).
    pub fn postgres_pool(&self) -> Option<&PgPool> {
        match self {
            Db::Postgres { pool, .. } => Some(pool),
            Db::Sqlite { .. } => None,
        }
    }

    /// Applies what has not been applied of these crates' migrations.
    pub async fn migrate(&self, sets: &[&'static Migrations]) -> Result<()> {
        let migrator = migrator(sets, self.backend())?;
        let outcome = match self {
            Db::Sqlite { writer, .. } => migrator.run(writer).await,
            Db::Postgres { pool, .. } => migrator.run(pool).await,
        };
        outcome.map_err(|e| Error::internal(format!("migration failed: {e}")))
    }

    /// Answers whether the database takes queries (for `/readyz`).
    pub async fn ping(&self) -> Result<()> {
        match self {
            Db::Sqlite { readers, .. } => {
                sqlx::query("SELECT 1").execute(readers).await.map(|_| ())
            }
            Db::Postgres { pool, .. } => sqlx::query("SELECT 1").execute(pool).await.map(|_| ()),
        }
        .map_err(map_error)
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite {
                writer, readers, ..
            } => {
                readers.close().await;
                writer.close().await;
            }
            Db::Postgres { pool, .. } => pool.close().await,
        }
    }

    /// Starts a write transaction (`BEGIN IMMEDIATE` on SQLite). Commit it explicitly; dropping
    /// it rolls back.
    pub async fn begin(&self) -> Result<Tx> {
        match self {
            Db::Sqlite { writer, .. } => writer
                .begin_with("BEGIN IMMEDIATE")
                .await
                .map(TxConn::Sqlite)
                .map_err(map_error),
            Db::Postgres { pool, .. } => {
                pool.begin().await.map(TxConn::Postgres).map_err(map_error)
            }
        }
        .map(|conn| Tx {
            conn,
            logged: self.log_signal().clone(),
            wrote_activities: false,
        })
    }

    pub async fn fetch_all<T: Record>(&self, stmt: &impl SqlxBinder) -> Result<Vec<T>> {
        dispatch!(self, self.sqlite_readers(), self.pg(), |conn, qb| {
            let (sql, values) = stmt.build_sqlx(qb);
            sqlx::query_as_with(AssertSqlSafe(sql), values)
                .fetch_all(conn)
                .await
                .map_err(map_error)
        })
    }

    pub async fn fetch_optional<T: Record>(&self, stmt: &impl SqlxBinder) -> Result<Option<T>> {
        dispatch!(self, self.sqlite_readers(), self.pg(), |conn, qb| {
            let (sql, values) = stmt.build_sqlx(qb);
            sqlx::query_as_with(AssertSqlSafe(sql), values)
                .fetch_optional(conn)
                .await
                .map_err(map_error)
        })
    }

    pub async fn fetch_one<T: Record>(&self, stmt: &impl SqlxBinder) -> Result<T> {
        self.fetch_optional(stmt)
            .await?
            .ok_or(Error::NotFound("row"))
    }

    /// The plan the database would follow for `stmt`, one line per step (`EXPLAIN QUERY PLAN`
    /// on SQLite, `EXPLAIN` on PostgreSQL): for tests that hold queries to their indexes.
    pub async fn explain(&self, stmt: &impl SqlxBinder) -> Result<Vec<String>> {
        match self {
            Db::Sqlite { readers, .. } => {
                let (sql, values) = stmt.build_sqlx(SqliteQueryBuilder);
                let rows: Vec<(i64, i64, i64, String)> =
                    sqlx::query_as_with(AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")), values)
                        .fetch_all(readers)
                        .await
                        .map_err(map_error)?;
                Ok(rows.into_iter().map(|(.., detail)| detail).collect())
            }
            Db::Postgres { pool, .. } => {
                let (sql, values) = stmt.build_sqlx(PostgresQueryBuilder);
                let rows: Vec<(String,)> =
                    sqlx::query_as_with(AssertSqlSafe(format!("EXPLAIN {sql}")), values)
                        .fetch_all(pool)
                        .await
                        .map_err(map_error)?;
                Ok(rows.into_iter().map(|(line,)| line).collect())
            }
        }
    }

    /// Runs one statement in its own implicit transaction (through the writer on SQLite).
    pub async fn execute(&self, stmt: &impl SqlxBinder) -> Result<u64> {
        dispatch!(self, self.sqlite_writer(), self.pg(), |conn, qb| {
            let (sql, values) = stmt.build_sqlx(qb);
            sqlx::query_with(AssertSqlSafe(sql), values)
                .execute(conn)
                .await
                .map(|r| r.rows_affected())
                .map_err(map_error)
        })
    }

    /// The table and column names of the application's schema, sorted (for the test that both
    /// migration sets agree). SQLite's FTS shadow tables and sqlx's bookkeeping are left out.
    pub async fn schema_columns(&self) -> Result<Vec<(String, String)>> {
        let rows: Vec<(String, String)> = match self {
            Db::Sqlite { readers, .. } => sqlx::query_as(
                "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
                 AND m.name NOT LIKE '_sqlx%' AND m.sql NOT LIKE '%VIRTUAL TABLE%' \
                 AND m.name NOT LIKE '%_fts_%' ORDER BY 1, 2",
            )
            .fetch_all(readers)
            .await
            .map_err(map_error)?,
            Db::Postgres { pool, .. } => sqlx::query_as(
                "SELECT table_name::text, column_name::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name NOT LIKE '_sqlx%' \
                 ORDER BY 1, 2",
            )
            .fetch_all(pool)
            .await
            .map_err(map_error)?,
        };
        Ok(rows)
    }

    fn sqlite_readers(&self) -> &SqlitePool {
        match self {
            Db::Sqlite { readers, .. } => readers,
            Db::Postgres { .. } => unreachable!("dispatch! only asks for SQLite pools on SQLite"),
        }
    }

    fn sqlite_writer(&self) -> &SqlitePool {
        match self {
            Db::Sqlite { writer, .. } => writer,
            Db::Postgres { .. } => unreachable!("dispatch! only asks for SQLite pools on SQLite"),
        }
    }

    fn pg(&self) -> &PgPool {
        match self {
            Db::Postgres { pool, .. } => pool,
            Db::Sqlite { .. } => unreachable!("dispatch! only asks for the PostgreSQL pool on it"),
        }
    }
}

/// A write transaction on either backend.
pub struct Tx {
    conn: TxConn,
    logged: LogSignal,
    wrote_activities: bool,
}

enum TxConn {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

macro_rules! tx_dispatch {
    ($self:expr, |$conn:ident, $qb:ident| $body:expr) => {
        match &mut $self.conn {
            TxConn::Sqlite(tx) => {
                let $conn = &mut **tx;
                let $qb = SqliteQueryBuilder;
                $body
            }
            TxConn::Postgres(tx) => {
                let $conn = &mut **tx;
                let $qb = PostgresQueryBuilder;
                $body
            }
        }
    };
}

impl Tx {
    pub async fn execute(&mut self, stmt: &impl SqlxBinder) -> Result<u64> {
        tx_dispatch!(self, |conn, qb| {
            let (sql, values) = stmt.build_sqlx(qb);
            sqlx::query_with(AssertSqlSafe(sql), values)
                .execute(conn)
                .await
                .map(|r| r.rows_affected())
                .map_err(map_error)
        })
    }

    pub async fn fetch_all<T: Record>(&mut self, stmt: &impl SqlxBinder) -> Result<Vec<T>> {
        tx_dispatch!(self, |conn, qb| {
            let (sql, values) = stmt.build_sqlx(qb);
            sqlx::query_as_with(AssertSqlSafe(sql), values)
                .fetch_all(conn)
                .await
                .map_err(map_error)
        })
    }

    pub async fn fetch_optional<T: Record>(&mut self, stmt: &impl SqlxBinder) -> Result<Option<T>> {
        tx_dispatch!(self, |conn, qb| {
            let (sql, values) = stmt.build_sqlx(qb);
            sqlx::query_as_with(AssertSqlSafe(sql), values)
                .fetch_optional(conn)
                .await
                .map_err(map_error)
        })
    }

    pub async fn fetch_one<T: Record>(&mut self, stmt: &impl SqlxBinder) -> Result<T> {
        self.fetch_optional(stmt)
            .await?
            .ok_or(Error::NotFound("row"))
    }

    pub fn backend(&self) -> Backend {
        match self.conn {
            TxConn::Sqlite(_) => Backend::Sqlite,
            TxConn::Postgres(_) => Backend::Postgres,
        }
    }

    /// Notes that this transaction wrote to the activity log, so its commit wakes the log's
    /// readers.
    pub(crate) fn wrote_activities(&mut self) {
        self.wrote_activities = true;
    }

    /// Wakes the log readers of other nodes once this transaction commits (PostgreSQL's
    /// `NOTIFY` on [`LOG_CHANNEL`], delivered only if it commits). SQLite has one node, whose
    /// readers the [`LogSignal`] wakes: nothing to do.
    pub(crate) async fn wake_log_readers(&mut self) -> Result<()> {
        if self.backend() == Backend::Postgres {
            self.execute_raw(WAKE_LOG_READERS).await?;
        }
        Ok(())
    }

    /// Runs raw SQL that sea-query cannot express (kept to the kernel's log and jobs).
    pub(crate) async fn execute_raw(&mut self, sql: &'static str) -> Result<u64> {
        tx_dispatch!(self, |conn, _qb| {
            sqlx::query(sql)
                .execute(conn)
                .await
                .map(|r| r.rows_affected())
                .map_err(map_error)
        })
    }

    pub async fn commit(self) -> Result<()> {
        match self.conn {
            TxConn::Sqlite(tx) => tx.commit().await,
            TxConn::Postgres(tx) => tx.commit().await,
        }
        .map_err(map_error)?;
        if self.wrote_activities {
            self.logged.tick();
        }
        Ok(())
    }
}

/// Maps a driver error to a kernel error: constraint violations become conflicts naming the
/// column; everything else is internal (and logged by whoever reports it).
pub fn map_error(e: sqlx::Error) -> Error {
    use sqlx::error::ErrorKind;
    match &e {
        // PostgreSQL refuses NUL in text (SQLite takes it): the input is at fault, not us.
        sqlx::Error::Database(db) if db.code().as_deref() == Some("22021") => {
            Error::BadRequest("text must not contain NUL characters".into())
        }
        sqlx::Error::Database(db) => {
            let field = constraint_field(db.message(), db.table(), db.constraint());
            // SQLite reports an `ON DELETE RESTRICT` refusal as a trigger's constraint
            // (SQLITE_CONSTRAINT_TRIGGER), not as a foreign key's.
            let kind = match db.kind() {
                ErrorKind::Other if db.message().contains("FOREIGN KEY constraint failed") => {
                    ErrorKind::ForeignKeyViolation
                }
                kind => kind,
            };
            match kind {
                ErrorKind::UniqueViolation => Error::Conflict {
                    detail: match &field {
                        Some(f) => format!("{f} is already taken"),
                        None => "this already exists".into(),
                    },
                    field,
                },
                ErrorKind::ForeignKeyViolation => Error::Conflict {
                    detail: "refers to something that does not exist or is still in use".into(),
                    field,
                },
                ErrorKind::CheckViolation | ErrorKind::NotNullViolation => {
                    Error::Invalid(vec![crate::FieldError::new(
                        field.unwrap_or_default(),
                        "value not allowed",
                    )])
                }
                _ => Error::internal(e),
            }
        }
        sqlx::Error::RowNotFound => Error::NotFound("row"),
        _ => Error::internal(e),
    }
}

/// Finds the column a violated constraint is about: PostgreSQL names the constraint
/// (`accounts_handle_key`), SQLite puts `table.column` in the message.
fn constraint_field(
    message: &str,
    table: Option<&str>,
    constraint: Option<&str>,
) -> Option<String> {
    if let Some(name) = constraint {
        let name = name.strip_suffix("_key").unwrap_or(name);
        let column = match table {
            Some(table) => name.strip_prefix(table).and_then(|c| c.strip_prefix('_')),
            None => None,
        };
        return Some(column.unwrap_or(name).to_string());
    }
    let (_, cols) = message.split_once("failed: ")?;
    let first = cols.split(',').next()?.trim();
    Some(first.rsplit('.').next()?.to_string())
}

#[cfg(test)]
mod tests {
    use super::constraint_field;

    #[test]
    fn the_wake_up_goes_to_the_channel_the_bus_listens_on() {
        assert!(super::WAKE_LOG_READERS.contains(&format!("'{}'", super::LOG_CHANNEL)));
    }

    #[test]
    fn names_the_column_of_a_violated_constraint() {
        let pg = constraint_field(
            "x",
            Some("handle_history"),
            Some("handle_history_handle_key"),
        );
        assert_eq!(pg.as_deref(), Some("handle"));
        assert_eq!(
            constraint_field("UNIQUE constraint failed: accounts.email", None, None).as_deref(),
            Some("email")
        );
        assert_eq!(constraint_field("something else", None, None), None);
    }
}
