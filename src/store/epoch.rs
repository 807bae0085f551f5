//! Counters of committed changes, one per topic, so that answers kept in memory (who is
//! signed in, which key belongs to which factory) can tell whether they may still be used.
//!
//! A store function that changes a topic calls [`mark`]; the counter moves only when the
//! database task that ran it has finished, i.e. after its commit. A reader takes the counter
//! with [`current`] *before* it loads, and keeps the value with what it loaded: if a change
//! commits while it loads, or at any time later, the counter has moved and the kept answer is
//! refused. Moving after the commit (not when the change is made) matters: a reader that
//! loaded the old row while the change was still uncommitted would otherwise keep it with the
//! new counter.
//!
//! The counters are per process: another process (a second app instance on PostgreSQL, the
//! command line) changes rows without moving them, which is why answers are also kept for a
//! bounded time only (`ATELIER_CACHE_MS`).

use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicU64, Ordering};

/// What a change is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    /// Sessions, staff accounts, customer accounts and their customers, factory API tokens,
    /// sales-channel keys: anything that decides who a request comes from and what it may do;
    /// and staff names, which pages show.
    Identity = 0,
    /// Rows written once and then only read: stores, catalog versions, measurement sets
    /// (a set never changes once taken; it goes with an erasure or moves with a merge).
    Settled = 1,
    /// Customer records: enrolled, changed, merged or erased (what the staff search lists).
    Customers = 2,
    /// What is learned from all customers' orders together: the item neighbours
    /// recommendations read and every customer's value class (each replaced whole by its
    /// scheduled refresh).
    Learned = 3,
    /// Moved by one test module each, so that tests running at once do not race each other
    /// or the store's own changes.
    #[cfg(test)]
    Test = 4,
    #[cfg(test)]
    TestMemo = 5,
    #[cfg(test)]
    TestPages = 6,
}

const TOPICS: usize = 7;

static COMMITTED: [AtomicU64; TOPICS] = [const { AtomicU64::new(0) }; TOPICS];

/// Counters of changes to what one customer's page shows (the customer's row, preferences,
/// contacts, measurement sets, orders and their statuses, drafts, shop account, what was
/// learned about them), by slot: a customer shares a slot with the customers whose ids
/// differ by a multiple of [`CUSTOMER_SLOTS`], which only costs them a reload now and then.
/// A fixed array rather than a map: no lock, and no memory that grows with the customers.
const CUSTOMER_SLOTS: usize = 4096;

static CUSTOMER: [AtomicU64; CUSTOMER_SLOTS] = [const { AtomicU64::new(0) }; CUSTOMER_SLOTS];

thread_local! {
    /// Topics changed by the database task running on this thread, not yet published.
    static PENDING: Cell<u32> = const { Cell::new(0) };
    /// Customers whose page the running task changes, not yet published.
    static PENDING_CUSTOMERS: RefCell<Vec<i64>> = const { RefCell::new(Vec::new()) };
}

fn slot(customer_id: i64) -> &'static AtomicU64 {
    &CUSTOMER[customer_id.rem_euclid(CUSTOMER_SLOTS as i64) as usize]
}

/// The counter of `topic`, to keep with an answer loaded after this call.
pub fn current(topic: Topic) -> u64 {
    COMMITTED[topic as usize].load(Ordering::Acquire)
}

/// The running database task changes `topic`; published when the task has finished.
pub fn mark(topic: Topic) {
    PENDING.with(|p| p.set(p.get() | 1 << topic as u32));
}

/// The counter of what `customer_id`'s page shows, to keep with a page loaded after this
/// call.
pub fn customer(customer_id: i64) -> u64 {
    slot(customer_id).load(Ordering::Acquire)
}

/// The running database task changes what `customer_id`'s page shows; published when the
/// task has finished.
pub fn mark_customer(customer_id: i64) {
    PENDING_CUSTOMERS.with(|p| p.borrow_mut().push(customer_id));
}

/// Moves the counters of the topics and customers this thread's finished task changed. Called
/// after every database task and transaction, committed or not: a rolled-back change moves
/// the counter needlessly, which only costs a reload.
pub(crate) fn publish() {
    PENDING_CUSTOMERS.with(|p| {
        let mut p = p.borrow_mut();
        for id in p.drain(..) {
            slot(id).fetch_add(1, Ordering::AcqRel);
        }
    });
    let pending = PENDING.with(|p| p.replace(0));
    if pending == 0 {
        return;
    }
    for (i, counter) in COMMITTED.iter().enumerate() {
        if pending & (1 << i) != 0 {
            counter.fetch_add(1, Ordering::AcqRel);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_moves_the_counter_only_once_published() {
        let before = current(Topic::Test);
        mark(Topic::Test);
        mark(Topic::Test);
        assert_eq!(current(Topic::Test), before, "not before the task has finished");
        publish();
        assert_eq!(current(Topic::Test), before + 1, "once per task, however many changes");
        publish();
        assert_eq!(current(Topic::Test), before + 1, "nothing pending any more");
    }

    #[test]
    fn a_customers_counter_moves_once_published_and_leaves_the_others() {
        // Ids far from those other tests' customers and from each other's slots.
        let (changed, other) = (-7_777_001, -7_777_002);
        let (before, other_before) = (customer(changed), customer(other));
        mark_customer(changed);
        assert_eq!(customer(changed), before, "not before the task has finished");
        publish();
        assert!(customer(changed) > before);
        assert_eq!(customer(other), other_before);
        assert_eq!(customer(changed + CUSTOMER_SLOTS as i64), customer(changed), "ids a slot apart share it");
    }
}
