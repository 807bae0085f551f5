//! Customer pages as last rendered, so that opening a page again, as fitters do all through a
//! visit, costs no database reads and no rendering until something on it changes.
//!
//! A page is kept per customer and language, with the counters it depends on
//! ([`crate::store::epoch`]): the customer's own (moved by every change to what the page
//! shows: the customer, preferences, contacts, measurements, orders and their statuses,
//! drafts, shop account, what was learned about them), and the topics of what it names (staff
//! and their sessions, stores and catalogs, value classes and recommendations). A kept page is
//! used while none of them has moved and it is younger than `ATELIER_CACHE_MS`; that time
//! bounds how long a change made by another process (a second instance on PostgreSQL, the
//! command line) can go unseen, as for every answer kept in memory.
//!
//! What differs between the people who open one page is not kept in it: the header (who is
//! signed in) is rendered each time, the session's CSRF token is put into the kept page's
//! forms as it is sent, and the merge and erase actions, which depend on the viewer's role,
//! make two kept variants.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::domain::customer::may_merge_or_erase;
use crate::domain::lang::Lang;
use crate::domain::staff::Authority;
use crate::store::epoch::{self, Topic};

/// What the page's template writes where the session's CSRF token goes. It holds `<`, which
/// no escaped text of the page can (askama writes `&lt;`), so it marks only those places.
pub const CSRF_SLOT: &str = "<csrf-token>";

/// Where the layout rendered around a kept part has it. Like [`CSRF_SLOT`], no escaped text
/// can hold it.
pub const BODY_SLOT: &str = "<kept-page-body>";

/// At most this many bytes of pages are kept; past it, the stale ones go, and if that is not
/// enough, all of them. A page is 10 to 60 kB (its timeline is cut at 50 entries).
const BUDGET: usize = 32 << 20;

/// The page's own part, between the header and the end, as rendered for a customer.
pub struct Rendered {
    /// The customer's name, for the page title.
    pub title: String,
    /// The part, split where the CSRF token goes.
    parts: Vec<String>,
}

impl Rendered {
    /// `html` as rendered with [`CSRF_SLOT`] for the token.
    pub fn new(title: String, html: &str) -> Self {
        Self { title, parts: html.split(CSRF_SLOT).map(str::to_owned).collect() }
    }

    /// The whole page, in one buffer of its final size: `shell` (the layout as rendered for
    /// this request, with [`BODY_SLOT`] where the page's own part goes) around the part, with
    /// `csrf` in its forms. A page is tens of kB, and every copy of it showed.
    pub fn page_in(&self, shell: &str, csrf: &str) -> String {
        let (head, tail) = shell.split_once(BODY_SLOT).unwrap_or((shell, ""));
        let len = head.len() + tail.len() + self.parts.iter().map(String::len).sum::<usize>() + csrf.len() * self.parts.len();
        let mut out = String::with_capacity(len);
        out.push_str(head);
        for (i, part) in self.parts.iter().enumerate() {
            if i > 0 {
                out.push_str(csrf);
            }
            out.push_str(part);
        }
        out.push_str(tail);
        out
    }

    fn bytes(&self) -> usize {
        self.title.len() + self.parts.iter().map(String::len).sum::<usize>()
    }
}

struct Kept {
    epoch: u64,
    at: Instant,
    home_store_id: Option<i64>,
    /// Without and with the merge and erase actions.
    pages: [Option<Arc<Rendered>>; 2],
}

impl Kept {
    fn bytes(&self) -> usize {
        self.pages.iter().flatten().map(|p| p.bytes()).sum()
    }
}

#[derive(Default)]
struct Pages {
    kept: HashMap<(i64, Lang), Kept>,
    /// What `kept` holds, counted as pages come and go rather than summed on every keep.
    bytes: usize,
}

/// Taken before a page is read: what it is kept with.
#[derive(Debug, Clone, Copy)]
pub struct Stamp {
    epoch: u64,
    at: Instant,
}

pub struct RenderedPages {
    ttl: Duration,
    /// What the page names beside the customer's own rows.
    topics: &'static [Topic],
    pages: RwLock<Pages>,
}

impl RenderedPages {
    /// A zero `ttl` keeps nothing.
    pub fn new(ttl: Duration) -> Self {
        Self::on(ttl, &[Topic::Identity, Topic::Settled, Topic::Learned])
    }

    fn on(ttl: Duration, topics: &'static [Topic]) -> Self {
        Self { ttl, topics, pages: RwLock::new(Pages::default()) }
    }

    /// Every counter the page depends on, summed: each only grows, so the sum moves whenever
    /// any of them does.
    fn epoch_of(&self, customer_id: i64) -> u64 {
        self.topics.iter().fold(epoch::customer(customer_id), |sum, t| sum.wrapping_add(epoch::current(*t)))
    }

    /// To be taken before reading what will be [`RenderedPages::keep`]-ed.
    pub fn stamp(&self, customer_id: i64) -> Stamp {
        Stamp { epoch: self.epoch_of(customer_id), at: Instant::now() }
    }

    /// The page as kept for this customer, language and viewer, if it may still be used.
    pub fn get(&self, customer_id: i64, lang: Lang, viewer: &Authority) -> Option<Arc<Rendered>> {
        if self.ttl.is_zero() {
            return None;
        }
        let pages = self.pages.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        let kept = pages.kept.get(&(customer_id, lang))?;
        if !self.is_fresh(kept, self.epoch_of(customer_id)) {
            return None;
        }
        kept.pages[usize::from(may_merge_or_erase(viewer, kept.home_store_id))].clone()
    }

    /// Keeps a page read after `stamp` was taken, unless something it shows changed since.
    pub fn keep(&self, customer_id: i64, lang: Lang, home_store_id: Option<i64>, may_merge_erase: bool, page: Arc<Rendered>, stamp: Stamp) {
        if self.ttl.is_zero() || stamp.epoch != self.epoch_of(customer_id) {
            return;
        }
        let mut pages = self.pages.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        let key = (customer_id, lang);
        let old = pages.kept.remove(&key);
        if let Some(k) = &old {
            pages.bytes -= k.bytes();
        }
        // The other variant, read with the same counters, stays.
        let mut kept = old
            .filter(|k| k.epoch == stamp.epoch && k.home_store_id == home_store_id && self.is_fresh(k, stamp.epoch))
            .unwrap_or(Kept { epoch: stamp.epoch, at: stamp.at, home_store_id, pages: [None, None] });
        kept.pages[usize::from(may_merge_erase)] = Some(page);
        let added = kept.bytes();
        if pages.bytes + added > BUDGET {
            pages.kept.retain(|&(id, _), k| self.is_fresh(k, self.epoch_of(id)));
            pages.bytes = pages.kept.values().map(Kept::bytes).sum();
            if pages.bytes + added > BUDGET {
                pages.kept.clear();
                pages.bytes = 0;
            }
        }
        pages.kept.insert(key, kept);
        pages.bytes += added;
    }

    fn is_fresh(&self, kept: &Kept, epoch: u64) -> bool {
        kept.epoch == epoch && kept.at.elapsed() < self.ttl
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::staff::Role;

    // Customer ids of their own (see the epoch tests), a slot apart from each other's.
    const A: i64 = -9_100_001;
    const B: i64 = -9_100_002;

    fn pages() -> RenderedPages {
        RenderedPages::on(Duration::from_secs(60), &[Topic::TestPages])
    }

    fn fitter() -> Authority {
        Authority { role: Role::Fitter, store_id: Some(1) }
    }

    fn page(html: &str) -> Arc<Rendered> {
        Arc::new(Rendered::new("Name".into(), html))
    }

    fn changed(customer_id: i64) {
        epoch::mark_customer(customer_id);
        epoch::publish();
    }

    #[test]
    fn the_token_goes_where_the_slot_was() {
        let r = Rendered::new("t".into(), "<csrf-token>a<csrf-token><csrf-token>b &lt;csrf-token&gt;<csrf-token>");
        assert_eq!(r.page_in("<h><kept-page-body></h>", "TOK"), "<h>TOKaTOKTOKb &lt;csrf-token&gt;TOK</h>");
        assert_eq!(Rendered::new("t".into(), "no forms").page_in("<kept-page-body>", "TOK"), "no forms");
    }

    #[test]
    fn a_kept_page_is_used_until_something_on_it_changes() {
        let p = pages();
        let stamp = p.stamp(A);
        p.keep(A, Lang::En, Some(1), false, page("a"), stamp);
        let stamp_b = p.stamp(B);
        p.keep(B, Lang::En, Some(1), false, page("b"), stamp_b);
        assert_eq!(p.get(A, Lang::En, &fitter()).map(|r| r.page_in(BODY_SLOT, "")), Some("a".into()));
        assert!(p.get(A, Lang::ZhCn, &fitter()).is_none(), "kept per language");

        changed(A);
        assert!(p.get(A, Lang::En, &fitter()).is_none(), "the customer changed");
        assert!(p.get(B, Lang::En, &fitter()).is_some(), "another customer's page stays");

        epoch::mark(Topic::TestPages);
        epoch::publish();
        assert!(p.get(B, Lang::En, &fitter()).is_none(), "something every page names changed");
    }

    #[test]
    fn a_page_read_while_its_customer_changed_is_not_kept() {
        let p = pages();
        let stamp = p.stamp(A + 10);
        changed(A + 10);
        p.keep(A + 10, Lang::En, None, false, page("old"), stamp);
        assert!(p.get(A + 10, Lang::En, &fitter()).is_none());
    }

    #[test]
    fn who_may_merge_and_erase_gets_the_page_with_those_actions() {
        let p = pages();
        let id = A + 20;
        let manager_here = Authority { role: Role::Manager, store_id: Some(7) };
        let manager_elsewhere = Authority { role: Role::Manager, store_id: Some(8) };
        p.keep(id, Lang::En, Some(7), false, page("plain"), p.stamp(id));
        assert!(p.get(id, Lang::En, &manager_here).is_none(), "only the plain page is kept yet");
        assert_eq!(p.get(id, Lang::En, &manager_elsewhere).map(|r| r.page_in(BODY_SLOT, "")), Some("plain".into()));
        p.keep(id, Lang::En, Some(7), true, page("with actions"), p.stamp(id));
        assert_eq!(p.get(id, Lang::En, &manager_here).map(|r| r.page_in(BODY_SLOT, "")), Some("with actions".into()));
        assert_eq!(p.get(id, Lang::En, &fitter()).map(|r| r.page_in(BODY_SLOT, "")), Some("plain".into()), "the other variant stays");
    }

    #[test]
    fn a_page_is_kept_only_for_its_time() {
        let p = RenderedPages::on(Duration::from_millis(30), &[Topic::TestPages]);
        p.keep(A + 30, Lang::En, None, false, page("a"), p.stamp(A + 30));
        assert!(p.get(A + 30, Lang::En, &fitter()).is_some());
        std::thread::sleep(Duration::from_millis(40));
        assert!(p.get(A + 30, Lang::En, &fitter()).is_none());
        let none = RenderedPages::on(Duration::ZERO, &[Topic::TestPages]);
        none.keep(A + 30, Lang::En, None, false, page("a"), none.stamp(A + 30));
        assert!(none.get(A + 30, Lang::En, &fitter()).is_none());
    }

    #[test]
    fn memory_stays_within_the_budget() {
        let p = pages();
        let big = "x".repeat(1 << 20);
        for i in 0..40 {
            let id = A + 100 + i;
            p.keep(id, Lang::En, None, false, page(&big), p.stamp(id));
        }
        let kept = p.pages.read().map(|g| g.bytes).unwrap_or(usize::MAX);
        assert!(kept <= BUDGET, "{kept} bytes kept");
        assert!(p.get(A + 139, Lang::En, &fitter()).is_some(), "the latest is kept");
    }
}
