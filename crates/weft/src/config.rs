//! Settings, layered: built-in defaults ← `weft.toml` ← `WEFT_*` environment ← command-line
//! flags.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use kernel::KernelConfig;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Where Weft keeps its SQLite database, mail outbox and other files.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; empty means `<data_dir>/weft.db`.
    pub database_url: String,
    /// Address and port to listen on.
    pub listen: SocketAddr,
    /// The address Weft is reached at (OIDC issuer, links in mail); defaults to `http://<listen>`.
    pub public_url: String,
    /// Connections to PostgreSQL (or SQLite readers).
    pub max_connections: u32,
    /// `smtp://user:pass@host:587` or `smtps://…`; empty writes mail to `<data_dir>/outbox/`.
    pub smtp_url: String,
    pub mail_from: String,
    /// Log-in attempts per handle and per client address per minute (0: no limit).
    pub login_attempts_per_minute: u32,
    pub session_ttl_days: u32,
    /// Argon2id cost; lower only for tests.
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    /// Webhooks may go to private and loopback addresses (`WEFT_WEBHOOKS_ALLOW_PRIVATE`).
    pub webhooks_allow_private: bool,
    /// Sign-ups per client address per hour (0: no limit).
    pub signups_per_hour: u32,
    /// Live streams one account may hold open at once.
    pub streams_per_account: u32,
    /// Invitations by mail one person may send per hour.
    pub invitation_mails_per_hour: u32,
    /// The largest file an upload may be, in bytes.
    pub max_file_bytes: u64,
    /// The keys that seal secrets at rest: base64 keys separated by commas, the current one
    /// first (`WEFT_SECRET_KEY`). Empty on SQLite: the key file `<data_dir>/secret.key`.
    /// Required on PostgreSQL, so every node has the same.
    pub secret_key: String,
    /// `pretty` or `json` logs.
    pub log_format: String,
}

impl Default for Config {
    fn default() -> Self {
        let kernel = KernelConfig::default();
        Config {
            data_dir: PathBuf::from("weft-data"),
            database_url: String::new(),
            listen: "127.0.0.1:8080".parse().expect("a valid default address"),
            public_url: String::new(),
            max_connections: 16,
            smtp_url: String::new(),
            mail_from: "Weft <weft@localhost>".into(),
            login_attempts_per_minute: kernel.login_attempts_per_minute,
            session_ttl_days: 30,
            argon2_memory_kib: kernel.argon2_memory_kib,
            argon2_iterations: kernel.argon2_iterations,
            webhooks_allow_private: false,
            signups_per_hour: kernel.signups_per_hour,
            streams_per_account: kernel.streams_per_account,
            invitation_mails_per_hour: kernel.invitation_mails_per_hour,
            max_file_bytes: kernel.max_file_bytes,
            secret_key: String::new(),
            log_format: "pretty".into(),
        }
    }
}

impl Config {
    /// Reads defaults, then `config_file` (or `./weft.toml` if it exists), then `WEFT_*`
    /// variables, then what the command line set.
    pub fn load(config_file: Option<&Path>, flags: &impl Serialize) -> Result<Config, String> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match config_file {
            Some(path) if !path.exists() => {
                return Err(format!("config file {} does not exist", path.display()));
            }
            Some(path) => figment = figment.merge(Toml::file(path)),
            None => figment = figment.merge(Toml::file("weft.toml")),
        }
        // Only variables naming a setting: WEFT_LOG, WEFT_TEST_DATABASE_URL and the like
        // belong to other parts and must not trip the unknown-field check.
        let known: Vec<String> = match serde_json::to_value(Config::default()) {
            Ok(serde_json::Value::Object(map)) => map.keys().cloned().collect(),
            _ => Vec::new(),
        };
        figment
            .merge(
                Env::prefixed("WEFT_")
                    .filter(move |key| known.iter().any(|k| key.as_str().eq_ignore_ascii_case(k))),
            )
            .merge(Serialized::defaults(flags))
            .extract()
            .map_err(|e| format!("bad configuration: {e}"))
    }

    pub fn database_url(&self) -> String {
        if self.database_url.is_empty() {
            kernel::db::Db::sqlite_url_in(&self.data_dir)
        } else {
            self.database_url.clone()
        }
    }

    pub fn public_url(&self) -> String {
        if self.public_url.is_empty() {
            format!("http://{}", self.listen)
        } else {
            self.public_url.trim_end_matches('/').to_string()
        }
    }

    /// The keys that seal secrets at rest (`kernel::seal`), the current first: `secret_key`,
    /// or on SQLite the key file `<data_dir>/secret.key` (one base64 key a line, the current
    /// first), made with mode 0600 on the first start. On PostgreSQL `secret_key` is required:
    /// every node must open what another sealed.
    pub fn seal_keys(&self) -> Result<Vec<kernel::seal::SealKey>, String> {
        use kernel::seal::SealKey;
        let parse_all = |text: &str, whence: &str| -> Result<Vec<SealKey>, String> {
            text.split([',', '\n'])
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(|k| SealKey::parse(k).map_err(|e| format!("{whence}: {e}")))
                .collect()
        };
        if !self.secret_key.trim().is_empty() {
            return parse_all(&self.secret_key, "WEFT_SECRET_KEY");
        }
        if !self.database_url().starts_with("sqlite:") {
            return Err(
                "PostgreSQL needs WEFT_SECRET_KEY (secret_key): a 32-byte key in base64, \
                        the same on every node, e.g. `head -c 32 /dev/urandom | base64`"
                    .into(),
            );
        }
        let path = self.data_dir.join("secret.key");
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let keys = parse_all(&text, &path.display().to_string())?;
                if keys.is_empty() {
                    return Err(format!("{} holds no key", path.display()));
                }
                Ok(keys)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                use std::io::Write;
                use std::os::unix::fs::OpenOptionsExt;
                std::fs::create_dir_all(&self.data_dir)
                    .map_err(|e| format!("cannot create {}: {e}", self.data_dir.display()))?;
                let key = SealKey::generate();
                let mut file = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(&path)
                    .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
                writeln!(file, "{}", key.to_base64())
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                Ok(vec![key])
            }
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        }
    }

    pub fn kernel_config(&self) -> KernelConfig {
        KernelConfig {
            public_url: self.public_url(),
            data_dir: self.data_dir.clone(),
            login_attempts_per_minute: self.login_attempts_per_minute,
            session_ttl_s: i64::from(self.session_ttl_days) * 24 * 3600,
            argon2_memory_kib: self.argon2_memory_kib,
            argon2_iterations: self.argon2_iterations,
            webhooks_allow_private: self.webhooks_allow_private,
            signups_per_hour: self.signups_per_hour,
            streams_per_account: self.streams_per_account,
            invitation_mails_per_hour: self.invitation_mails_per_hour,
            max_file_bytes: self.max_file_bytes,
            ..KernelConfig::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct NoFlags {}

    #[test]
    fn sqlite_keeps_its_sealing_key_in_a_private_file_and_postgres_needs_one() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let config = Config {
            data_dir: dir.path().to_path_buf(),
            ..Config::default()
        };
        let first = config.seal_keys().unwrap();
        let again = config.seal_keys().unwrap();
        assert_eq!(
            first[0].to_base64(),
            again[0].to_base64(),
            "the same key each start"
        );
        let file = dir.path().join("secret.key");
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "readable by the server's user alone");
        let postgres = Config {
            database_url: "postgres://weft@db/weft".into(),
            ..config.clone()
        };
        assert!(
            postgres
                .seal_keys()
                .unwrap_err()
                .contains("WEFT_SECRET_KEY")
        );
        let given = Config {
            secret_key: format!("{},{}", first[0].to_base64(), first[0].to_base64()),
            ..postgres
        };
        assert_eq!(given.seal_keys().unwrap().len(), 2);
    }

    #[derive(Serialize)]
    struct ListenFlag {
        listen: SocketAddr,
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail fixes the closure's error type
    fn later_layers_win_and_strangers_are_ignored() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "weft.toml",
                "listen = \"127.0.0.1:9000\"\nmail_from = \"a@b.c\"\n",
            )?;
            jail.set_env("WEFT_LISTEN", "127.0.0.1:9001");
            jail.set_env("WEFT_LOGIN_ATTEMPTS_PER_MINUTE", "0");
            jail.set_env("WEFT_LOG", "debug");
            let config = Config::load(None, &NoFlags {}).map_err(|e| e.to_string())?;
            assert_eq!(
                config.listen.port(),
                9001,
                "the environment beats weft.toml"
            );
            assert_eq!(config.mail_from, "a@b.c");
            assert_eq!(config.login_attempts_per_minute, 0);
            let flags = ListenFlag {
                listen: "127.0.0.1:9002".parse().unwrap(),
            };
            let config = Config::load(None, &flags).map_err(|e| e.to_string())?;
            assert_eq!(config.listen.port(), 9002, "flags beat the environment");
            Ok(())
        });
    }
}
