//! The `weft` binary itself: help, migrate, admin create-account, serve and graceful shutdown.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn weft(data_dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_weft"));
    command
        .arg("--data-dir")
        .arg(data_dir)
        .env("WEFT_ARGON2_MEMORY_KIB", "64");
    command
        .env_remove("WEFT_DATABASE_URL")
        .env_remove("WEFT_LISTEN");
    command
}

#[test]
fn help_names_every_command() {
    let out = Command::new(env!("CARGO_BIN_EXE_weft"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for word in [
        "serve",
        "migrate",
        "admin",
        "--database-url",
        "--listen",
        "--data-dir",
        "--public-url",
    ] {
        assert!(help.contains(word), "--help mentions {word}:\n{help}");
    }
}

#[test]
fn bad_settings_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    let out = weft(dir.path())
        .args(["--database-url", "mysql://x", "migrate"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("sqlite: or postgres://"));
    let toml = dir.path().join("weft.toml");
    std::fs::write(&toml, "listn = \"127.0.0.1:1\"\n").unwrap();
    let out = weft(dir.path())
        .arg("--config")
        .arg(&toml)
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("listn"),
        "an unknown setting is named"
    );
}

#[tokio::test]
async fn an_admin_created_on_the_command_line_can_log_in_to_the_served_instance() {
    let dir = tempfile::tempdir().unwrap();
    let migrated = weft(dir.path()).arg("migrate").output().unwrap();
    assert!(
        migrated.status.success(),
        "{}",
        String::from_utf8_lossy(&migrated.stderr)
    );
    assert!(dir.path().join("weft.db").exists());

    let mut create = weft(dir.path())
        .args([
            "admin",
            "create-account",
            "--handle",
            "root_op",
            "--admin",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    create
        .stdin
        .take()
        .unwrap()
        .write_all(b"operator-secret-tangerine\n")
        .unwrap();
    let created = create.wait_with_output().unwrap();
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    assert!(String::from_utf8_lossy(&created.stdout).contains("created @root_op"));

    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut server = weft(dir.path())
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("WEFT_LOGIN_ATTEMPTS_PER_MINUTE", "2")
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let client = testkit::Client::new(&format!("http://127.0.0.1:{port}"));
    let started = Instant::now();
    loop {
        let ready = reqwest::get(client.url("/readyz")).await;
        if ready.is_ok_and(|r| r.status() == 200) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the server became ready"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let login = client
        .post(
            "/api/v1/sessions",
            &serde_json::json!({"handle": "root_op", "password": "operator-secret-tangerine"}),
        )
        .await;
    assert_eq!(login.status, 201, "{}", login.body);
    assert_eq!(login.json["account"]["is_admin"], true);
    // Settings come from WEFT_* variables too: this server allows two attempts a minute.
    let wrong = serde_json::json!({"handle": "root_op", "password": "not-the-password"});
    assert_eq!(client.post("/api/v1/sessions", &wrong).await.status, 401);
    assert_eq!(client.post("/api/v1/sessions", &wrong).await.status, 429);

    // SIGTERM stops it gracefully and promptly.
    let pid = server.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let stopping = Instant::now();
    loop {
        if let Some(status) = server.try_wait().unwrap() {
            assert!(status.success(), "exit status {status}");
            break;
        }
        assert!(
            stopping.elapsed() < Duration::from_secs(10),
            "the server stopped on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
