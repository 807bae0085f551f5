use reqwest::StatusCode;
use scraper::Html;

use crate::helpers::*;
use crate::on_both_backends;

impl TestApp {
    /// Enrolls through the form (as a fitter would) and returns the new customer's id.
    pub async fn enroll(&self, name: &str, email: &str, phone: &str) -> i64 {
        let token = self.csrf("/staff/customers/new").await;
        let res = self
            .post_form("/staff/customers", &[("csrf_token", &token), ("name", name), ("email", email), ("phone", phone), ("not_a_duplicate", "yes")])
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "enrolling {name}");
        location(&res).rsplit('/').next().unwrap().parse().unwrap()
    }

    pub async fn post_on_customer(&self, id: i64, action: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let token = self.csrf(&format!("/staff/customers/{id}")).await;
        let mut all = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post_form(&format!("/staff/customers/{id}/{action}"), &all).await
    }

    /// Renames a customer by plain SQL, as another process would: nothing moves in this one.
    pub async fn rename_in_another_process(&self, id: i64, name: &'static str) {
        self.db
            .read(move |c| -> Result<_, atelier::store::StoreError> {
                use atelier::store::schema::customers as cu;
                use diesel::prelude::*;
                diesel::update(cu::table.find(id)).set((cu::name.eq(name), cu::updated_at.eq(atelier::store::now()))).execute(c)?;
                Ok(())
            })
            .await
            .unwrap();
    }

    pub async fn search(&self, q: &str) -> Vec<String> {
        let (_, html) = self.get_html(&format!("/staff/customers?q={}", urlencode(q))).await;
        select(&html, "#results .result-name")
    }
}

pub fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).unwrap().trim_start_matches('=').to_owned()
}

on_both_backends!(
    a_fitter_enrolls_a_customer_and_finds_them_again,
    an_enrollment_without_a_contact_is_refused_at_the_field,
    a_likely_duplicate_is_shown_before_enrolling,
    customers_belong_to_the_chain_not_to_a_store,
    a_fitter_can_neither_merge_nor_erase,
    a_manager_merges_two_records_and_keeps_all_history,
    a_merge_keeps_the_record_chosen_either_way,
    preferences_are_standing_or_one_off_and_can_be_pinned_or_dropped,
    contacts_complaints_and_feedback_make_one_timeline,
    the_timeline_names_a_colleague_enrolled_a_moment_ago,
    a_long_history_shows_its_latest_entries_and_every_open_complaint,
    marketing_consent_is_recorded_with_its_date,
    a_customer_export_holds_everything_and_is_audited,
    erasing_removes_personal_data_but_keeps_the_record,
    a_customer_renamed_by_another_process_is_found_within_the_cache_time,
    a_kept_customer_page_is_each_viewers_own_and_follows_every_change,
);

async fn a_fitter_enrolls_a_customer_and_finds_them_again(backend: Backend) {
    let app = spawn_app(backend).await;
    app.sign_in_as(FITTER_NORTH).await;
    let token = app.csrf("/staff/customers/new").await;
    let res = app
        .post_form("/staff/customers", &[("csrf_token", &token), ("name", "José  Müller"), ("email", "Jose.Mueller@Example.com"), ("phone", "+49 171 5551234")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let path = location(&res);
    let (status, html) = app.get_html(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(select(&html, "#customer-name"), vec!["José Müller"]);
    let meta = select(&html, "#customer-meta").concat();
    assert!(meta.contains("jose.mueller@example.com") && meta.contains("North Store"), "{meta}");
    let reference = meta.split(' ').next().unwrap().to_owned();

    for q in ["jose", "JOSÉ müller", "muller", "Mülelr", "jose.mueller@", "5551234", "0171 555 1234", &reference, &reference[..5]] {
        assert_eq!(app.search(q).await, vec!["José Müller"], "searching {q:?}");
    }
    let (_, html) = app.get_html("/staff/customers?q=nobody+like+this").await;
    assert_eq!(select(&html, "#no-results").len(), 1);

    // More matches than are listed: said, not cut off without a word.
    app.db
        .write(|c| -> Result<(), atelier::store::StoreError> {
            let at = atelier::store::now();
            for i in 0..51 {
                let (reference, name) = (atelier::domain::customer::new_reference(), format!("Testperson {i}"));
                atelier::store::customers::insert(c, &atelier::store::customers::NewCustomer {
                    reference: &reference, name: &name, email: None, phone: None, phone_digits: None, home_store_id: None, marketing_consent: false,
                    consent_changed_at: None, preferred_channel: "none", created_by_staff_id: None, created_at: at, updated_at: at,
                })?;
            }
            Ok(())
        })
        .await
        .unwrap();
    let (_, html) = app.get_html("/staff/customers?q=testperson").await;
    assert_eq!(select(&html, "#results li").len(), 50);
    assert!(select(&html, "#more-results").concat().starts_with("More than 50 customers match"));
    let (_, html) = app.get_html("/staff/customers?q=testperson+7").await;
    assert!(select(&html, "#more-results").is_empty());
}

async fn an_enrollment_without_a_contact_is_refused_at_the_field(backend: Backend) {
    let app = spawn_app(backend).await;
    app.sign_in_as(FITTER_NORTH).await;
    let token = app.csrf("/staff/customers/new").await;
    let res = app.post_form("/staff/customers", &[("csrf_token", &token), ("name", "Ana Silva"), ("phone", "12ab")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "#phone-error"), vec!["Enter a phone number of 6 to 15 digits, e.g. +44 20 7946 0958."]);
    assert_eq!(attr(&html, "#name", "value").as_deref(), Some("Ana Silva"));
    assert_eq!(attr(&html, "#phone", "value").as_deref(), Some("12ab"));

    let res = app.post_form("/staff/customers", &[("csrf_token", &token), ("name", "Ana Silva")]).await;
    let html = Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "#email-error"), vec!["Enter an email address or a phone number, so we can reach the customer."]);

    let res = app.post_form("/staff/customers", &[("csrf_token", &token), ("name", " "), ("email", "ana@example.com")]).await;
    let html = Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "#name-error"), vec!["Enter the customer's name."]);
}

async fn a_likely_duplicate_is_shown_before_enrolling(backend: Backend) {
    let app = spawn_app(backend).await;
    app.sign_in_as(FITTER_NORTH).await;
    let first = app.enroll("Ana Silva", "ana@example.com", "").await;
    let token = app.csrf("/staff/customers/new").await;
    // Same email, another spelling of the name.
    let res = app.post_form("/staff/customers", &[("csrf_token", &token), ("name", "Anna Silva"), ("email", "ANA@example.com")]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let html = Html::parse_document(&res.text().await.unwrap());
    assert_eq!(attr(&html, "#duplicates a", "href"), Some(format!("/staff/customers/{first}")));
    assert_eq!(attr(&html, "#name", "value").as_deref(), Some("Anna Silva"));
    // A very similar name alone is enough for the warning.
    let res = app.post_form("/staff/customers", &[("csrf_token", &token), ("name", "Ana Sliva"), ("phone", "0171 999 0000")]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    // The fitter confirms it is another person.
    let res = app
        .post_form("/staff/customers", &[("csrf_token", &token), ("name", "Anna Silva"), ("email", "anna@example.com"), ("not_a_duplicate", "yes")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

async fn customers_belong_to_the_chain_not_to_a_store(backend: Backend) {
    let app = spawn_app(backend).await;
    app.sign_in_as(FITTER_NORTH).await;
    let id = app.enroll("Li Na", "", "+86 138 0013 8000").await;
    app.post_on_customer(id, "preferences", &[("text", "left hand rear brake"), ("kind", "standing")]).await;
    let south = app.in_another_browser();
    south.sign_in_as(FITTER_SOUTH).await;
    assert_eq!(south.search("li na").await, vec!["Li Na"]);
    let (status, html) = south.get_html(&format!("/staff/customers/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(select(&html, "#preferences .pref-text"), vec!["left hand rear brake"]);
    // An administrator, of no store, chooses the customer's store (they had none, and no
    // store's closing could hand them on); a closed or made-up one is refused at the field.
    let admin = south.browser();
    admin.sign_in_as(ADMIN).await;
    let (_, form) = admin.get_html("/staff/customers/new").await;
    assert_eq!(select(&form, "#home_store option"), vec!["–", "North Store", "South Store"]);
    let token = admin.csrf("/staff/customers/new").await;
    let res = admin.post_form("/staff/customers", &[("csrf_token", &token), ("name", "Ada Admin-Made"), ("email", "ada@example.com"), ("home_store", "999")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = scraper::Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "#home_store-error"), vec!["Choose one of the open stores."]);
    let south_id = south.south.to_string();
    let res = admin.post_form("/staff/customers", &[("csrf_token", &token), ("name", "Ada Admin-Made"), ("email", "ada@example.com"), ("home_store", &south_id)]).await;
    let (_, page) = admin.get_html(&location(&res)).await;
    assert!(select(&page, "#customer-meta")[0].ends_with("South Store"), "{:?}", select(&page, "#customer-meta"));
}

async fn a_fitter_can_neither_merge_nor_erase(backend: Backend) {
    let app = spawn_app(backend).await;
    app.sign_in_as(FITTER_NORTH).await;
    let a = app.enroll("Ana Silva", "ana@example.com", "").await;
    let b = app.enroll("Ana Silva", "ana.silva@example.com", "").await;
    let (_, html) = app.get_html(&format!("/staff/customers/{a}")).await;
    assert!(select(&html, "#merge").is_empty() && select(&html, "#erase").is_empty());
    let res = app.post_on_customer(a, "merge", &[("other_id", &b.to_string())]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app.post_on_customer(a, "erase", &[("confirm", "x")]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get(&format!("/staff/customers/{a}/merge")).await.status(), StatusCode::FORBIDDEN);
}

async fn a_manager_merges_two_records_and_keeps_all_history(backend: Backend) {
    let app = spawn_app(backend).await;
    app.sign_in_as(MANAGER_NORTH).await;
    let keep = app.enroll("Ana Silva", "ana@example.com", "").await;
    let dup = app.enroll("Ana Silva", "", "0171 5551234").await;
    app.post_on_customer(dup, "contacts", &[("kind", "call"), ("summary", "asked about bib shorts")]).await;
    app.post_on_customer(keep, "contacts", &[("kind", "visit"), ("summary", "first fitting")]).await;

    let (_, html) = app.get_html(&format!("/staff/customers/{keep}/merge")).await;
    assert_eq!(attr(&html, "#candidates input[name=other_id]", "value"), Some(dup.to_string()));
    // It cannot be undone: the page's script asks first.
    assert_eq!(attr(&html, "#candidates form", "data-confirm").as_deref(), Some("Merge these two records? This cannot be undone."));
    let res = app.post_on_customer(keep, "merge", &[("other_id", &dup.to_string())]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let (_, html) = app.get_html(&format!("/staff/customers/{keep}")).await;
    // Said once where it leads (it said nothing).
    assert_eq!(select(&html, "#saved-notice"), vec!["The two records are merged into this one: its history now holds both."]);
    let texts = select(&html, "#timeline .event-text");
    assert!(texts.contains(&"asked about bib shorts".to_owned()) && texts.contains(&"first fitting".to_owned()), "{texts:?}");
    assert!(select(&html, "#customer-meta").concat().contains("0171 5551234"), "the phone of the merged record is kept");
    let res = app.get(&format!("/staff/customers/{dup}")).await;
    assert_eq!(location(&res), format!("/staff/customers/{keep}"));
    assert_eq!(app.search("ana silva").await, vec!["Ana Silva"]);

    let db = app.db.clone();
    let audit = db
        .read(move |c| Ok::<_, atelier::store::StoreError>(atelier::store::audit::list_for_subject(c, &format!("customer:{keep}"))?))
        .await
        .unwrap();
    assert!(audit.iter().any(|e| e.action == "customer.merged" && e.detail == format!("customer:{dup} merged into customer:{keep}")));
}

/// The merge page names both records on its buttons: the one the page is about can be the one
/// folded into the other (a review merged the well-kept record into a misspelt duplicate, as
/// the only button offered).
async fn a_merge_keeps_the_record_chosen_either_way(backend: Backend) {
    let app = spawn_app(backend).await;
    app.sign_in_as(MANAGER_NORTH).await;
    let original = app.enroll("Hanna Kowalski", "hanna@example.com", "").await;
    let dup = app.enroll("Hanna Kowalsky", "", "0171 5550000").await;
    let (_, html) = app.get_html(&format!("/staff/customers/{dup}/merge")).await;
    let buttons = select(&html, "#candidates button");
    assert!(buttons.len() == 2 && buttons[0].starts_with("Keep Hanna Kowalsky (AT-") && buttons[1].starts_with("Keep Hanna Kowalski (AT-"), "{buttons:?}");
    let res = app.post_on_customer(dup, "merge", &[("other_id", &original.to_string()), ("keep", "other")]).await;
    assert_eq!(location(&res), format!("/staff/customers/{original}"));
    let (_, html) = app.get_html(&format!("/staff/customers/{original}")).await;
    assert_eq!(select(&html, "h1").concat(), "Hanna Kowalski");
    assert!(select(&html, "#customer-meta").concat().contains("0171 5550000"), "the duplicate's phone joins the kept record");
    assert_eq!(location(&app.get(&format!("/staff/customers/{dup}")).await), format!("/staff/customers/{original}"));
    assert_eq!(app.post_on_customer(original, "merge", &[("other_id", &dup.to_string()), ("keep", "both")]).await.status(), StatusCode::BAD_REQUEST);
}

async fn preferences_are_standing_or_one_off_and_can_be_pinned_or_dropped(backend: Backend) {
    let app = spawn_app(backend).await;
    app.sign_in_as(FITTER_NORTH).await;
    let id = app.enroll("Ana Silva", "ana@example.com", "").await;
    app.post_on_customer(id, "preferences", &[("text", "prefers a relaxed fit"), ("kind", "standing"), ("pinned", "yes")]).await;
    app.post_on_customer(id, "preferences", &[("text", "gift wrapping"), ("kind", "one_off")]).await;
    let res = app.post_on_customer(id, "preferences", &[("text", ""), ("kind", "standing")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "#pref-text-error"), vec!["Write the preference."]);

    let (_, html) = app.get_html(&format!("/staff/customers/{id}")).await;
    assert_eq!(select(&html, "#preference-standing .pref-text"), vec!["prefers a relaxed fit"]);
    assert_eq!(select(&html, "#preference-standing .badge.pinned").len(), 1);
    assert_eq!(select(&html, "#preference-one-off .pref-text"), vec!["gift wrapping"]);

    let action = attr(&html, "#preference-one-off form", "action").unwrap();
    let pid = action.rsplit('/').next().unwrap().to_owned();
    let res = app.post_on_customer(id, &format!("preferences/{pid}"), &[("action", "drop")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.get_html(&format!("/staff/customers/{id}")).await;
    assert!(select(&html, "#preference-one-off").is_empty());
}

async fn contacts_complaints_and_feedback_make_one_timeline(backend: Backend) {
    let app = spawn_app(backend).await;
    app.sign_in_as(FITTER_NORTH).await;
    let id = app.enroll("Ana Silva", "ana@example.com", "").await;
    app.post_on_customer(id, "contacts", &[("kind", "visit"), ("summary", "first fitting")]).await;
    app.post_on_customer(id, "contacts", &[("kind", "complaint"), ("summary", "zip broke")]).await;
    let res = app.post_on_customer(id, "contacts", &[("kind", "feedback"), ("summary", "lovely"), ("rating", "")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "#rating-error"), vec!["Choose a rating from 1 to 5."]);
    assert_eq!(select(&html, "#contact-summary"), vec!["lovely"], "the typed text is kept");
    app.post_on_customer(id, "contacts", &[("kind", "feedback"), ("summary", "lovely"), ("rating", "5")]).await;

    let (_, html) = app.get_html(&format!("/staff/customers/{id}")).await;
    assert_eq!(select(&html, "#timeline .event-text"), vec!["lovely 5 of 5", "zip broke", "first fitting"]);
    let resolve = attr(&html, "form.resolve", "action").unwrap();
    let cid = resolve.split('/').nth(5).unwrap().to_owned();

    let res = app.post_on_customer(id, &format!("complaints/{cid}/resolve"), &[("resolution", "")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = app.post_on_customer(id, &format!("complaints/{cid}/resolve"), &[("resolution", "new zip fitted")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.get_html(&format!("/staff/customers/{id}")).await;
    assert_eq!(select(&html, "#timeline .resolved"), vec!["Resolved new zip fitted"]);
}

/// Staff names are kept in memory for the timeline: a new account must not show nameless.
async fn the_timeline_names_a_colleague_enrolled_a_moment_ago(backend: Backend) {
    let app = spawn_app(backend).await;
    app.sign_in_as(FITTER_NORTH).await;
    let id = app.enroll("Ana Silva", "ana@example.com", "").await;
    app.post_on_customer(id, "contacts", &[("kind", "visit"), ("summary", "first fitting")]).await;
    let (_, html) = app.get_html(&format!("/staff/customers/{id}")).await;
    assert_eq!(select(&html, "#timeline .event-head .muted"), vec!["Finn Fitter · North Store"]);

    add_staff(&app.db, "nora.new@example.com", "Nora New", atelier::domain::staff::Role::Fitter, Some("SOUTH"), false);
    let colleague = app.browser();
    colleague.sign_in_as("nora.new@example.com").await;
    colleague.post_on_customer(id, "contacts", &[("kind", "visit"), ("summary", "second fitting")]).await;
    let (_, html) = app.get_html(&format!("/staff/customers/{id}")).await;
    assert_eq!(select(&html, "#timeline .event-head .muted"), vec!["Nora New · South Store", "Finn Fitter · North Store"]);
}

async fn a_long_history_shows_its_latest_entries_and_every_open_complaint(backend: Backend) {
    let app = spawn_app(backend).await;
    app.sign_in_as(FITTER_NORTH).await;
    let id = app.enroll("Ana Silva", "ana@example.com", "").await;
    let token = app.csrf(&format!("/staff/customers/{id}")).await;
    let contact = |kind: &'static str, summary: String| {
        let (app, token) = (&app, token.clone());
        async move {
            let res = app.post_form(&format!("/staff/customers/{id}/contacts"), &[("csrf_token", &token), ("kind", kind), ("summary", &summary)]).await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{summary}");
        }
    };
    contact("complaint", "seam came apart".into()).await;
    for i in 1..=55 {
        contact("visit", format!("visit {i}")).await;
    }

    let (status, html) = app.get_html(&format!("/staff/customers/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    let texts = select(&html, "#timeline .event-text");
    assert_eq!(texts.len(), 51, "the latest 50 and the open complaint");
    assert_eq!(texts[0], "visit 55");
    assert_eq!(texts[49], "visit 6");
    assert_eq!(texts[50], "seam came apart", "an open complaint stays on the page to be resolved");
    assert_eq!(select(&html, "#timeline-more"), vec!["The latest 50 of 56 entries, and every open complaint. Show the whole history"]);
    let all = attr(&html, "#timeline-more a", "href").unwrap();
    assert_eq!(all, format!("/staff/customers/{id}?history=all#timeline"));

    let (status, html) = app.get_html(all.trim_end_matches("#timeline")).await;
    assert_eq!(status, StatusCode::OK);
    let texts = select(&html, "#timeline .event-text");
    assert_eq!(texts.len(), 56);
    assert_eq!(texts[55], "seam came apart");
    assert!(select(&html, "#timeline-more").is_empty());
}

async fn marketing_consent_is_recorded_with_its_date(backend: Backend) {
    let app = spawn_app(backend).await;
    app.sign_in_as(FITTER_NORTH).await;
    let id = app.enroll("Ana Silva", "ana@example.com", "").await;
    let (_, html) = app.get_html(&format!("/staff/customers/{id}")).await;
    assert_eq!(select(&html, "#consent-status"), vec!["No marketing: the customer has not agreed to it."]);
    let res = app.post_on_customer(id, "consent", &[("marketing_consent", "yes"), ("channel", "email")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.get_html(&format!("/staff/customers/{id}")).await;
    let status = select(&html, "#consent-status").concat();
    assert!(status.starts_with("Agreed to receive news and offers.") && status.contains("changed 20"), "{status}");
    // Consent without a usable channel is no consent to contact.
    app.post_on_customer(id, "consent", &[("marketing_consent", "yes"), ("channel", "none")]).await;
    let (_, html) = app.get_html(&format!("/staff/customers/{id}")).await;
    assert!(select(&html, "#consent-status").concat().starts_with("No marketing"));
}

async fn a_customer_export_holds_everything_and_is_audited(backend: Backend) {
    let app = spawn_app(backend).await;
    app.sign_in_as(FITTER_NORTH).await;
    let id = app.enroll("Ana Silva", "ana@example.com", "").await;
    app.post_on_customer(id, "contacts", &[("kind", "visit"), ("summary", "first fitting")]).await;
    let token = app.csrf(&format!("/staff/customers/{id}/measurements/new")).await;
    app.post_form(&format!("/staff/customers/{id}/measurements"), &[("csrf_token", &token), ("unit_system", "metric"), ("m_stature", "172")]).await;
    let res = app.get(&format!("/staff/customers/{id}/export")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    let doc: serde_json::Value = res.json().await.unwrap();
    assert_eq!(doc["customer"]["email"], "ana@example.com");
    assert_eq!(doc["contacts"][0]["summary"], "first fitting");
    assert_eq!(doc["measurement_sets"][0]["values_canonical_mm_or_g"]["stature"], 1720);
    assert!(doc["audit"].as_array().unwrap().iter().any(|e| e["action"] == "customer.exported"));
}

async fn erasing_removes_personal_data_but_keeps_the_record(backend: Backend) {
    let app = spawn_app(backend).await;
    app.sign_in_as(MANAGER_NORTH).await;
    let id = app.enroll("Ana Silva", "ana@example.com", "0171 5551234").await;
    app.post_on_customer(id, "contacts", &[("kind", "visit"), ("summary", "first fitting")]).await;
    let res = app.post_on_customer(id, "erase", &[("confirm", "AT-WRONG")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = Html::parse_document(&res.text().await.unwrap());
    assert_eq!(select(&html, "#erase-error"), vec!["Type the customer reference exactly as shown to confirm."]);
    assert_eq!(attr(&html, "#erase-confirm", "value").as_deref(), Some("AT-WRONG"));

    let reference = select(&html, "#customer-meta").concat().split(' ').next().unwrap().to_owned();
    let res = app.post_on_customer(id, "erase", &[("confirm", &reference.to_lowercase())]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (status, html) = app.get_html(&format!("/staff/customers/{id}")).await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(select(&html, "h1"), vec!["Customer erased"]);
    assert!(app.search("ana silva").await.is_empty());

    let db = app.db.clone();
    let (row, contacts, audit) = db
        .read(move |c| -> Result<_, atelier::store::StoreError> {
            Ok((
                atelier::store::customers::find(c, id)?.unwrap(),
                atelier::store::customers::contacts(c, id)?,
                atelier::store::audit::list_for_subject(c, &format!("customer:{id}"))?,
            ))
        })
        .await
        .unwrap();
    assert_eq!((row.name.as_str(), row.email, row.phone), ("", None, None));
    assert_eq!(row.reference, reference, "the reference stays for order and production records");
    assert!(contacts.is_empty(), "a visit is gone (feedback and complaints stay for the figures, without their words: see learning_pages)");
    assert!(audit.iter().any(|e| e.action == "customer.erased"));
}

/// The search answers from memory while this process changed no customer; a change made by
/// another process (here plain SQL, which moves nothing in this one) shows within the cache
/// time, and a change made here shows at once.
async fn a_customer_renamed_by_another_process_is_found_within_the_cache_time(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.cache_ttl = std::time::Duration::from_millis(300)).await;
    app.sign_in_as(FITTER_NORTH).await;
    let id = app.enroll("Ottilie Brenner", "ottilie@example.com", "").await;
    assert_eq!(app.search("ottilie").await, vec!["Ottilie Brenner"], "found at once after enrolling here");
    app.rename_in_another_process(id, "Ottilie Marchetti").await;
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(app.search("marchetti").await, vec!["Ottilie Marchetti"]);
    assert!(app.search("brenner").await.is_empty(), "the old name is gone from the index");
    let other = app.enroll("Ottilie Brenner", "o.brenner@example.com", "").await;
    assert_ne!(other, id);
    assert_eq!(app.search("brenner").await, vec!["Ottilie Brenner"], "a second enrollment here shows at once");
}

/// Every `csrf_token` a page's forms carry.
fn form_tokens(html: &Html) -> Vec<String> {
    let sel = scraper::Selector::parse("input[name=csrf_token]").unwrap();
    html.select(&sel).filter_map(|e| e.value().attr("value")).map(str::to_owned).collect()
}

/// The customer page is kept rendered between visits: opened by two people it carries each
/// one's own token and actions, a change made here shows at once, and one made by another
/// process (plain SQL, which moves nothing in this one) within the cache time.
async fn a_kept_customer_page_is_each_viewers_own_and_follows_every_change(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.cache_ttl = std::time::Duration::from_millis(300)).await;
    app.sign_in_as(FITTER_NORTH).await;
    let id = app.enroll("Ottilie Brenner", "ottilie@example.com", "").await;
    let page = format!("/staff/customers/{id}");
    let manager = app.browser();
    manager.sign_in_as(MANAGER_NORTH).await;
    for _ in 0..2 {
        let (_, fitters) = app.get_html(&page).await;
        let (_, managers) = manager.get_html(&page).await;
        let (mine, theirs) = (form_tokens(&fitters), form_tokens(&managers));
        assert!(mine.len() > 3 && mine.iter().all(|t| t == &mine[0]), "one token in every form: {mine:?}");
        assert!(theirs.iter().all(|t| t == &theirs[0]) && theirs[0] != mine[0], "each viewer's own");
        assert!(select(&fitters, "#merge").is_empty(), "a fitter may not merge");
        assert_eq!(select(&managers, "#merge").len(), 1, "the store's manager may");
        assert_eq!(select(&fitters, "title"), vec!["Ottilie Brenner · Atelier"]);
        assert_eq!(select(&fitters, "header .who span"), vec!["Finn Fitter · Fitter"], "the header is the viewer's");
    }
    // The manager's page, as kept, takes a form of theirs.
    let (_, managers) = manager.get_html(&page).await;
    let token = form_tokens(&managers).remove(0);
    let res = manager.post_form(&format!("{page}/preferences"), &[("csrf_token", &token), ("text", "wide collar"), ("kind", "standing")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.get_html(&page).await;
    assert_eq!(select(&html, "#preferences .pref-text"), vec!["wide collar"], "a change made here shows at once");

    app.rename_in_another_process(id, "Ottilie Marchetti").await;
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let (_, html) = app.get_html(&page).await;
    assert_eq!(select(&html, "#customer-name"), vec!["Ottilie Marchetti"], "another process's change shows within the cache time");

    // A name written like the places the kept page marks is only a name.
    let odd = "<csrf-token> <kept-page-body>";
    let id = app.enroll(odd, "odd@example.com", "").await;
    for _ in 0..2 {
        let (_, html) = app.get_html(&format!("/staff/customers/{id}")).await;
        assert_eq!(select(&html, "#customer-name"), vec![odd]);
        assert_eq!(select(&html, "title"), vec![format!("{odd} · Atelier")]);
        let tokens = form_tokens(&html);
        assert!(tokens.len() > 3 && tokens.iter().all(|t| t == &tokens[0] && t.len() == 43), "{tokens:?}");
    }
}
