//! Page tests in a real browser: Debian's headless Chromium, driven over WebDriver.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

use crate::helpers::*;

pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

/// The driver runs in a process group of its own with the browser it starts: a test that
/// fails before it ends the session (which quits the browser) still takes the browser down,
/// where it was left running and slowed every test and benchmark after it.
impl Drop for Browser {
    fn drop(&mut self) {
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).stdout(Stdio::null()).stderr(Stdio::null()).status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn chromedriver() -> Option<String> {
    let configured = std::env::var("ATELIER_CHROMEDRIVER").ok();
    let path = configured.unwrap_or_else(|| "/usr/bin/chromedriver".to_owned());
    if std::path::Path::new(&path).exists() {
        return Some(path);
    }
    if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false") {
        panic!("chromedriver not found at {path}: CI must run the browser tests (.ci/run installs it)");
    }
    eprintln!("skipped: install chromium and chromium-driver (or set ATELIER_CHROMEDRIVER) for browser tests");
    None
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

impl Browser {
    pub async fn start() -> Option<Browser> {
        Self::start_with(true).await
    }

    /// A browser with JavaScript switched off, to check that pages work without our script.
    pub async fn start_without_javascript() -> Option<Browser> {
        Self::start_with(false).await
    }

    async fn start_with(javascript: bool) -> Option<Browser> {
        let driver_path = chromedriver()?;
        let port = free_port();
        let driver = std::os::unix::process::CommandExt::process_group(Command::new(driver_path).arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null()), 0)
            .spawn()
            .expect("start chromedriver");
        let profile = tempfile::tempdir().expect("profile dir");
        let mut caps = serde_json::Map::new();
        let args = [
            "--headless=new".to_owned(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--lang=en-US".into(),
            "--window-size=1280,1000".into(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let prefs = if javascript { serde_json::json!({}) } else { serde_json::json!({ "profile.managed_default_content_settings.javascript": 2 }) };
        caps.insert("goog:chromeOptions".into(), serde_json::json!({ "args": args, "prefs": prefs }));
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        let client = loop {
            match ClientBuilder::new(connector.clone())
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(c) => break c,
                Err(e) if Instant::now() > deadline => panic!("cannot start a browser session: {e}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        Some(Browser { client, driver, _profile: profile })
    }

    /// Saves a screenshot when `ATELIER_SCREENSHOTS` names a folder, to look at the pages.
    pub async fn shot(&self, name: &str) {
        let Ok(dir) = std::env::var("ATELIER_SCREENSHOTS") else { return };
        if let Ok(png) = self.client.screenshot().await {
            let _ = std::fs::write(std::path::Path::new(&dir).join(format!("{name}.png")), png);
        }
    }

    pub async fn text(&self, css: &str) -> String {
        self.client.find(Locator::Css(css)).await.expect(css).text().await.expect("text").trim().to_owned()
    }

    /// Waits until the element's text is `expected` (pages load after a click).
    pub async fn wait_text(&self, css: &str, expected: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let now = match self.client.find(Locator::Css(css)).await {
                Ok(e) => e.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if now.trim() == expected {
                return;
            }
            assert!(Instant::now() < deadline, "waited for {css} to read {expected:?}, it reads {now:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Types into a field. A live update may swap the element out between finding and
    /// typing (on a loaded machine, late): then it is found again, for up to 10 s.
    pub async fn fill(&self, css: &str, value: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let attempt = async {
                let field = self.client.find(Locator::Css(css)).await?;
                field.clear().await?;
                field.send_keys(value).await
            };
            match attempt.await {
                Ok(()) => return,
                Err(_) if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(100)).await,
                Err(e) => panic!("could not fill {css}: {e}"),
            }
        }
    }

    /// Clicks an element, finding it again if a live update swapped it out.
    pub async fn click(&self, css: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let attempt = async { self.client.find(Locator::Css(css)).await?.click().await };
            match attempt.await {
                Ok(()) => return,
                Err(_) if Instant::now() < deadline => {
                    // Under the bar at the foot of a phone's screen, in view: scrolled up to it,
                    // as a person would.
                    if let Ok(el) = self.client.find(Locator::Css(css)).await {
                        let _ = self.client.execute("arguments[0].scrollIntoView({block: 'center'}); return true;", vec![serde_json::to_value(el).unwrap_or_default()]).await;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await
                }
                Err(e) => panic!("could not click {css}: {e}"),
            }
        }
    }
}

#[tokio::test]
async fn a_fitter_signs_in_switches_language_and_signs_out_in_a_real_browser() {
    let Some(browser) = Browser::start().await else { return };
    let app = spawn_app(Backend::Sqlite).await;
    let c = &browser.client;

    c.goto(&app.url("/staff")).await.unwrap();
    browser.wait_text("h1", "Staff sign-in").await;

    // A wrong password: the message at the form, the email still there.
    browser.fill("#email", FITTER_NORTH).await;
    browser.fill("#password", "not the password").await;
    browser.click("button.primary").await;
    browser.wait_text(".form-error", "The email or password is not right. Check both and try again.").await;
    let kept = c.find(Locator::Css("#email")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(kept.as_deref(), Some(FITTER_NORTH));

    browser.fill("#password", PASSWORD).await;
    browser.click("button.primary").await;
    browser.wait_text("h1", "Welcome, Finn Fitter").await;
    assert_eq!(browser.text("#my-store h2").await, "North Store");

    // Our own script submits the language form on change, under the strict CSP.
    c.find(Locator::Css("#lang-select")).await.unwrap().select_by_value("zh-CN").await.unwrap();
    browser.wait_text("h1", "欢迎，Finn Fitter").await;

    browser.click(".who button").await;
    browser.wait_text("h1", "员工登录").await;
    assert_eq!(browser.text(".notice").await, "您已退出登录。");

    // Signed out means signed out: the staff home sends us back to sign in.
    c.goto(&app.url("/staff")).await.unwrap();
    browser.wait_text("h1", "员工登录").await;
    c.clone().close().await.unwrap();
}

#[tokio::test]
async fn a_fitter_enrolls_a_customer_measures_confirms_a_warning_and_sees_the_timeline() {
    let Some(browser) = Browser::start().await else { return };
    let app = spawn_app(Backend::Sqlite).await;
    let c = &browser.client;

    c.goto(&app.url("/staff/sign-in")).await.unwrap();
    browser.fill("#email", FITTER_NORTH).await;
    browser.fill("#password", PASSWORD).await;
    browser.click("button.primary").await;
    browser.wait_text("h1", "Welcome, Finn Fitter").await;

    c.goto(&app.url("/staff/customers/new")).await.unwrap();
    browser.fill("#name", "Mei Chen").await;
    browser.fill("#email", "mei.chen@example.com").await;
    browser.click("button.primary").await;
    browser.wait_text("#customer-name", "Mei Chen").await;

    browser.click("#take-measurements").await;
    browser.wait_text("h1", "Take measurements").await;
    // Stature, then an inside leg that is long for it: a warning to confirm, not an error.
    browser.fill("#m_stature", "150").await;
    browser.fill("#m_inside_leg", "88").await;
    browser.fill("#m_waist_girth", "70,5").await;
    browser.click("#save-measurements").await;
    browser.wait_text("#warnings h2", "Please check these values").await;
    browser.shot("measurements-warning").await;
    let typed = c.find(Locator::Css("#m_waist_girth")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(typed.as_deref(), Some("70,5"), "what was typed is kept");
    browser.click("#confirm-and-save").await;

    browser.wait_text("#customer-name", "Mei Chen").await;
    browser.wait_text("#timeline .event-measurements .event-text", "3 measurements taken").await;
    let latest = browser.text("#latest-measurements dl").await;
    assert!(latest.contains("150.0 cm") && latest.contains("70.5 cm"), "{latest}");
    browser.shot("customer").await;

    // Re-measuring: starting from the latest set after typing asks first, and "no" keeps what
    // was typed (it was replaced without a word).
    let customer_page = c.current_url().await.unwrap();
    browser.click("#take-measurements").await;
    browser.wait_text("h1", "Take measurements").await;
    browser.fill("#m_chest_girth", "99").await;
    browser.click("#start-from-latest").await;
    let question = c.get_alert_text().await.expect("a question before replacing what was typed");
    assert!(question.starts_with("Replace what you have typed with the measurements of "), "{question}");
    c.dismiss_alert().await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let kept = c.find(Locator::Css("#m_chest_girth")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(kept.as_deref(), Some("99"), "what was typed stays");
    browser.click("#start-from-latest").await;
    c.accept_alert().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while field_value(c, "#m_stature").await.as_deref() != Some("150") {
        assert!(Instant::now() < deadline, "the form was not filled in from the latest set: {:?} at {}", field_value(c, "#m_stature").await, c.current_url().await.unwrap());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(browser.text("#prefilled").await.starts_with("Filled in with the measurements of "));
    c.goto(customer_page.as_str()).await.unwrap();
    browser.wait_text("#customer-name", "Mei Chen").await;

    // The configurator: a product from the demo catalog, checked by the engine.
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || atelier::catalogs::load_demo(&db, &atelier::catalogs::CatalogCache::default())).await.unwrap().unwrap();
    browser.click("#new-order").await;
    browser.wait_text("h1", "New order").await;
    c.find(Locator::XPath("//a[contains(., 'Bib shorts')]")).await.unwrap().click().await.unwrap();
    browser.wait_text("#price h2", "Price").await;
    // The form answers as choices change, with no button to press (it had a Check button).
    assert!(browser.text("#violations").await.contains("Choose Cut."));
    assert!(!c.find(Locator::Css("#check")).await.unwrap().is_displayed().await.unwrap(), "no Check button with the script");
    c.find(Locator::Css("#o_cut")).await.unwrap().select_by_value("women").await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    // Read in one step in the page: the live answer swaps the element out between a find and
    // a read otherwise.
    while c.execute("return document.getElementById('validity')?.innerText ?? '';", vec![]).await.unwrap().as_str().unwrap_or_default().contains("Choose Cut.") {
        assert!(Instant::now() < deadline, "the form did not answer the choice");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let chosen = c.find(Locator::Css("#o_cut")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(chosen.as_deref(), Some("women"), "the choice survives the answer");
    let focused = c.execute("return document.activeElement && document.activeElement.id;", vec![]).await.unwrap();
    assert_eq!(focused, serde_json::json!("o_cut"), "the focus stays on the field");
    assert!(!browser.text("#total").await.is_empty());
    browser.shot("configurator").await;
    c.clone().close().await.unwrap();
}

/// Cancelling an order asks first (it tells the factory at once and cannot be undone): our
/// script's question, under the CSP; saying no leaves the order as it was.
#[tokio::test]
async fn cancelling_an_order_asks_first_in_a_real_browser() {
    let Some(browser) = Browser::start().await else { return };
    let app = crate::bridge::with_demo_catalogs(Backend::Sqlite).await;
    app.register_factory("confirm", None).await;
    app.sign_in_as(FITTER_NORTH).await;
    let order = app.order_a_jersey("Ana Silva").await;
    let c = &browser.client;
    c.goto(&app.url("/staff")).await.unwrap();
    browser.fill("#email", FITTER_NORTH).await;
    browser.fill("#password", PASSWORD).await;
    browser.click("button.primary").await;
    browser.wait_text("h1", "Welcome, Finn Fitter").await;
    c.goto(&app.url(&order)).await.unwrap();
    browser.wait_text("#order-status", "Placed").await;

    browser.click("#cancel-order").await;
    let question = c.get_alert_text().await.expect("a question before cancelling");
    assert!(question.starts_with("Cancel order O-") && question.ends_with("this cannot be undone."), "{question}");
    c.dismiss_alert().await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(browser.text("#order-status").await, "Placed", "not cancelled when the answer is no");

    browser.click("#cancel-order").await;
    c.accept_alert().await.unwrap();
    browser.wait_text("#order-status", "Cancelled").await;

    // The order form at a phone's width: a select as wide as a value's reason for not fitting
    // pushed the page to three screens across.
    let customer = c.find(Locator::Css("a[href^='/staff/customers/']")).await.unwrap().attr("href").await.unwrap().unwrap();
    c.goto(&app.url(&format!("{customer}/orders/new"))).await.unwrap();
    browser.click("#products a[href$='product=road']").await;
    browser.wait_text("h1", "Road bicycle").await;
    c.set_window_size(375, 812).await.unwrap();
    c.refresh().await.unwrap();
    browser.wait_text("h1", "Road bicycle").await;
    let overflow = c.execute("return document.documentElement.scrollWidth > window.innerWidth;", vec![]).await.unwrap();
    assert_eq!(overflow, serde_json::json!(false), "no sideways scrolling on a phone");
    // The status and total at the foot of the screen, as in the shop: the answer is below
    // seventeen choices.
    let glance = c.find(Locator::Css("#glance")).await.unwrap();
    assert!(glance.is_displayed().await.unwrap(), "the total's bar shows on a phone");
    assert_eq!(browser.text("#glance strong").await, browser.text("#total").await);

    // A saved bicycle that does not fit (rim brakes with disc wheels): the form proposes the
    // change that makes it fit, and the script applies it in place.
    let id: i64 = customer.rsplit('/').next().unwrap().parse().unwrap();
    let rim: Vec<(&str, &str)> = crate::shop_helpers::ROAD.iter().map(|(k, v)| (*k, if *k == "o_brakes" { "rim_caliper" } else { *v })).collect();
    let mut draft = app.product_form(id, "road", &rim).await;
    draft.iter_mut().filter(|(k, _)| *k == "action").for_each(|f| f.1 = "draft".into());
    let saved = location(&app.post_staff_order(id, &draft).await);
    c.goto(&app.url(&saved)).await.unwrap();
    browser.wait_text("#repair-changes li", "Change Brakes from Rim caliper to Hydraulic disc.").await;
    browser.click("#apply-repair").await;
    browser.wait_text("#valid", "This configuration can be built.").await;
    let brakes = c.find(Locator::Css("#o_brakes")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(brakes.as_deref(), Some("disc_hydraulic"));
    assert!(browser.text("#glance span").await.starts_with("Ready to order"), "the bar follows the answer");
    browser.shot("staff-order-phone").await;
    let focused = c.execute("return document.activeElement && document.activeElement.id;", vec![]).await.unwrap();
    assert_eq!(focused, serde_json::json!("validity"), "the answer takes the focus of the button that went with the proposal");
    assert_eq!(c.current_url().await.unwrap().as_str(), app.url(&saved), "applied in place, without a reload");
    c.clone().close().await.unwrap();
}

#[tokio::test]
async fn a_manager_disables_a_fitter_after_confirming_in_a_real_browser() {
    let Some(browser) = Browser::start().await else { return };
    let app = spawn_app(Backend::Sqlite).await;
    let fitter = app.browser();
    fitter.sign_in_as(FITTER_NORTH).await;
    let c = &browser.client;
    c.goto(&app.url("/staff")).await.unwrap();
    browser.fill("#email", MANAGER_NORTH).await;
    browser.fill("#password", PASSWORD).await;
    browser.click("button.primary").await;
    browser.wait_text("h1", "Welcome, Mia Manager").await;
    c.find(Locator::LinkText("Team")).await.expect("a Team link for managers").click().await.unwrap();
    browser.wait_text("#store-name", "North Store").await;
    if let Some(v) = crate::shop_browser::axe_violations(&browser).await {
        assert!(v.is_empty(), "accessibility violations on the store's page: {v:?}");
    }
    let id = app.db.read(|c| Ok::<_, atelier::store::StoreError>(atelier::store::staff::find_by_email(c, FITTER_NORTH)?.unwrap().id)).await.unwrap();
    let disable = format!("#member-{id} button.danger");

    browser.click(&disable).await;
    let question = c.get_alert_text().await.expect("a question before disabling");
    assert_eq!(question, "Disable Finn Fitter's account? They are signed out everywhere at once.");
    c.dismiss_alert().await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(fitter.get("/staff").await.status(), reqwest::StatusCode::OK, "nothing happens when the answer is no");

    browser.click(&disable).await;
    c.accept_alert().await.unwrap();
    browser.wait_text("#store-notice", "The account is disabled and signed out everywhere.").await;
    assert!(location(&fitter.get("/staff").await).starts_with("/staff/sign-in"));
    c.clone().close().await.unwrap();
}

/// A field's value now, `None` while the page has no such field (it is loading).
async fn field_value(c: &Client, css: &str) -> Option<String> {
    c.find(Locator::Css(css)).await.ok()?.prop("value").await.ok()?
}
