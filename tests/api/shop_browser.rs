//! The shop in a real browser: sign up, measure, configure a road bicycle, hit a conflict,
//! apply the proposed repair, see the price change and place the order; with our script and
//! without it; and an axe-core scan of the configurator and the checkout.

use std::time::{Duration, Instant};

use fantoccini::Locator;

use crate::browser::Browser;
use crate::helpers::*;
use crate::shop_helpers::*;

/// axe-core as installed by `.ci/run` (`npm ci` in `tests/axe`).
fn axe_source() -> Option<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/axe/node_modules/axe-core/axe.min.js");
    match std::fs::read_to_string(&path) {
        Ok(s) => Some(s),
        Err(_) if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false") => {
            panic!("axe-core missing at {}: CI must run the accessibility scan (.ci/run installs it)", path.display())
        }
        Err(_) => {
            eprintln!("skipped the accessibility scan: run `npm ci` in tests/axe");
            None
        }
    }
}

/// Serious and critical axe-core violations on the current page, as "rule: target" lines.
pub(crate) async fn axe_violations(browser: &Browser) -> Option<Vec<String>> {
    let source = axe_source()?;
    browser.client.execute(&format!("{source}\nreturn true;"), vec![]).await.expect("inject axe-core");
    let result = browser
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             axe.run(document, { resultTypes: ['violations'] }).then(r => done(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')\
               .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))));",
            vec![],
        )
        .await
        .expect("run axe-core");
    Some(serde_json::from_value(result).unwrap_or_default())
}

impl Browser {
    /// Waits until our script has swapped in the answer to the last change.
    async fn settled(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let busy = match self.client.find(Locator::Css("#live")).await {
                Ok(e) => e.attr("aria-busy").await.ok().flatten().is_some(),
                Err(_) => false,
            };
            if !busy {
                return;
            }
            assert!(Instant::now() < deadline, "the live update did not finish");
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
    }

    /// Clicks a value; with our script the part it sits in may be swapped in meanwhile
    /// (a text field's change goes out when it loses focus), so a stale element is found again.
    async fn choose(&self, option: &str, value: &str, javascript: bool) {
        let css = format!("label[for=o_{option}_{value}]");
        if javascript {
            self.settled().await;
        }
        for attempt in 0.. {
            let clicked = match self.client.find(Locator::Css(&css)).await {
                Ok(e) => e.click().await.is_ok(),
                Err(_) => false,
            };
            if clicked {
                break;
            }
            assert!(attempt < 20, "cannot click {css}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        if javascript {
            self.settled().await;
        }
    }

    async fn value_of(&self, css: &str) -> String {
        self.client.find(Locator::Css(css)).await.expect(css).prop("value").await.ok().flatten().unwrap_or_default()
    }
}

async fn sign_up_and_measure(browser: &Browser, app: &TestApp) {
    sign_up(browser, app).await;
    browser.client.goto(&app.url("/shop/measurements/new")).await.unwrap();
    for (field, value) in MEDIAN_MAN {
        browser.fill(&format!("#{field}"), value).await;
    }
    browser.click("#save-measurements").await;
    browser.wait_text("h1", "My measurements").await;
}

async fn sign_up(browser: &Browser, app: &TestApp) {
    let c = &browser.client;
    c.goto(&app.url("/shop/sign-up")).await.unwrap();
    browser.wait_text("h1", "Create your account").await;
    browser.fill("#name", "Mei Chen").await;
    browser.fill("#email", "mei.chen@example.com").await;
    browser.fill("#password", CUSTOMER_PASSWORD).await;
    browser.fill("#confirmation", CUSTOMER_PASSWORD).await;
    browser.click("#create-account").await;
    browser.wait_text("h1", "Made to measure, online").await;
}

/// A signed-up, measured customer's browser on a product's configurator (`None`: no browser).
async fn configuring(product: &str, heading: &str) -> Option<(Browser, TestApp)> {
    let browser = Browser::start().await?;
    let app = with_shop(Backend::Sqlite).await;
    sign_up_and_measure(&browser, &app).await;
    browser.client.goto(&app.url(&format!("/shop/configure/{product}"))).await.unwrap();
    browser.wait_text("h1", heading).await;
    Some((browser, app))
}

/// Configures the road bicycle, hits a conflict, repairs it; returns (total before the
/// conflict, total with the conflict).
async fn configure_with_a_conflict(browser: &Browser, app: &TestApp, javascript: bool) -> (String, String) {
    let c = &browser.client;
    c.goto(&app.url("/shop")).await.unwrap();
    browser.click("#product-road").await;
    browser.wait_text("h1", "Road bicycle").await;
    browser.fill("#o_stem_length", "100").await;
    browser.fill("#o_name_decal", "MEI").await;
    for (option, value) in ROAD.iter().filter(|(o, _)| *o != "o_stem_length" && *o != "o_name_decal") {
        browser.choose(option.trim_start_matches("o_"), value, javascript).await;
    }
    if !javascript {
        browser.click("#check").await;
    }
    browser.wait_text("#valid", "This configuration can be built.").await;
    let valid_total = browser.text("#total").await;
    if !javascript {
        // Answered at its status: on a phone it reloaded at the top, fifteen choices above.
        let url = c.current_url().await.unwrap();
        assert_eq!(url.fragment(), Some("validity"), "{url}");
        let seen: bool = c.execute("const r = document.getElementById('validity').getBoundingClientRect(); return r.top >= 0 && r.top < window.innerHeight;", vec![]).await.unwrap().as_bool().unwrap_or(false);
        assert!(seen, "the status is in view");
    }

    // Rim brakes do not go with disc wheels and thru-axles.
    browser.choose("brakes", "rim_caliper", javascript).await;
    if !javascript {
        browser.click("#check").await;
    }
    // The repair keeps the brakes just chosen and changes what goes with them (it undid the
    // choice: "Change Brakes back"): our script says which was chosen last, and a form checked
    // without it is compared with the choices it showed.
    browser.wait_text("#repair-changes li", "Change Groupset from Shimano Ultegra Di2 (wired) to Shimano 105 mechanical.").await;
    let conflict_total = browser.text("#total").await;
    // The values that no longer fit say why, next to them; those that do, say nothing.
    let disc_wheel = "Rim brakes need a rim-brake wheelset, with a braking track on the rim.";
    browser.wait_text("label.unavailable #why_wheelset_carbon_disc_45", disc_wheel).await;
    assert!(c.find(Locator::Css("#why_wheelset_alu_rim")).await.is_err(), "a rim-brake wheel fits rim brakes");
    assert_ne!(conflict_total, valid_total, "rim brakes cost less than hydraulic discs");
    browser.shot(if javascript { "shop-conflict" } else { "shop-conflict-nojs" }).await;

    if javascript {
        // A name typed meanwhile is not the choice to keep: leaving its field for the button
        // made it so, and the brakes just chosen were undone.
        browser.fill("#o_name_decal", "MEI LI").await;
        browser.settled().await;
    }
    browser.click("#apply-repair").await;
    if javascript {
        browser.settled().await;
    }
    browser.wait_text("#valid", "This configuration can be built.").await;
    assert!(c.find(Locator::Css("#o_brakes_rim_caliper")).await.unwrap().prop("checked").await.unwrap().as_deref() == Some("true"), "the brakes chosen kept");
    assert!(c.find(Locator::Css("#o_wheelset_alu_rim")).await.unwrap().prop("checked").await.unwrap().as_deref() == Some("true"));
    browser.wait_text("label.unavailable #why_wheelset_carbon_disc_45", disc_wheel).await;
    if javascript {
        browser.fill("#o_name_decal", "MEI").await;
        browser.settled().await;
        let _ = c.execute("window.scrollTo(0, 0); return true;", vec![]).await;
        browser.shot("shop-configurator").await;
    }
    (valid_total, conflict_total)
}

async fn place(browser: &Browser) {
    browser.click("#checkout").await;
    browser.wait_text("h1", "Check and place your order").await;
    browser.click("#delivery-store").await;
    browser.click("#place").await;
    browser.wait_text("#order-status", "Placed").await;
}

#[tokio::test]
async fn a_customer_configures_repairs_and_orders_a_road_bicycle_in_a_real_browser() {
    let Some(browser) = Browser::start().await else { return };
    let app = with_shop(Backend::Sqlite).await;
    sign_up_and_measure(&browser, &app).await;
    configure_with_a_conflict(&browser, &app, true).await;
    assert_eq!(browser.value_of("#o_name_decal").await, "MEI", "what was typed survives the live updates");
    // On a desktop the price and status stay in sight beside the long list of steps (the rule
    // named the staff form's id only: the summary scrolled away).
    let position = browser.client.execute("return getComputedStyle(document.getElementById('summary')).position;", vec![]).await.unwrap();
    assert_eq!(position, serde_json::json!("sticky"));
    // What cannot be made is said at the field as it is typed, and goes once it is mended.
    browser.fill("#o_name_decal", "MEÏ").await;
    browser.wait_text("#o_name_decal-error", "Name on top tube: these characters cannot be made: “Ï”.").await;
    let field = browser.client.find(Locator::Css("#o_name_decal")).await.unwrap();
    assert_eq!(field.attr("aria-invalid").await.unwrap().as_deref(), Some("true"));
    assert!(field.attr("aria-describedby").await.unwrap().unwrap_or_default().split(' ').any(|id| id == "o_name_decal-error"));
    if let Some(v) = axe_violations(&browser).await {
        assert!(v.is_empty(), "configurator with a field error: {v:?}");
    }
    browser.fill("#o_name_decal", "MEI").await;
    browser.wait_text("#o_name_decal-error", "").await;
    browser.wait_text("#valid", "This configuration can be built.").await;
    assert_eq!(browser.client.find(Locator::Css("#o_name_decal")).await.unwrap().attr("aria-invalid").await.unwrap(), None);
    if let Some(v) = axe_violations(&browser).await {
        assert!(v.is_empty(), "configurator: {v:?}");
    }
    browser.click("#checkout").await;
    browser.wait_text("h1", "Check and place your order").await;
    if let Some(v) = axe_violations(&browser).await {
        assert!(v.is_empty(), "checkout: {v:?}");
    }
    browser.click("#place").await;
    browser.wait_text("#order-status", "Placed").await;
    browser.shot("shop-order").await;
    // Back from the order is the checkout again, and so is a reload: a page of its own, not
    // the answer to a form the browser would have to send again.
    let c = browser.client.clone();
    c.back().await.unwrap();
    browser.wait_text("h1", "Check and place your order").await;
    assert!(c.current_url().await.unwrap().as_str().contains("/shop/checkout/road?"), "{:?}", c.current_url().await);
    c.refresh().await.unwrap();
    browser.wait_text("h1", "Check and place your order").await;
    browser.client.clone().close().await.unwrap();
}

/// A new customer types a height and a weight in centimetres and kilograms and switches to
/// inches and pounds: the values come back converted.
async fn typed_and_switched_to_inches(browser: &Browser, app: &TestApp) {
    sign_up(browser, app).await;
    browser.client.goto(&app.url("/shop/measurements/new?unit=metric")).await.unwrap();
    browser.fill("#m_stature", "175.6").await;
    browser.fill("#m_body_mass", "80").await;
    browser.click("#unit-imperial").await;
    browser.wait_text("#m_stature + .unit", "in").await;
    assert_eq!((browser.value_of("#m_stature").await, browser.value_of("#m_body_mass").await), ("69.13".to_owned(), "176.4".to_owned()));
}

#[tokio::test]
async fn switching_units_keeps_the_measurements_typed_in_a_real_browser() {
    let Some(browser) = Browser::start().await else { return };
    let app = with_shop(Backend::Sqlite).await;
    typed_and_switched_to_inches(&browser, &app).await;
    // The keyboard goes on from the switch.
    let focused = browser.client.active_element().await.unwrap().attr("id").await.unwrap();
    assert_eq!(focused.as_deref(), Some("unit-imperial"));
    // Back to the form in centimetres, saving saves (the switch's field once stayed in the page
    // the browser kept, and every later save switched units again).
    browser.client.back().await.unwrap();
    browser.wait_text("#m_stature + .unit", "cm").await;
    browser.fill("#m_stature", "175.6").await;
    browser.fill("#m_body_mass", "80").await;
    browser.click("#save-measurements").await;
    browser.wait_text("h1", "My measurements").await;
    let saved = browser.text(".measurement-set").await;
    assert!(saved.contains("175.6 cm") && saved.contains("80.0 kg"), "{saved}");
    // With two sets, the note on the configurator names the one picked (it kept the newest).
    browser.client.goto(&app.url("/shop/measurements/new")).await.unwrap();
    browser.fill("#m_stature", "176").await;
    browser.fill("#m_chest_girth", "100").await;
    browser.click("#save-measurements").await;
    browser.wait_text("h1", "My measurements").await;
    browser.client.goto(&app.url("/shop/configure/cycling_jersey")).await.unwrap();
    let newest = browser.text("#measurements-note").await;
    browser.client.find(Locator::Css("#set option:not([selected])")).await.unwrap().click().await.unwrap();
    let older = browser.client.find(Locator::Css("#set option:checked")).await.unwrap().attr("data-note").await.unwrap().unwrap();
    assert_ne!(older, newest);
    browser.wait_text("#measurements-note", &older).await;
    browser.client.clone().close().await.unwrap();
}

/// Without our script the switch was a link, and the form came back empty in the other units.
/// Switched there and back, the values are what was typed.
#[tokio::test]
async fn switching_units_keeps_the_measurements_typed_without_javascript() {
    let Some(browser) = Browser::start_without_javascript().await else { return };
    let app = with_shop(Backend::Sqlite).await;
    typed_and_switched_to_inches(&browser, &app).await;
    browser.click("#unit-metric").await;
    browser.wait_text("#m_stature + .unit", "cm").await;
    assert_eq!((browser.value_of("#m_stature").await, browser.value_of("#m_body_mass").await), ("175.6".to_owned(), "80".to_owned()));
    browser.client.clone().close().await.unwrap();
}

#[tokio::test]
async fn switching_the_language_keeps_what_was_typed_in_a_real_browser() {
    let Some(browser) = Browser::start().await else { return };
    let app = with_shop(Backend::Sqlite).await;
    sign_up(&browser, &app).await;
    browser.client.goto(&app.url("/shop/measurements/new?unit=metric")).await.unwrap();
    browser.fill("#m_stature", "175.5").await;
    browser.fill("#m_inside_leg", "8o").await;
    browser.client.find(Locator::Css("#lang-select")).await.unwrap().select_by_value("zh-CN").await.unwrap();
    browser.wait_text("#m_stature + .unit", "cm").await;
    browser.wait_text("h1", "自行测量").await;
    assert_eq!((browser.value_of("#m_stature").await, browser.value_of("#m_inside_leg").await), ("175.5".to_owned(), "8o".to_owned()));
    // Not carried to another page, nor twice.
    browser.client.goto(&app.url("/shop/measurements/new?unit=metric")).await.unwrap();
    browser.wait_text("h1", "自行测量").await;
    assert_eq!(browser.value_of("#m_inside_leg").await, "");
    browser.client.clone().close().await.unwrap();
}

/// Choices carried across a language switch are put back before the configurator's script
/// listens: the summary it then asks for is the choices', not an empty jersey's.
#[tokio::test]
async fn a_configuration_carried_across_the_language_switch_is_priced_as_it_shows() {
    let Some((browser, _app)) = configuring("cycling_jersey", "Cycling jersey").await else { return };
    for (option, value) in JERSEY {
        browser.choose(option.trim_start_matches("o_"), value, true).await;
    }
    browser.wait_text("#valid", "This configuration can be built.").await;
    browser.settled().await;
    let total = browser.text("#total").await;
    browser.client.find(Locator::Css("#lang-select")).await.unwrap().select_by_value("zh-CN").await.unwrap();
    browser.wait_text("h1", "骑行上衣").await;
    browser.wait_text("#valid", "此配置可以生产。").await;
    browser.wait_text("#total", &total).await;
    browser.client.clone().close().await.unwrap();
}

#[tokio::test]
async fn the_same_works_with_javascript_switched_off() {
    let Some(browser) = Browser::start_without_javascript().await else { return };
    let app = with_shop(Backend::Sqlite).await;
    sign_up_and_measure(&browser, &app).await;
    configure_with_a_conflict(&browser, &app, false).await;
    place(&browser).await;
    browser.client.clone().close().await.unwrap();
}

#[tokio::test]
async fn the_configurator_and_checkout_pass_the_accessibility_scan_in_chinese() {
    if axe_source().is_none() {
        return;
    }
    let Some(browser) = Browser::start().await else { return };
    let app = with_shop(Backend::Sqlite).await;
    sign_up_and_measure(&browser, &app).await;
    browser.client.find(Locator::Css("#lang-select")).await.unwrap().select_by_value("zh-CN").await.unwrap();
    browser.wait_text("h1", "我的尺寸").await;
    browser.client.goto(&app.url("/shop/configure/cycling_jersey")).await.unwrap();
    browser.wait_text("h1", "骑行上衣").await;
    let v = axe_violations(&browser).await.unwrap_or_default();
    assert!(v.is_empty(), "configurator (zh-CN): {v:?}");
    assert!(browser.text("#total").await.starts_with('€'));

    // At a phone's width the same page still passes, and nothing is wider than the screen.
    browser.client.set_window_size(390, 844).await.unwrap();
    browser.client.refresh().await.unwrap();
    browser.wait_text("h1", "骑行上衣").await;
    let v = axe_violations(&browser).await.unwrap_or_default();
    assert!(v.is_empty(), "configurator at phone width: {v:?}");
    let overflow = browser.client.execute("return document.documentElement.scrollWidth > window.innerWidth;", vec![]).await.unwrap();
    assert_eq!(overflow, serde_json::json!(false), "no sideways scrolling on a phone");
    // The total stays in sight at the foot of the screen, however far down the options go.
    let glance = browser.client.find(Locator::Css("#glance")).await.unwrap();
    assert!(glance.is_displayed().await.unwrap(), "the total's bar shows on a phone");
    assert_eq!(browser.text("#glance strong").await, browser.text("#total").await);
    browser.shot("shop-phone").await;
    // Ends the session, which quits Chromium; killing only the driver would leave it running.
    browser.client.clone().close().await.unwrap();
}

/// A change is sent as the customer leaves a field; while its answer is on the way they type
/// in the next one. The answer must leave them there, with what they typed (it once put the
/// focus back in the field they had left, so the rest of their typing went there). Answers
/// are held back here for 800 ms, so the typing always happens while one is on its way.
#[tokio::test]
async fn typing_in_the_next_field_while_an_answer_is_on_its_way_stays_there() {
    let Some((browser, _app)) = configuring("road", "Road bicycle").await else { return };
    let c = &browser.client;
    c.execute(
        "const send = window.fetch.bind(window);\
         window.fetch = (...args) => send(...args).then(r => new Promise(done => setTimeout(() => done(r), 800)));\
         return true;",
        vec![],
    )
    .await
    .unwrap();
    browser.fill("#o_stem_length", "100").await;
    // Leaving the stem's field sends the change; "MEI" is typed while its answer is held.
    browser.fill("#o_name_decal", "MEI").await;
    let busy = c.find(Locator::Css("#live")).await.unwrap().attr("aria-busy").await.unwrap();
    assert_eq!(busy.as_deref(), Some("true"), "an answer is on its way while typing");
    browser.settled().await;
    assert_eq!(browser.value_of("#o_name_decal").await, "MEI");
    assert_eq!(browser.value_of("#o_stem_length").await, "100");
    let focused = c.execute("return document.activeElement && document.activeElement.id;", vec![]).await.unwrap();
    assert_eq!(focused, serde_json::json!("o_name_decal"), "the focus stays where the customer is typing");
    // More typing goes where the customer is.
    c.active_element().await.unwrap().send_keys(" LI").await.unwrap();
    browser.settled().await;
    assert_eq!(browser.value_of("#o_name_decal").await, "MEI LI");
    assert_eq!(browser.value_of("#o_stem_length").await, "100");
    browser.client.clone().close().await.unwrap();
}

/// Back on the configurator from another page, the browser puts the choices back; the summary
/// (price, what is missing) must be for those choices, not for an empty form.
#[tokio::test]
async fn back_on_the_configurator_the_summary_is_for_the_choices_put_back() {
    let Some((browser, app)) = configuring("cycling_jersey", "Cycling jersey").await else { return };
    let c = &browser.client;
    for (option, value) in [("cut", "women"), ("fit", "relaxed"), ("sleeve", "long"), ("fabric", "standard"), ("zip", "half"), ("body_colour", "navy"), ("panel_colour", "black")] {
        browser.choose(option, value, true).await;
    }
    browser.settled().await;
    // Measuring yourself from here would come back to these choices.
    let measure = c.find(Locator::Css("#measure-yourself")).await.unwrap().attr("href").await.unwrap().unwrap_or_default();
    assert!(measure.contains("o_cut%3Dwomen") && measure.contains("o_zip%3Dhalf") && measure.contains("o_body_colour%3Dnavy"), "{measure}");
    let total = browser.text("#total").await;
    c.goto(&app.url("/shop/orders")).await.unwrap();
    browser.wait_text("h1", "My orders").await;
    c.back().await.unwrap();
    browser.wait_text("h1", "Cycling jersey").await;
    let restored = c.find(Locator::Css("#o_sleeve_long")).await.unwrap().prop("checked").await.unwrap();
    assert_eq!(restored.as_deref(), Some("true"), "Chromium puts the choices back");
    browser.settled().await;
    browser.wait_text("#total", &total).await;
    for li in c.find_all(Locator::Css("#violations li")).await.unwrap() {
        let text = li.text().await.unwrap();
        assert!(!text.starts_with("Choose Cut") && !text.starts_with("Choose Sleeve"), "the summary asks for a choice that is made: {text}");
    }
    browser.client.clone().close().await.unwrap();
}

/// The price follows a name as it is typed, once the typing pauses, without leaving the field
/// (it changed only when the field was left).
#[tokio::test]
async fn the_price_follows_a_name_as_it_is_typed() {
    let Some((browser, _app)) = configuring("cycling_jersey", "Cycling jersey").await else { return };
    let c = &browser.client;
    browser.settled().await;
    let before = browser.text("#total").await;
    c.find(Locator::Css("#o_name_print")).await.unwrap().send_keys("MEI").await.unwrap();
    // Read by script: the summary is swapped whole under a held element.
    let total = || async { c.execute("return document.getElementById('total').textContent.trim();", vec![]).await.unwrap() };
    let deadline = Instant::now() + Duration::from_secs(10);
    while total().await == serde_json::json!(before) {
        assert!(Instant::now() < deadline, "the total stayed {before} with a name typed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let focused = c.execute("return document.activeElement && document.activeElement.id;", vec![]).await.unwrap();
    assert_eq!(focused, serde_json::json!("o_name_print"), "still typing there");
    assert_eq!(browser.value_of("#o_name_print").await, "MEI");
    browser.client.clone().close().await.unwrap();
}

/// A checkout answered with a mistake, mended and placed: Back from the order asked to resend
/// the form (the entry was the answer to a POST). So did Back to a measurement form answered
/// with a mistake. The history now holds the page each form was sent from.
#[tokio::test]
async fn back_past_a_form_answered_with_a_mistake_loads_the_page_again() {
    let Some((browser, app)) = configuring("cycling_jersey", "Cycling jersey").await else { return };
    let c = browser.client.clone();
    for (option, value) in JERSEY {
        browser.choose(option.trim_start_matches("o_"), value, true).await;
    }
    browser.wait_text("#valid", "This configuration can be built.").await;
    browser.click("#checkout").await;
    browser.wait_text("h1", "Check and place your order").await;
    browser.click("#delivery-address").await;
    browser.click("#place").await;
    c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("#address_line1-error")).await.expect("the street asked for");
    for (field, value) in TO_ADDRESS.iter().filter(|(f, _)| *f != "delivery" && *f != "address_city") {
        browser.fill(&format!("#{field}"), value).await;
    }
    browser.click("#place").await;
    c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("#address_city-error")).await.expect("the city asked for");
    // A reload loads the checkout again, with what was typed still there.
    c.refresh().await.unwrap();
    browser.wait_text("h1", "Check and place your order").await;
    assert_eq!(browser.value_of("#address_line1").await, "1 Main Street");
    let chosen = c.find(Locator::Css("#delivery-address")).await.unwrap().prop("checked").await.unwrap();
    assert_eq!(chosen.as_deref(), Some("true"), "deliver to the address, as chosen");
    browser.fill("#address_city", "Springfield").await;
    browser.click("#place").await;
    browser.wait_text("#order-status", "Placed").await;
    c.back().await.unwrap();
    browser.wait_text("h1", "Check and place your order").await;
    assert!(c.current_url().await.unwrap().as_str().contains("/shop/checkout/cycling_jersey?"), "{:?}", c.current_url().await);
    c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("#placed-link")).await.expect("said to be placed already");

    c.goto(&app.url("/shop/measurements/new")).await.unwrap();
    browser.wait_text("h1", "Measure yourself").await;
    for (field, value) in MEDIAN_MAN {
        browser.fill(&format!("#{field}"), if field == "m_stature" { "17.55" } else { value }).await;
    }
    browser.click("#save-measurements").await;
    c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("#m_stature-error")).await.expect("the height refused");
    // Switching units there shows the values converted: what was typed, kept for a reload,
    // put the kilograms back into the pound fields.
    browser.click("#unit-imperial").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while browser.value_of("#m_body_mass").await == "84.6" {
        assert!(Instant::now() < deadline, "the body mass was not converted");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let pounds: f64 = browser.value_of("#m_body_mass").await.parse().unwrap_or_default();
    assert!((pounds - 186.5).abs() < 0.1, "{pounds}");
    browser.click("#unit-metric").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while browser.value_of("#m_body_mass").await != "84.6" {
        assert!(Instant::now() < deadline, "the body mass was not converted back: {}", browser.value_of("#m_body_mass").await);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    browser.fill("#m_stature", "175.5").await;
    browser.click("#save-measurements").await;
    browser.wait_text("h1", "My measurements").await;
    c.back().await.unwrap();
    browser.wait_text("h1", "Measure yourself").await;

    // A form that sends to its own address (sign-in): a wrong password, then the right one.
    browser.click("#sign-out").await;
    c.goto(&app.url("/shop/sign-in")).await.unwrap();
    browser.wait_text("h1", "Sign in to the shop").await;
    browser.fill("#email", "mei.chen@example.com").await;
    browser.fill("#password", "not the password").await;
    browser.click("#sign-in").await;
    c.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("#form-error")).await.expect("the wrong password refused");
    browser.fill("#password", CUSTOMER_PASSWORD).await;
    browser.click("#sign-in").await;
    browser.wait_text("h1", "Made to measure, online").await;
    c.back().await.unwrap();
    // The sign-in page loaded again, which sends a customer signed in on to the shop; it asked
    // to resend the password.
    browser.wait_text("h1", "Made to measure, online").await;
    assert!(c.current_url().await.unwrap().path() == "/shop", "{:?}", c.current_url().await);
    c.close().await.unwrap();
}
