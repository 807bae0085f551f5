//! Helpers for the shop's tests: a customer's actions through the shop's forms.

use reqwest::StatusCode;
use scraper::Html;

use crate::helpers::*;

pub const CUSTOMER_PASSWORD: &str = "a long customer password";

/// Body measurements of an ANSUR II median man, as typed into the form (cm, kg).
pub const MEDIAN_MAN: [(&str, &str); 8] = [
    ("m_stature", "175.5"), ("m_chest_girth", "105.6"), ("m_waist_girth", "93.7"), ("m_hip_girth", "101.7"),
    ("m_arm_length", "59.2"), ("m_body_mass", "84.6"), ("m_inside_leg", "84.5"), ("m_shoulder_width", "41.5"),
];

/// A road bicycle that fits the median man.
pub const ROAD: [(&str, &str); 17] = [
    ("o_frame_size", "s56"), ("o_frame_material", "carbon"), ("o_cable_routing", "internal"),
    ("o_groupset", "shimano_ultegra_di2"), ("o_brakes", "disc_hydraulic"), ("o_axle", "thru_12"),
    ("o_wheel_size", "700c"), ("o_wheelset", "carbon_disc_45"), ("o_tyre", "t28"), ("o_crank", "c175"),
    ("o_chainrings", "r52_36"), ("o_cassette", "k11_30"), ("o_handlebar", "h42"), ("o_pedals", "spd_sl"),
    ("o_paint", "black"), ("o_stem_length", "100"), ("o_name_decal", "MEI"),
];

pub const JERSEY: [(&str, &str); 7] = [("o_cut", "men"), ("o_fit", "club"), ("o_sleeve", "short"), ("o_fabric", "standard"), ("o_zip", "full"), ("o_body_colour", "navy"), ("o_panel_colour", "black")];

/// Delivery to an address, as the checkout's fields take it.
pub const TO_ADDRESS: [(&str, &str); 6] =
    [("delivery", "address"), ("address_name", "Mei Chen"), ("address_line1", "1 Main Street"), ("address_postal_code", "49007"), ("address_city", "Springfield"), ("address_country", "United States")];

pub async fn with_shop(backend: Backend) -> TestApp {
    let app = spawn_app(backend).await;
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || {
        atelier::catalogs::load_demo(&db, &atelier::catalogs::CatalogCache::default()).expect("demo catalogs");
        db.write_blocking(|conn| {
            atelier::store::factories::insert(
                conn,
                &atelier::store::factories::NewFactory { code: "WORKS", name: "Works", families: "apparel,bicycle", push_url: None, signing_secret: None, lead_time_days: 10 },
            )
            .map_err(atelier::store::StoreError::from)
        })
        .expect("a factory");
    })
    .await
    .unwrap();
    app
}

impl TestApp {
    pub async fn shop_form(&self, page: &str, action: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let token = self.csrf(page).await;
        let mut all = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.post_form(action, &all).await
    }

    pub async fn sign_up(&self, name: &str, email: &str) -> reqwest::Response {
        self.shop_form("/shop/sign-up", "/shop/sign-up", &[("name", name), ("email", email), ("password", CUSTOMER_PASSWORD), ("confirmation", CUSTOMER_PASSWORD)]).await
    }

    pub async fn signed_up(&self, name: &str, email: &str) {
        let res = self.sign_up(name, email).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "sign-up of {email}");
    }

    pub async fn shop_sign_in(&self, email: &str, password: &str) -> reqwest::Response {
        self.shop_form("/shop/sign-in", "/shop/sign-in", &[("email", email), ("password", password)]).await
    }

    pub async fn shop_sign_out(&self) -> reqwest::Response {
        self.shop_form("/shop", "/shop/sign-out", &[]).await
    }

    pub async fn measure_myself(&self) {
        let res = self.shop_form("/shop/measurements/new", "/shop/measurements", &MEDIAN_MAN).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "self-measured set saved");
    }

    /// The configurator's hidden fields for a product: version and idempotency key.
    pub async fn configurator_fields(&self, product: &str) -> (String, String, String) {
        let (status, html) = self.get_html(&format!("/shop/configure/{product}")).await;
        assert_eq!(status, StatusCode::OK);
        let f = |n: &str| attr(&html, &format!("input[name={n}]"), "value").unwrap_or_default();
        (f("csrf_token"), f("version"), f("idempotency_key"))
    }

    /// Posts the configurator form with `choices` and the button `action`.
    pub async fn configure(&self, product: &str, choices: &[(&str, &str)], action: &str) -> (StatusCode, Html) {
        let res = self.post_configurator(product, choices, action).await;
        // The checkout is a page of its own: follow the redirect there, as a browser does.
        if res.status() == StatusCode::SEE_OTHER {
            return self.get_html(&location(&res)).await;
        }
        let status = res.status();
        (status, Html::parse_document(&res.text().await.unwrap()))
    }

    async fn post_configurator(&self, product: &str, choices: &[(&str, &str)], action: &str) -> reqwest::Response {
        let (csrf, version, key) = self.configurator_fields(product).await;
        let mut all = vec![("csrf_token", csrf.as_str()), ("version", version.as_str()), ("idempotency_key", key.as_str()), ("action", action)];
        all.extend_from_slice(choices);
        self.post_form(&format!("/shop/configure/{product}"), &all).await
    }

    /// The checkout page's address for `choices`.
    pub async fn checkout_path(&self, product: &str, choices: &[(&str, &str)]) -> String {
        let res = self.post_configurator(product, choices, "checkout").await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "to the checkout");
        location(&res)
    }

    /// Configures, goes to the checkout, and returns its form fields ready to place.
    pub async fn checkout(&self, product: &str, choices: &[(&str, &str)]) -> Vec<(String, String)> {
        let (status, html) = self.configure(product, choices, "checkout").await;
        assert_eq!(status, StatusCode::OK, "checkout page: {:?}", select(&html, "#violations li"));
        let sel = scraper::Selector::parse("#checkout-form input[type=hidden]").unwrap();
        html.select(&sel)
            .filter_map(|e| Some((e.value().attr("name")?.to_owned(), e.value().attr("value").unwrap_or_default().to_owned())))
            .collect()
    }

    pub async fn place(&self, fields: &[(String, String)], delivery: &[(&str, &str)]) -> reqwest::Response {
        let mut all: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        all.extend_from_slice(delivery);
        self.post_form("/shop/orders", &all).await
    }
}
