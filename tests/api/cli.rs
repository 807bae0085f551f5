//! The command line, as an operator uses it.

use std::process::Command;

fn atelier(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_atelier"))
        .args(args)
        .current_dir(dir)
        .env("DATABASE_URL", format!("sqlite://{}", dir.join("cli.db").display()))
        .env("RUST_LOG", "warn")
        .output()
        .expect("run atelier")
}

#[test]
fn import_catalog_stores_good_files_and_refuses_broken_ones_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/catalog/sportswear.toml")).unwrap();
    std::fs::write(dir.path().join("sportswear.toml"), &good).unwrap();
    let broken = good.replacen("[catalog]", "[catalog]\nunknown_key = 1", 1);
    std::fs::write(dir.path().join("broken.toml"), broken).unwrap();

    let out = atelier(dir.path(), &["import-catalog", "sportswear.toml"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "sportswear.toml: imported atelier-sportswear revision 1 (2026.1)");

    let out = atelier(dir.path(), &["import-catalog", "sportswear.toml"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("unchanged"));

    let out = atelier(dir.path(), &["import-catalog", "broken.toml"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("broken.toml") && err.contains("unknown_key"), "{err}");

    // An older revision's text is not "unchanged" while a newer one is current: it is refused
    // with the way back (a review re-imported it, was told nothing changed, and r2 stayed).
    let newer = good.replacen("version = \"2026.1\"", "version = \"2026.2\"", 1);
    std::fs::write(dir.path().join("newer.toml"), newer).unwrap();
    let out = atelier(dir.path(), &["import-catalog", "newer.toml"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "newer.toml: imported atelier-sportswear revision 2 (2026.2)");
    let out = atelier(dir.path(), &["import-catalog", "sportswear.toml"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("this is the text of revision 1, but revision 2 is current") && err.contains("change its `version`"), "{err}");
    // A catalog code that does not exist is named, with the ones that do.
    let out = atelier(dir.path(), &["coverage-report", "--catalog", "nope"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no catalog `nope`; the catalogs are atelier-sportswear"), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn create_staff_prints_a_one_time_password_and_refuses_a_fitter_without_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let out = atelier(dir.path(), &["migrate"]);
    assert!(out.status.success());
    let out = atelier(dir.path(), &["create-staff", "--email", "new@chain.example", "--name", "New Admin", "--role", "admin"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("one-time password: "));
    let out = atelier(dir.path(), &["create-staff", "--email", "f@chain.example", "--name", "F", "--role", "fitter"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("fitter needs a store"), "{}", String::from_utf8_lossy(&out.stderr));
}
