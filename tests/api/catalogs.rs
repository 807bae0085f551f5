use reqwest::StatusCode;
use scraper::Html;

use crate::helpers::*;
use crate::on_both_backends;

const MINI: &str = r#"
[catalog]
id = "mini"
version = "1"

[[products]]
code = "p"
family = "bicycle"
label = { en = "Mini bike", zh = "迷你自行车" }
base_price = "100.00"
currency = "EUR"

[[products.options]]
code = "frame"
kind = "single"
label = { en = "Frame", zh = "车架" }
values = [
  { code = "alu", label = { en = "Alu", zh = "铝" } },
  { code = "steel", label = { en = "Steel", zh = "钢" }, surcharge = "10.00" },
]
"#;

const BROKEN_RULE: &str = "\n[[products.rules]]\nid = \"r1\"\nkind = \"requires\"\nwhen = { frame = [\"alu\"] }\nthen = { brake = [\"disc\"] }\n";

impl TestApp {
    pub async fn import_catalog(&self, file: &str, source: &str) -> reqwest::Response {
        let token = self.csrf("/staff/catalogs").await;
        self.post_form("/staff/catalogs", &[("csrf_token", &token), ("file_name", file), ("source", source)]).await
    }
}

on_both_backends!(
    an_administrator_imports_a_catalog_and_a_changed_one_becomes_a_new_revision,
    a_broken_catalog_is_refused_with_messages_that_point_at_the_mistake,
    only_administrators_import_and_fitters_do_not_see_catalogs,
    the_demo_catalogs_import_and_show_their_formulas,
);

async fn an_administrator_imports_a_catalog_and_a_changed_one_becomes_a_new_revision(backend: Backend) {
    let app = spawn_app(backend).await;
    app.sign_in_as(ADMIN).await;
    let res = app.import_catalog("mini.toml", MINI).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.get_html(&location(&res)).await;
    assert_eq!(select(&html, "#notice"), vec!["Imported mini r1."]);

    let res = app.import_catalog("mini.toml", MINI).await;
    let (_, html) = app.get_html(&location(&res)).await;
    assert_eq!(select(&html, "#notice"), vec!["Nothing changed: mini r1 already has exactly this text."]);

    let changed = MINI.replace("version = \"1\"", "version = \"2\"");
    let res = app.import_catalog("mini.toml", &changed).await;
    let (_, html) = app.get_html(&location(&res)).await;
    assert_eq!(select(&html, "#notice"), vec!["Imported mini r2."]);
    assert_eq!(select(&html, "#versions tbody tr").len(), 2);
    assert_eq!(select(&html, "#versions tr.current td:nth-child(3)"), vec!["r2"]);
}

async fn a_broken_catalog_is_refused_with_messages_that_point_at_the_mistake(backend: Backend) {
    let app = spawn_app(backend).await;
    app.sign_in_as(ADMIN).await;
    let source = format!("{MINI}{BROKEN_RULE}");
    let res = app.import_catalog("broken.toml", &source).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = Html::parse_document(&res.text().await.unwrap());
    assert_eq!(
        select(&html, "#lint li"),
        vec!["broken.toml: product `p`, option `brake`, rule `r1`: `then` refers to unknown option `brake`"]
    );
    assert_eq!(select(&html, "#source").concat().trim(), source.trim(), "the text comes back as sent");
    assert!(select(&html, "#versions").is_empty(), "nothing was stored");

    let res = app.import_catalog("x.toml", "this is [not toml").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = Html::parse_document(&res.text().await.unwrap());
    assert!(select(&html, "#lint li").concat().starts_with("x.toml"), "{:?}", select(&html, "#lint li"));

    let res = app.import_catalog("x.toml", "  ").await;
    let html = Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "#lint li"), vec!["Choose a file or paste the catalog text."]);
}

async fn only_administrators_import_and_fitters_do_not_see_catalogs(backend: Backend) {
    let app = spawn_app(backend).await;
    app.sign_in_as(MANAGER_NORTH).await;
    let (status, html) = app.get_html("/staff/catalogs").await;
    assert_eq!(status, StatusCode::OK);
    assert!(select(&html, "#import").is_empty());
    let res = app.import_catalog("mini.toml", MINI).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    let fitter = app.in_another_browser();
    fitter.sign_in_as(FITTER_NORTH).await;
    assert_eq!(fitter.get("/staff/catalogs").await.status(), StatusCode::FORBIDDEN);
}

async fn the_demo_catalogs_import_and_show_their_formulas(backend: Backend) {
    let app = spawn_app(backend).await;
    let db = app.db.clone();
    let cache = atelier::catalogs::CatalogCache::default();
    tokio::task::spawn_blocking(move || atelier::catalogs::load_demo(&db, &cache)).await.unwrap().unwrap();
    app.sign_in_as(ADMIN).await;
    let (_, html) = app.get_html("/staff/catalogs").await;
    assert_eq!(select(&html, "#versions tbody td:first-child a"), vec!["atelier-bicycles", "atelier-sportswear"]);
    let href = attr(&html, "#versions tbody td:first-child a", "href").unwrap();
    let (status, html) = app.get_html(&href).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(select(&html, "section.product").len(), 2, "road and gravel");
    let derived = select(&html, "#product-road .derived li").join("\n");
    assert!(derived.contains("saddle_height") && derived.contains("0.883"), "{derived}");

    // The coverage report over a sample of the reference population.
    let coverage = attr(&html, "#coverage-link", "href").unwrap();
    let (status, html) = app.get_html(&format!("{coverage}?every=120")).await;
    assert_eq!(status, StatusCode::OK);
    let report = select(&html, "#report").concat();
    assert!(report.contains("road · female:") && report.contains("can be fitted"), "{report}");
    assert_eq!(select(&html, "#sampled").len(), 1);

    // A newer revision of a demo catalog stays current across a restart (which loads the demo
    // catalogs again), and pasting the old text again says why it is not brought back.
    let original = std::fs::read_to_string("catalog/sportswear.toml").unwrap();
    let res = app.import_catalog("sportswear.toml", &original.replacen("version = \"2026.1\"", "version = \"2026.2\"", 1)).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || atelier::catalogs::load_demo(&db, &atelier::catalogs::CatalogCache::default())).await.unwrap().unwrap();
    let res = app.import_catalog("sportswear.toml", &original).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = scraper::Html::parse_document(&res.text().await.unwrap());
    let issues = select(&html, "#lint li").concat();
    assert!(issues.starts_with("Not imported: this is the text of atelier-sportswear revision 1, but revision 2 is current."), "{issues}");
    let (_, html) = app.get_html("/staff/catalogs").await;
    assert!(select(&html, "#versions tr.current").iter().any(|r| r.contains("atelier-sportswear") && r.contains("2026.2")), "{:?}", select(&html, "#versions tr.current"));
}
