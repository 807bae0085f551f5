use std::collections::BTreeSet;

use atelier::i18n::{EN_FTL, ZH_CN_FTL, message_ids};
use reqwest::StatusCode;

use crate::helpers::*;
use crate::on_both_backends;

#[test]
fn every_message_exists_in_both_languages() {
    let en: BTreeSet<_> = message_ids(EN_FTL).into_iter().collect();
    let zh: BTreeSet<_> = message_ids(ZH_CN_FTL).into_iter().collect();
    let missing_zh: Vec<_> = en.difference(&zh).collect();
    let missing_en: Vec<_> = zh.difference(&en).collect();
    assert!(missing_zh.is_empty(), "missing in zh-CN: {missing_zh:?}");
    assert!(missing_en.is_empty(), "missing in en: {missing_en:?}");
    assert!(en.len() > 40);
}

/// Every key the templates and the code ask for is in the catalog (dynamic keys listed here).
#[test]
fn every_message_the_code_uses_is_defined() {
    let defined: BTreeSet<_> = message_ids(EN_FTL).into_iter().collect();
    let mut used = BTreeSet::new();
    for dir in ["templates", "src"] {
        collect_keys(dir, &mut used);
    }
    for role in ["admin", "manager", "fitter"] {
        used.insert(format!("role-{role}"));
    }
    for key in ["error-bad-request", "error-forbidden", "error-not-found", "error-method-not-allowed",
        "error-too-large", "error-too-many", "error-unavailable", "error-unexpected"] {
        used.insert(key.to_owned());
        used.insert(format!("{key}-title"));
    }
    for kind in ["visit", "call", "message", "complaint", "feedback", "measurements", "order"] {
        used.insert(format!("contact-{kind}"));
    }
    for key in ["remedy-remake", "remedy-return", "strategy-one-to-one", "strategy-one-to-many", "strategy-self-service",
        "strategy-partner", "strategy-improve", "strategy-correct", "volume-high", "volume-medium", "volume-low",
        "satisfaction-high", "satisfaction-medium", "satisfaction-low", "complaint-reason-required", "remedy-invalid"] {
        used.insert(key.to_owned());
    }
    for channel in ["email", "phone", "sms", "none"] {
        used.insert(format!("channel-{channel}"));
    }
    for key in ["error-conflict", "error-gone", "error-no-access"] {
        used.insert(key.to_owned());
        used.insert(format!("{key}-title"));
    }
    for key in ["password-too-short", "password-too-long", "email-invalid", "customer-name-required",
        "customer-name-too-long", "customer-contact-required", "phone-invalid", "channel-invalid",
        "channel-needs-email", "channel-needs-phone", "contact-kind-invalid", "text-too-long",
        "rating-required", "contact-summary-required", "preference-text-required",
        "preference-kind-required", "resolution-required", "erase-confirm-mismatch",
        "preference-standing", "preference-one-off", "factory-name", "factory-code", "factory-push-url",
        "factory-lead-time", "factory-name-required", "factory-code-invalid", "factory-code-taken",
        "factory-families-required", "factory-url-scheme", "factory-url-invalid", "factory-lead-time-invalid"] {
        used.insert(key.to_owned());
    }
    for key in ["step-fit", "step-build", "step-look", "shop-name-required", "shop-name-too-long", "shop-email-taken",
        "claim-code-required", "claim-code-invalid", "claim-code-claimed", "delivery-required", "delivery-store-required",
        "address-name-required", "address-line1-required", "address-postal-code-required", "address-city-required",
        "address-country-required", "address-line-too-long", "address-hidden-characters", "shop-erase-mismatch", "shop-signed-out", "reset-done",
        "password-mismatch", "email-required", "name-hidden-characters", "shop-probe-throttled"] {
        used.insert(key.to_owned());
    }
    for line in ["name", "line1", "line2", "postal-code", "city", "country"] {
        used.insert(format!("address-{line}-label"));
    }
    for class in ["A", "B", "C", "D"] {
        used.insert(format!("class-meaning-{class}"));
    }
    for status in ["placed", "queued", "sent", "acknowledged", "in_production", "shipped", "rejected", "cancelled"] {
        used.insert(format!("order-status-{status}"));
        used.insert(format!("work-status-{status}"));
    }
    for action in atelier::store::audit::ACTIONS {
        used.insert(atelier::web::staff::audit_log::action_key(action));
    }
    for area in atelier::store::audit::areas() {
        used.insert(format!("audit-area-{area}"));
    }
    for kind in ["customer", "order", "store", "factory", "channel", "catalog", "staff"] {
        used.insert(format!("audit-record-{kind}"));
    }
    for kind in ["draft", "token", "key", "preference", "learned", "visit", "call", "message", "complaint", "feedback"] {
        used.insert(format!("audit-detail-{kind}"));
    }
    for field in ["from", "to"] {
        used.insert(format!("audit-{field}"));
    }
    let missing: Vec<_> = used.difference(&defined).collect();
    assert!(missing.is_empty(), "used but not defined: {missing:?}");
}

/// The audit log page names every action in words and filters by area: an action recorded
/// without being listed would show as its code and be missing from its area.
#[test]
fn every_recorded_action_is_listed() {
    let mut recorded = BTreeSet::new();
    collect_actions(&mut recorded);
    assert!(recorded.len() > 40, "{recorded:?}");
    let listed: BTreeSet<String> = atelier::store::audit::ACTIONS.iter().map(|a| a.to_string()).collect();
    let unlisted: Vec<_> = recorded.difference(&listed).collect();
    assert!(unlisted.is_empty(), "recorded but not in audit::ACTIONS: {unlisted:?}");
}

/// The first literal `"area.what"` (or `"area.what_{…}"`, each way it ends listed in
/// `audit::ACTIONS`) after each `audit::record(`.
fn collect_actions(out: &mut BTreeSet<String>) {
    for (path, text) in project_texts("src") {
        for call in text.split("audit::record(").skip(1) {
            let Some(literal) = call.split('"').nth(1) else { continue };
            let Some((area, what)) = literal.split_once('.') else { continue };
            if area == "test" {
                continue;
            }
            match what.split_once('{') {
                Some((stem, _)) => {
                    let ways: Vec<_> = atelier::store::audit::ACTIONS.iter().filter(|a| a.starts_with(&format!("{area}.{stem}"))).collect();
                    assert!(!ways.is_empty(), "{literal} in {path:?}: none of its actions is listed");
                }
                None => {
                    out.insert(literal.to_owned());
                }
            }
        }
    }
}

fn collect_keys(dir: &str, out: &mut BTreeSet<String>) {
    for (_, text) in project_texts(dir) {
        for marker in [".t(\"", ".t1(\"", ".t2(\"", ".t_args(\"", ".html(\"", ".html1(\"", ".html_args(\""] {
            for piece in text.split(marker).skip(1) {
                if let Some(key) = piece.split('"').next() {
                    if !key.is_empty() && key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
                        out.insert(key.to_owned());
                    }
                }
            }
        }
    }
}

on_both_backends!(
    the_browser_language_chooses_the_page_language,
    a_switched_language_is_kept_as_the_staff_members_setting,
);

async fn the_browser_language_chooses_the_page_language(backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app
        .client
        .get(app.url("/staff/sign-in"))
        .header("accept-language", "zh-CN,zh;q=0.9,en;q=0.8")
        .send()
        .await
        .unwrap();
    let html = scraper::Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "h1"), vec!["员工登录"]);
    assert_eq!(attr(&html, "html", "lang").as_deref(), Some("zh-CN"));

    let res = app.client.get(app.url("/staff/sign-in")).header("accept-language", "en-GB").send().await.unwrap();
    let html = scraper::Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "h1"), vec!["Staff sign-in"]);
}

async fn a_switched_language_is_kept_as_the_staff_members_setting(backend: Backend) {
    let app = spawn_app(backend).await;
    app.sign_in_as(FITTER_NORTH).await;
    let token = app.csrf("/staff").await;
    // On a form sent back with mistakes, the language switch goes back to the form's page (the
    // form's own address has no page: it went to a 404), or home without one.
    let id = app.enroll("Ana Silva", "ana@example.com", "").await;
    let form_page = format!("/staff/customers/{id}/measurements/new");
    let sent = |referer: Option<String>| {
        let mut req = app.client.post(app.url(&format!("/staff/customers/{id}/measurements"))).form(&[("csrf_token", token.as_str()), ("unit_system", "metric"), ("m_stature", "abc")]);
        if let Some(r) = referer {
            req = req.header("referer", r);
        }
        async move { scraper::Html::parse_document(&req.send().await.unwrap().text().await.unwrap()) }
    };
    let html = sent(Some(app.url(&form_page))).await;
    assert_eq!(attr(&html, "form[action='/lang'] input[name=next]", "value"), Some(form_page.clone()));
    let html = sent(None).await;
    assert_eq!(attr(&html, "form[action='/lang'] input[name=next]", "value").as_deref(), Some("/staff"));
    // A second try is sent from the first one's answer, which has no page: home, not a 404.
    let html = sent(Some(app.url(&format!("/staff/customers/{id}/measurements")))).await;
    assert_eq!(attr(&html, "form[action='/lang'] input[name=next]", "value").as_deref(), Some("/staff"));
    let res = app.post_form("/lang", &[("csrf_token", &token), ("lang", "zh-CN"), ("next", "/staff")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/staff");
    let (_, html) = app.get_html("/staff").await;
    assert_eq!(select(&html, "h1"), vec!["欢迎，Finn Fitter"]);
    assert_eq!(select(&html, ".who button"), vec!["退出登录"]);

    // Another device, an English browser: the staff member's own setting wins after sign-in.
    let other = app.in_another_browser();
    let token = other.csrf("/staff/sign-in").await;
    other
        .client
        .post(other.url("/staff/sign-in"))
        .header("accept-language", "en")
        .form(&[("csrf_token", token.as_str()), ("email", FITTER_NORTH), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let res = other.client.get(other.url("/staff")).header("accept-language", "en").send().await.unwrap();
    let html = scraper::Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "h1"), vec!["欢迎，Finn Fitter"]);

    // Unknown languages are refused, not guessed.
    let token = other.csrf("/staff").await;
    let res = other.post_form("/lang", &[("csrf_token", &token), ("lang", "xx")]).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}
