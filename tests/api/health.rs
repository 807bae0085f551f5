use reqwest::StatusCode;

use crate::helpers::*;
use crate::on_both_backends;

on_both_backends!(health_and_readiness_answer);

async fn health_and_readiness_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.text().await.unwrap(), "ok");
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["database"], "ok");
}

/// `/readyz` asks whether SQLite's files may be written without opening them. Closing a
/// descriptor of the database file drops every POSIX lock this process holds on it, SQLite's
/// among them: another process that then opened and closed the database took it for unused,
/// checkpointed it and deleted the write-ahead log the running server still wrote to.
#[tokio::test]
async fn readiness_leaves_the_servers_sqlite_locks_alone() {
    use std::os::unix::fs::MetadataExt;
    let app = spawn_app(Backend::Sqlite).await;
    let inode = std::fs::metadata(atelier::config::sqlite_path(&app.settings.database.url)).unwrap().ino();
    // The locks this process holds on the database file, from the kernel's list: lines such as
    // `2: POSIX  ADVISORY  READ 4242 fe:00:1234 1073741826 1073742335`.
    let locks = || {
        let pid = std::process::id().to_string();
        let list = std::fs::read_to_string("/proc/locks").unwrap();
        list.lines()
            .filter(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                f.len() > 5 && f[1] == "POSIX" && f[4] == pid && f[5].rsplit(':').next() == Some(inode.to_string().as_str())
            })
            .count()
    };
    assert!(locks() > 0, "the running server holds a lock on its database");
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);
    assert!(locks() > 0, "answering /readyz dropped the server's locks on its database");
}
