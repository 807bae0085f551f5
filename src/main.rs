use anyhow::Context;

// Many small allocations on many threads (requests, JSON, diesel): mimalloc measured faster
// than the system allocator on the order-placement load test (BENCHMARKS.md). Without
// transparent huge pages (`no_thp`): with them, every page mimalloc purged and used again was
// a 2 MiB fault for the kernel to clear, 19 % of the customer page's CPU under load; turning
// them off made that page 20 % faster and the shop's product page up to 26 %.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use clap::{Parser, Subcommand};

use atelier::accounts::{self, CreateStaff};
use atelier::catalogs::{self, CatalogCache, ImportError, Imported};
use atelier::config::Settings;
use atelier::domain::staff::{Role, StaffEmail};
use atelier::store::Db;

/// Atelier: made-to-measure order configurator and production bridge.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Start the web server (the default): migrates the database and loads the demo data first.
    Serve,
    /// Create or update the database schema, then exit.
    Migrate,
    /// Create a staff account; prints a one-time password to replace at first sign-in.
    CreateStaff {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin, manager or fitter
        #[arg(long)]
        role: String,
        /// The code of the store a manager or fitter works in (e.g. DEMO).
        #[arg(long)]
        store: Option<String>,
    },
    /// Check catalog files and store each changed one as a new revision.
    ImportCatalog {
        /// TOML catalog files
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
    },
    /// Add generated customers (for trying things out and for load tests). Ctrl-C stops
    /// after the current batch of 500; nothing is half-written.
    GenerateCustomers {
        #[arg(long, default_value_t = 1000)]
        count: usize,
        /// Orders to generate for them, in all (spread unevenly; with feedback and complaints); needs the demo
        /// catalogs, which are loaded if missing.
        #[arg(long, default_value_t = 0)]
        orders: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Recompute every customer's figures from the order history, then value classes,
    /// segments and recommendations. Ctrl-C stops it with nothing changed.
    RebuildStats,
    /// Run the current catalogs over the anthropometric reference population (ANSUR II) and
    /// report who can be fitted, which sizes are derived, and what excludes the rest.
    CoverageReport {
        /// Only this catalog (its id, e.g. atelier-bicycles)
        #[arg(long)]
        catalog: Option<String>,
        /// en or zh-CN
        #[arg(long, default_value = "en")]
        lang: String,
    },
    /// Give a staff account a new one-time password (e.g. a lost first password).
    ResetPassword {
        #[arg(long)]
        email: String,
    },
    /// Print the newest mail waiting in the outbox (password-reset links), newest first:
    /// how to read customers' mail in development.
    MailOutbox {
        #[arg(long, default_value_t = 10)]
        limit: i64,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    atelier::telemetry::init("info,actix_server=warn");
    let settings = Settings::from_env()?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings),
        Command::Migrate => {
            Db::connect(&settings.database)?;
            println!("database is up to date");
            Ok(())
        }
        Command::CreateStaff { email, name, role, store } => {
            let db = Db::connect(&settings.database)?;
            let email = StaffEmail::parse(&email).map_err(|_| anyhow::anyhow!("that is not an email address"))?;
            let role = Role::parse(&role).context("role must be admin, manager or fitter")?;
            let password = accounts::one_time_password();
            accounts::create_staff_blocking(
                &db,
                &CreateStaff {
                    email: &email,
                    name: name.trim(),
                    role,
                    store_code: store.as_deref(),
                    password: &password,
                    must_change_password: true,
                },
            )?;
            println!("created {role} {}; one-time password: {password}", email.as_str());
            Ok(())
        }
        Command::GenerateCustomers { count, orders, seed } => generate_customers(&settings, count, orders, seed),
        Command::RebuildStats => rebuild_stats(&settings),
        Command::CoverageReport { catalog, lang } => coverage_report(&settings, catalog.as_deref(), &lang),
        Command::ImportCatalog { files } => import_catalogs(&settings, &files),
        Command::ResetPassword { email } => {
            let db = Db::connect(&settings.database)?;
            let password = accounts::one_time_password();
            accounts::reset_password_blocking(&db, &email, &password)?;
            println!("new one-time password for {}: {password}", email.trim().to_lowercase());
            Ok(())
        }
        Command::MailOutbox { limit } => {
            let db = Db::connect(&settings.database)?;
            let mails = db.write_blocking(|conn| atelier::store::mail_outbox::latest(conn, limit.max(1)).map_err(atelier::store::StoreError::from))?;
            if mails.is_empty() {
                println!("the mail outbox is empty");
            }
            for m in mails {
                println!("#{} {} to {}\nSubject: {}\n\n{}\n", m.id, m.created_at.format("%Y-%m-%d %H:%M:%S"), m.to_address, m.subject, m.body);
            }
            Ok(())
        }
    }
}

fn generate_customers(settings: &Settings, count: usize, orders: usize, seed: u64) -> anyhow::Result<()> {
    use std::io::Write;
    use std::sync::atomic::Ordering;
    let db = Db::connect(&settings.database)?;
    let stop = interrupt_flag()?;
    let mut histories = atelier::generate::Histories { orders, catalogs: vec![] };
    if orders > 0 {
        let cache = CatalogCache::default();
        catalogs::load_demo(&db, &cache).map_err(|e| anyhow::anyhow!("cannot load the demo catalogs: {e:?}"))?;
        for v in db.write_blocking(|conn| atelier::store::catalogs::current(conn).map_err(atelier::store::StoreError::from))? {
            let source = db
                .write_blocking(|conn| atelier::store::catalogs::source(conn, v.id).map_err(atelier::store::StoreError::from))?
                .map(|(_, s)| s)
                .context("catalog version vanished")?;
            let compiled = atelier::domain::catalog::CompiledCatalog::compile(&v.file_name, &source).map_err(|e| anyhow::anyhow!("{e}"))?;
            histories.catalogs.push((v.id, std::sync::Arc::new(compiled)));
        }
    }
    let started = std::time::Instant::now();
    let interactive = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let mut last_tenth = 0;
    let done = atelier::generate::customers(&db, count, seed, &histories, stop.clone(), |done| {
        let tenth = done * 10 / count.max(1);
        if interactive {
            eprint!("\r  {done} of {count} customers ({} %)", done * 100 / count.max(1));
            let _ = std::io::stderr().flush();
        } else if tenth > last_tenth {
            last_tenth = tenth;
            eprintln!("  {done} of {count} customers");
        }
    })?;
    if interactive {
        eprintln!();
    }
    let how = if stop.load(Ordering::Relaxed) { "interrupted after" } else { "done:" };
    println!(
        "{how} {} customers, {} orders, {} feedback and complaints in {:.1} s",
        done.customers,
        done.orders,
        done.contacts,
        started.elapsed().as_secs_f64()
    );
    if done.orders > 0 {
        if let Err(e) = db.write_blocking(atelier::learning::analyze) {
            eprintln!("planner statistics not updated: {e}");
        }
        println!("run `atelier rebuild-stats` to compute their figures");
    }
    if stop.load(Ordering::Relaxed) {
        std::process::exit(INTERRUPTED);
    }
    Ok(())
}

/// The exit status of a command stopped by Ctrl-C (as a shell reports SIGINT), so that a
/// script can tell an interrupted run from a finished one.
const INTERRUPTED: i32 = 130;

/// A flag Ctrl-C sets, for commands that stop cleanly between steps.
fn interrupt_flag() -> anyhow::Result<std::sync::Arc<std::sync::atomic::AtomicBool>> {
    let stop = atelier::learning::stop_flag();
    let flag = stop.clone();
    ctrlc::set_handler(move || flag.store(true, std::sync::atomic::Ordering::Relaxed)).context("cannot handle Ctrl-C")?;
    Ok(stop)
}

fn rebuild_stats(settings: &Settings) -> anyhow::Result<()> {
    use atelier::learning::{self, RebuildError};
    let db = Db::connect(&settings.database)?;
    let stop = interrupt_flag()?;
    let started = std::time::Instant::now();
    let mut last_tenth = -1;
    let rows = match learning::rebuild_all(&db, &stop, |done, of| {
        let tenth = done * 10 / of.max(1);
        if tenth > last_tenth {
            last_tenth = tenth;
            eprintln!("  customer figures: {} %", done * 100 / of.max(1));
        }
    }) {
        Ok(rows) => rows,
        Err(RebuildError::Interrupted) => {
            println!("interrupted: nothing was changed");
            std::process::exit(INTERRUPTED);
        }
        Err(RebuildError::Store(e)) => return Err(e.into()),
    };
    println!("customer figures: {rows} customer-months in {:.1} s", started.elapsed().as_secs_f64());
    // Each later step is a transaction of its own, a second or so: Ctrl-C stops between them.
    let interrupted = |after: &str| {
        if stop.load(std::sync::atomic::Ordering::Relaxed) {
            println!("interrupted after {after}; the rest is as it was (run rebuild-stats again, or wait for the hourly recompute)");
            std::process::exit(INTERRUPTED);
        }
    };
    interrupted("the customer figures");
    let t = settings.learning.thresholds;
    let started = std::time::Instant::now();
    let today = chrono::Utc::now().date_naive();
    let report = db.write_blocking(|conn| learning::classify_blocking(conn, today, t))?;
    println!("value classes and segments: {} customers in {:.1} s", report.customers, started.elapsed().as_secs_f64());
    interrupted("the value classes");
    let started = std::time::Instant::now();
    let pairs = db.write_blocking(|conn| learning::refresh_neighbours(conn, learning::NEIGHBOUR_ORDERS))?;
    println!("recommendations: {pairs} item pairs in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

fn coverage_report(settings: &Settings, only: Option<&str>, lang: &str) -> anyhow::Result<()> {
    let lang = atelier::domain::lang::Lang::parse(lang).context("--lang must be en or zh-CN")?;
    let db = Db::connect(&settings.database)?;
    let versions = db.write_blocking(|conn| atelier::store::catalogs::current(conn).map_err(atelier::store::StoreError::from))?;
    let mut shown = 0;
    for v in versions.iter().filter(|v| only.is_none_or(|c| c == v.catalog_code)) {
        let source = db
            .write_blocking(|conn| atelier::store::catalogs::source(conn, v.id).map_err(atelier::store::StoreError::from))?
            .map(|(_, s)| s)
            .context("catalog version vanished")?;
        let compiled = atelier::domain::catalog::CompiledCatalog::compile(&v.file_name, &source).map_err(|e| anyhow::anyhow!("{e}"))?;
        println!("== {} r{} ({})", v.catalog_code, v.revision, v.label);
        println!("{}", catalogs::coverage_text(&compiled, lang, 1).map_err(|e| anyhow::anyhow!(e))?);
        shown += 1;
    }
    if shown == 0 {
        match only {
            Some(code) if !versions.is_empty() => {
                let known: Vec<&str> = versions.iter().map(|v| v.catalog_code.as_str()).collect();
                anyhow::bail!("no catalog `{code}`; the catalogs are {}", known.join(", "))
            }
            _ => anyhow::bail!("no catalog to report on: import one first (atelier import-catalog FILE)"),
        }
    }
    Ok(())
}

fn import_catalogs(settings: &Settings, files: &[std::path::PathBuf]) -> anyhow::Result<()> {
    let db = Db::connect(&settings.database)?;
    let mut refused = 0;
    for path in files {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        match catalogs::import_blocking(&db, &name, &text, None) {
            Ok((Imported::New(v), _)) => println!("{name}: imported {} revision {} ({})", v.catalog_code, v.revision, v.label),
            Ok((Imported::Unchanged(v), _)) => println!("{name}: unchanged, same as {} revision {}", v.catalog_code, v.revision),
            Err(ImportError::Refused(report)) => {
                refused += 1;
                eprintln!("{report}");
            }
            Err(e @ ImportError::OlderRevision { .. }) => {
                refused += 1;
                eprintln!("{name}: not imported: {e}");
            }
            Err(ImportError::Store(e)) => return Err(e.into()),
        }
    }
    if refused > 0 {
        anyhow::bail!("{refused} catalog(s) refused");
    }
    Ok(())
}

#[actix_web::main]
async fn serve(settings: Settings) -> anyhow::Result<()> {
    let db = Db::connect(&settings.database)?;
    let cache = CatalogCache::default();
    if settings.seed_demo {
        catalogs::load_demo(&db, &cache)?;
        if let Some((email, password)) = accounts::seed_demo(&db)? {
            println!();
            println!("  First start: sign in at {}/staff as", settings.public_url);
            println!("    email:    {email}");
            println!("    password: {password}   (one-time: you choose your own at first sign-in)");
            println!();
        }
    }
    let app = atelier::Application::build_with(settings.clone(), db, cache)?;
    tracing::info!(addr = %settings.addr, "Atelier is listening on {}", settings.public_url);
    app.run_until_stopped().await?;
    Ok(())
}
