//! Prepares a running server's database for the mixed-workload load test
//! (`bench/load-mixed.sh`, `bench/soak.sh`) and signs in the clients the wrk scripts play.
//!
//! ```sh
//! DATABASE_URL=... cargo run --release --example mixed_fixture -- BASE_URL PUSH_URL OUT_DIR
//! ```
//!
//! In the database (through the library, as the server would write it): a push factory for
//! apparel (pushing to PUSH_URL), a pull factory for bicycles with a token and a backlog of
//! `BACKLOG` bicycle orders (default 5000, placed for the customers in turn) to claim, a sales
//! channel with an API key, fitters with known passwords and `CUSTOMERS` customers (default
//! 1000). Over HTTP: each fitter signs
//! in, `SHOP_CUSTOMERS` (default 16) shop customers sign up, enter measurements and open the
//! road bicycle's configurator. Then one request of every kind the scripts send is tried, so a
//! broken fixture fails here rather than as errors under load.
//!
//! `SECRET` (a `whsec_` secret) is the push factory's signing secret when given. Files
//! written to OUT_DIR (tab-separated, one client per line):
//! `staff.tsv` (cookie header, CSRF token), `customers.tsv` (id, reference, name),
//! `shop.tsv` (cookie header, the configurator's hidden fields url-encoded), and
//! `keys.env` (`KEY=`, `FACTORY_TOKEN=`, `SECRET=`, `PULL_CURSOR=` for the shell).

use atelier::accounts::{CreateStaff, create_staff_blocking};
use atelier::domain::catalog::{Choice, CompiledCatalog, Configuration};
use atelier::domain::customer::{Enrollment, EnrollmentInput};
use atelier::domain::staff::{Role, StaffEmail};
use atelier::store::{Db, StoreError, channels, factories, stores};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// The road bicycle as the shop's form sends it (valid for the measurements below).
pub const ROAD: [(&str, &str); 17] = [
    ("o_frame_size", "s56"), ("o_frame_material", "carbon"), ("o_cable_routing", "internal"),
    ("o_groupset", "shimano_ultegra_di2"), ("o_brakes", "disc_hydraulic"), ("o_axle", "thru_12"),
    ("o_wheel_size", "700c"), ("o_wheelset", "carbon_disc_45"), ("o_tyre", "t28"), ("o_crank", "c175"),
    ("o_chainrings", "r52_36"), ("o_cassette", "k11_30"), ("o_handlebar", "h42"), ("o_pedals", "spd_sl"),
    ("o_paint", "black"), ("o_stem_length", "100"), ("o_name_decal", "MEI"),
];

/// Measurements as a fitter types them (cm, kg).
const MEASURED: [(&str, &str); 8] = [
    ("m_stature", "175.5"), ("m_chest_girth", "105.6"), ("m_waist_girth", "93.7"), ("m_hip_girth", "101.7"),
    ("m_arm_length", "59.2"), ("m_body_mass", "84.6"), ("m_inside_leg", "84.5"), ("m_shoulder_width", "41.5"),
];

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn query_error(e: impl std::fmt::Debug) -> StoreError {
    StoreError::Query(diesel::result::Error::QueryBuilderError(format!("{e:?}").into()))
}

struct Prepared {
    key: String,
    factory_token: String,
    secret: String,
    fitters: Vec<(String, String)>,
    customers: Vec<(i64, String, String)>,
}

fn prepare_database(db: &Db, push_url: &str) -> Result<Prepared, Error> {
    atelier::catalogs::load_demo(db, &atelier::catalogs::CatalogCache::default())?;
    let run = atelier::domain::codes::random_code(6).to_lowercase();
    let key = format!("atc_mixed_{}", atelier::domain::codes::random_code(16));
    let factory_token = format!("atf_mixed_{}", atelier::domain::codes::random_code(16));
    let secret = std::env::var("SECRET").ok().filter(|s| s.starts_with("whsec_")).unwrap_or_else(atelier::bridge::signing::new_secret);
    let n_customers = env_usize("CUSTOMERS", 1000);
    let (k, ft, s, push, r) = (key.clone(), factory_token.clone(), secret.clone(), push_url.to_owned(), run.clone());
    let (store_code, customers) = db.write_blocking(move |conn| -> Result<_, StoreError> {
        let store = match stores::list(conn)?.into_iter().next() {
            Some(s) => s,
            None => return Err(query_error("no store: start the server once on this database first")),
        };
        // Apparel is pushed to the receiver; bicycles wait for the pulling factory.
        factories::insert(conn, &factories::NewFactory {
            code: &format!("push-{r}"), name: "Mixed push factory", families: "apparel",
            push_url: Some(&push), signing_secret: Some(&s), lead_time_days: 10,
        })?;
        let pull = factories::insert(conn, &factories::NewFactory {
            code: &format!("pull-{r}"), name: "Mixed pull factory", families: "bicycle",
            push_url: None, signing_secret: None, lead_time_days: 10,
        })?;
        factories::insert_token(conn, pull, &atelier::web::api::token_hash(&ft), "mixed load")?;
        let channel = channels::insert(conn, &format!("mixed-{r}"), "Mixed channel", Some(store.id))?;
        channels::insert_key(conn, channel, &atelier::web::api::token_hash(&k))?;
        use diesel::prelude::*;
        let staff: i64 = atelier::store::schema::staff::table.select(atelier::store::schema::staff::id).first(conn)?;
        let mut out = Vec::with_capacity(n_customers);
        for i in 0..n_customers {
            let e = Enrollment::parse(&EnrollmentInput {
                name: format!("Mixed Customer {r} {i}"),
                email: format!("mixed.{r}.{i}@example.com"),
                ..Default::default()
            })
            .map_err(query_error)?;
            let c = atelier::customers::enroll(conn, &e, staff, Some(store.id))?;
            out.push((c.id, c.reference, c.name));
        }
        Ok((store.code, out))
    })?;
    let mut fitters = vec![];
    for i in 0..env_usize("FITTERS", 4) {
        let email = format!("fitter.{run}.{i}@example.com");
        let password = format!("mixed-load-{}", atelier::domain::codes::random_code(16));
        create_staff_blocking(db, &CreateStaff {
            email: &StaffEmail::parse(&email).map_err(|e| format!("{e:?}"))?,
            name: &format!("Fitter {i}"),
            role: Role::Fitter,
            store_code: Some(&store_code),
            password: &password,
            must_change_password: false,
        })?;
        fitters.push((email, password));
    }
    place_backlog(db, &customers, env_usize("BACKLOG", 5000))?;
    Ok(Prepared { key, factory_token, secret, fitters, customers })
}

fn road_configuration() -> Configuration {
    let mut cfg = Configuration::new("road");
    for (o, v) in ROAD {
        let o = &o[2..];
        cfg = match o {
            "stem_length" => cfg.with(o, Choice::Number(v.parse::<rust_decimal::Decimal>().unwrap_or_default())),
            "name_decal" => cfg.with(o, Choice::Text(v.into())),
            _ => cfg.with(o, Choice::One(v.into())),
        };
    }
    for (m, v) in [("stature", 1755), ("chest_girth", 1056), ("waist_girth", 937), ("hip_girth", 1017), ("arm_length", 592), ("body_mass", 84_600), ("inside_leg", 845), ("shoulder_width", 415)] {
        cfg = cfg.measure(m, v);
    }
    cfg
}

/// Bicycle orders queued for the pull factory before the load starts, so that claiming and
/// acknowledging have work from the first second. They go to the customers in turn (5 each by
/// default), so that every customer page shows a history of the same length: all of them on
/// one customer made the page's cost depend on whether the load happened to pick that one.
fn place_backlog(db: &Db, customers: &[(i64, String, String)], n: usize) -> Result<(), Error> {
    if customers.is_empty() {
        return Err("the backlog needs customers: CUSTOMERS must be at least 1".into());
    }
    let (version, text) = db.write_blocking(|c| -> Result<_, StoreError> {
        let v = atelier::store::catalogs::current(c)?.into_iter().find(|v| v.catalog_code == "atelier-bicycles").ok_or_else(|| query_error("no bicycle catalog"))?;
        atelier::store::catalogs::source(c, v.id)?.ok_or_else(|| query_error("no catalog source"))
    })?;
    let cat = CompiledCatalog::compile("bicycles.toml", &text).map_err(|e| format!("{e:?}"))?;
    let cfg = road_configuration();
    let run = atelier::domain::codes::random_code(8);
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        db.write_blocking(|c| -> Result<(), atelier::orders::PlaceError> {
            for i in chunk {
                let (customer_id, reference, _) = &customers[i % customers.len()];
                let req = atelier::orders::PlaceOrder {
                    customer_id: *customer_id,
                    customer_reference: reference.clone(),
                    store_id: None,
                    configuration: cfg.clone(),
                    measurement_set_id: None,
                    ship_to: serde_json::json!({"store": null}),
                    idempotency_key: format!("mixed-backlog-{run}-{i}"),
                    staff_id: None,
                    tax_rate_bp: 2000,
                };
                atelier::orders::place(c, &cat, &version, &req)?;
            }
            Ok(())
        })?;
    }
    Ok(())
}

fn hidden(html: &str, name: &str) -> Option<String> {
    html.split(&format!("name=\"{name}\" value=\"")).nth(1).and_then(|s| s.split('"').next()).map(str::to_owned)
}

fn client() -> Result<(reqwest::Client, std::sync::Arc<reqwest::cookie::Jar>), Error> {
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder().cookie_provider(jar.clone()).redirect(reqwest::redirect::Policy::none()).build()?;
    Ok((client, jar))
}

fn cookie_header(jar: &reqwest::cookie::Jar, base: &str) -> Result<String, Error> {
    use reqwest::cookie::CookieStore;
    let url: reqwest::Url = base.parse()?;
    Ok(jar.cookies(&url).ok_or("no cookie set")?.to_str()?.to_owned())
}

fn expect(res: &reqwest::Response, ok: &[u16], what: &str) -> Result<(), Error> {
    if ok.contains(&res.status().as_u16()) { Ok(()) } else { Err(format!("{what}: answered {}", res.status()).into()) }
}

/// A signed-in fitter: the session cookie and the session's CSRF token.
async fn fitter(base: &str, email: &str, password: &str, customer: i64) -> Result<(String, String), Error> {
    let (client, jar) = client()?;
    let page = client.get(format!("{base}/staff/sign-in")).send().await?.text().await?;
    let token = hidden(&page, "csrf_token").ok_or("no CSRF token on the sign-in page")?;
    let res = client.post(format!("{base}/staff/sign-in")).form(&[("csrf_token", token.as_str()), ("email", email), ("password", password)]).send().await?;
    expect(&res, &[303], "staff sign-in")?;
    let page = client.get(format!("{base}/staff/customers/{customer}/measurements/new")).send().await?.text().await?;
    let token = hidden(&page, "csrf_token").ok_or("no CSRF token on the measurement form")?;
    let mut form = vec![("csrf_token", token.as_str()), ("unit_system", "metric")];
    form.extend(MEASURED);
    let res = client.post(format!("{base}/staff/customers/{customer}/measurements")).form(&form).send().await?;
    expect(&res, &[303], "staff measurement save")?;
    Ok((cookie_header(&jar, base)?, token))
}

/// A signed-up shop customer with measurements: the cookie and the road configurator's
/// hidden fields (CSRF token, catalog version, measurement set, idempotency key).
async fn shopper(base: &str, n: usize) -> Result<(String, String), Error> {
    let (client, jar) = client()?;
    let page = client.get(format!("{base}/shop/sign-up")).send().await?.text().await?;
    let token = hidden(&page, "csrf_token").ok_or("no CSRF token on the sign-up page")?;
    let email = format!("shopper{n}.{}@example.com", atelier::domain::codes::random_code(8).to_lowercase());
    let password = format!("mixed-load-{}", atelier::domain::codes::random_code(16));
    let res = client
        .post(format!("{base}/shop/sign-up"))
        .form(&[("csrf_token", token.as_str()), ("name", "Mixed Shopper"), ("email", &email), ("password", &password), ("confirmation", &password)])
        .send()
        .await?;
    expect(&res, &[303], "shop sign-up")?;
    let page = client.get(format!("{base}/shop/measurements/new")).send().await?.text().await?;
    let token = hidden(&page, "csrf_token").ok_or("no CSRF token on the shop measurement form")?;
    let mut form = vec![("csrf_token", token.as_str())];
    form.extend(MEASURED);
    let res = client.post(format!("{base}/shop/measurements")).form(&form).send().await?;
    expect(&res, &[303], "shop measurement save")?;
    // Where the save goes, as a browser would: the page takes back the notice it says once,
    // which the requests measured would otherwise carry in their cookies.
    expect(&client.get(format!("{base}/shop/measurements")).send().await?, &[200], "shop measurements page")?;
    let page = client.get(format!("{base}/shop/configure/road")).send().await?.text().await?;
    let fields: Vec<(String, String)> = ["csrf_token", "version", "idempotency_key", "set"]
        .iter()
        .filter_map(|n| hidden(&page, n).map(|v| ((*n).to_owned(), v)))
        .collect();
    if !fields.iter().any(|(k, _)| k == "csrf_token") {
        return Err("no CSRF token on the configurator".into());
    }
    let prefix = serde_urlencoded::to_string(&fields)?;
    let mut body = prefix.clone() + "&" + &serde_urlencoded::to_string(ROAD)?;
    let res = client.post(format!("{base}/shop/configure/road/live")).header("content-type", "application/x-www-form-urlencoded").body(body.clone()).send().await?;
    expect(&res, &[200], "configurator live update")?;
    body.clear();
    Ok((cookie_header(&jar, base)?, prefix))
}

/// One order of each product through the API, as the scripts send them, then the pull
/// factory pages through everything queued for it; returns its cursor.
async fn try_api(base: &str, p: &Prepared) -> Result<String, Error> {
    let (client, _) = client()?;
    for product in ["cycling_jersey", "road"] {
        let body = std::fs::read_to_string(format!("bench/mixed_{product}.json"))?.replace("CUSTOMER", &p.customers[0].1);
        let res = client
            .post(format!("{base}/api/v1/orders"))
            .bearer_auth(&p.key)
            .header("idempotency-key", format!("mixed-try-{product}-{}", atelier::domain::codes::random_code(8)))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await?;
        if res.status() != 201 {
            return Err(format!("order of {product}: {} {}", res.status(), res.text().await?).into());
        }
    }
    // A polling factory that has caught up: the pull kind starts from here.
    let mut cursor = String::new();
    loop {
        let res = client.get(format!("{base}/api/v1/work-orders?limit=200&after={cursor}")).bearer_auth(&p.factory_token).send().await?;
        expect(&res, &[200], "work-order pull")?;
        let page: serde_json::Value = res.json().await?;
        cursor = page["next"].as_str().ok_or("no cursor in the page")?.to_owned();
        if page["has_more"] != true {
            return Ok(cursor);
        }
    }
}

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().collect();
    let [_, base, push_url, out] = args.as_slice() else {
        return Err("usage: mixed_fixture BASE_URL PUSH_URL OUT_DIR".into());
    };
    let settings = atelier::config::Settings::from_env()?;
    let db = Db::connect(&settings.database)?;
    let p = prepare_database(&db, push_url)?;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let (staff, shop, cursor) = rt.block_on(async {
        let mut staff = vec![];
        for (i, (email, password)) in p.fitters.iter().enumerate() {
            staff.push(fitter(base, email, password, p.customers[i % p.customers.len()].0).await?);
        }
        let mut shop = vec![];
        for n in 0..env_usize("SHOP_CUSTOMERS", 16) {
            shop.push(shopper(base, n).await?);
        }
        let cursor = try_api(base, &p).await?;
        Ok::<_, Error>((staff, shop, cursor))
    })?;
    let lines = |rows: Vec<String>| rows.join("\n") + "\n";
    std::fs::write(format!("{out}/staff.tsv"), lines(staff.into_iter().map(|(c, t)| format!("{c}\t{t}")).collect()))?;
    std::fs::write(format!("{out}/shop.tsv"), lines(shop.into_iter().map(|(c, f)| format!("{c}\t{f}")).collect()))?;
    std::fs::write(format!("{out}/customers.tsv"), lines(p.customers.iter().map(|(id, r, n)| format!("{id}\t{r}\t{n}")).collect()))?;
    std::fs::write(format!("{out}/keys.env"), format!("KEY={}\nFACTORY_TOKEN={}\nSECRET={}\nPULL_CURSOR={cursor}\n", p.key, p.factory_token, p.secret))?;
    Ok(())
}
