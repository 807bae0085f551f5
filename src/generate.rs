//! Generated demo and load-test data. Rows go in whole batches, each in one transaction: an
//! interrupted run leaves complete batches and nothing half-written.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::domain::customer::phone_digits;
use crate::store::customers::{self, NewCustomer};
use crate::store::{Db, StoreError, now};

const GIVEN: &[&str] = &[
    "Ana", "José", "María", "Lucía", "Jürgen", "Müge", "Søren", "Zoë", "François", "Chloé", "Łukasz", "Ágnes",
    "John", "Emma", "Olivia", "Noah", "Liam", "Sophie", "Mateo", "Ingrid", "Björn", "Kai", "Aisha", "Omar",
    "Wei", "Li", "Mei", "Hiroshi", "Yuki", "Priya", "Arjun", "Fatma", "Mehmet", "Giulia", "Luca", "Nora",
];
const FAMILY: &[&str] = &[
    "Silva", "García", "Müller", "Schmidt", "Johnson", "Smith", "Nguyen", "Kowalski", "Novák", "Østergaard",
    "Dubois", "Lefèvre", "Rossi", "Bianchi", "Andersson", "Yılmaz", "Öztürk", "Papadopoulos", "Tanaka",
    "Suzuki", "Kim", "Park", "Patel", "Singh", "O'Brien", "MacLeod", "van der Berg", "de Jong", "Fernández",
];
const CHINESE: &[&str] = &["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄丽", "周杰", "吴婷"];

/// Inserts `count` generated customers in batches; calls `progress(done)` after each batch.
/// Stops after the current batch once `stop` is set.
pub fn customers(
    db: &Db,
    count: usize,
    seed: u64,
    stop: Arc<AtomicBool>,
    mut progress: impl FnMut(usize),
) -> Result<usize, StoreError> {
    const BATCH: usize = 500;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut done = 0;
    while done < count && !stop.load(Ordering::Relaxed) {
        let n = BATCH.min(count - done);
        let rows: Vec<(String, String, Option<String>, Option<String>)> = (0..n).map(|i| person(&mut rng, seed, done + i)).collect();
        db.write_blocking(|conn| -> Result<(), StoreError> {
            let at = now();
            for (reference, name, email, phone) in &rows {
                let digits = phone.as_deref().and_then(phone_digits);
                customers::insert(
                    conn,
                    &NewCustomer {
                        reference,
                        name,
                        email: email.as_deref(),
                        phone: phone.as_deref(),
                        phone_digits: digits.as_deref(),
                        home_store_id: None,
                        marketing_consent: false,
                        consent_changed_at: None,
                        preferred_channel: if email.is_some() { "email" } else { "phone" },
                        created_by_staff_id: None,
                        created_at: at,
                        updated_at: at,
                    },
                )?;
            }
            Ok(())
        })?;
        done += n;
        progress(done);
    }
    Ok(done)
}

fn person(rng: &mut StdRng, seed: u64, i: usize) -> (String, String, Option<String>, Option<String>) {
    let name = if rng.random_ratio(1, 10) {
        CHINESE[rng.random_range(0..CHINESE.len())].to_owned()
    } else {
        format!("{} {}", GIVEN[rng.random_range(0..GIVEN.len())], FAMILY[rng.random_range(0..FAMILY.len())])
    };
    // References from the run's seed and the row number: unique, and never like a real one.
    let reference = format!("GEN-{seed:X}-{i:07}");
    let ascii: String = deunicode::deunicode(&name).to_lowercase().split_whitespace().collect::<Vec<_>>().join(".");
    let email = (!rng.random_ratio(1, 5)).then(|| format!("{ascii}{i}@example.com"));
    let phone = (email.is_none() || rng.random_ratio(1, 2))
        .then(|| format!("+44 7{:03} {:06}", rng.random_range(0..1000), rng.random_range(0..1_000_000)));
    (reference, name, email, phone)
}
