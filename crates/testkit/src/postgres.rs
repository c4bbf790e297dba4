//! Scratch PostgreSQL databases for tests: each test gets its own, cloned from a template
//! migrated once (per migration set), and dropped afterwards.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use kernel::db::{Db, DbOptions};
use sqlx::{Connection, PgConnection};

pub const URL_VARIABLE: &str = "WEFT_TEST_DATABASE_URL";

pub struct ScratchDatabase {
    pub url: String,
    admin_url: String,
    name: String,
}

fn admin_url() -> String {
    std::env::var(URL_VARIABLE).unwrap_or_else(|_| {
        panic!(
            "PostgreSQL tests need {URL_VARIABLE} (e.g. postgres://postgres@127.0.0.1:5432/postgres); \
             `make test` sets it and starts a throwaway server when none is given"
        )
    })
}

/// The same URL pointing at another database.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_end = base[scheme_end..]
        .find('/')
        .map(|i| scheme_end + i)
        .unwrap_or(base.len());
    format!("{}/{name}{query}", &base[..host_end])
}

/// Names the template after the migrations it holds (every crate's, as the server applies
/// them), so a changed migration gets a new one.
fn template_name() -> String {
    let sets = weft::server::migrations(&weft::server::tools());
    let mut hasher = DefaultHasher::new();
    for set in sets {
        for migration in set.postgres.iter() {
            migration.version.hash(&mut hasher);
            migration.checksum.hash(&mut hasher);
        }
    }
    format!("weft_template_{:016x}", hasher.finish())
}

impl ScratchDatabase {
    pub async fn create() -> ScratchDatabase {
        let admin_url = admin_url();
        let template = template_name();
        let mut admin = PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {admin_url}: {e}"));
        // Tests run as separate processes: one of them migrates the template, the others wait.
        sqlx::query("SELECT pg_advisory_lock(727274)")
            .execute(&mut admin)
            .await
            .expect("lock");
        let exists: Option<(i32,)> = sqlx::query_as("SELECT 1 FROM pg_database WHERE datname = $1")
            .bind(&template)
            .fetch_optional(&mut admin)
            .await
            .expect("pg_database is readable");
        if exists.is_none() {
            let building = format!("{template}_building");
            let drop = format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)");
            sqlx::query(sqlx::AssertSqlSafe(drop))
                .execute(&mut admin)
                .await
                .expect("drop");
            let create = format!("CREATE DATABASE {building}");
            sqlx::query(sqlx::AssertSqlSafe(create))
                .execute(&mut admin)
                .await
                .expect("create");
            let db = Db::connect(
                &with_database(&admin_url, &building),
                &DbOptions {
                    max_connections: 1,
                    run_migrations: true,
                    migrations: weft::server::migrations(&weft::server::tools()),
                },
            )
            .await
            .expect("the template migrates");
            db.close().await;
            let rename = format!("ALTER DATABASE {building} RENAME TO {template}");
            sqlx::query(sqlx::AssertSqlSafe(rename))
                .execute(&mut admin)
                .await
                .expect("rename");
        }
        sqlx::query("SELECT pg_advisory_unlock(727274)")
            .execute(&mut admin)
            .await
            .expect("unlock");

        let name = format!("weft_t_{}", uuid::Uuid::now_v7().simple());
        let create = format!("CREATE DATABASE {name} TEMPLATE {template}");
        let mut attempts = 0;
        while let Err(e) = sqlx::query(sqlx::AssertSqlSafe(create.clone()))
            .execute(&mut admin)
            .await
        {
            // Another test may be cloning the template at this instant.
            attempts += 1;
            assert!(attempts < 50, "cannot clone the template: {e}");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let _ = admin.close().await;
        ScratchDatabase {
            url: with_database(&admin_url, &name),
            admin_url,
            name,
        }
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let drop = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        // Drop runs outside async; a small runtime on its own thread does the clean-up.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(runtime) = runtime {
                runtime.block_on(async {
                    if let Ok(mut admin) = PgConnection::connect(&admin_url).await {
                        let _ = sqlx::query(sqlx::AssertSqlSafe(drop))
                            .execute(&mut admin)
                            .await;
                    }
                });
            }
        })
        .join();
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn swaps_the_database_name() {
        assert_eq!(
            with_database("postgres://u@h:5432/postgres", "t1"),
            "postgres://u@h:5432/t1"
        );
        assert_eq!(
            with_database("postgres://u@h/db?sslmode=disable", "t2"),
            "postgres://u@h/t2?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h", "t3"), "postgres://u@h/t3");
    }
}
