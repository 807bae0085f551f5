//! The staff search box and the duplicate warning, answered from memory.
//!
//! One index per process, fed from the database row by row, because a search must answer in a
//! few milliseconds while forgiving case, accents and typos, which SQL `LIKE` cannot do the same
//! way on SQLite and PostgreSQL. Folded words map to sorted posting lists of internal document
//! numbers; prefixes come from the sorted dictionary, typos from a deletion neighbourhood
//! (SymSpell) confirmed by a real Damerau–Levenshtein distance, and phones from their last digits.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;

use deunicode::deunicode_char;
use strsim::damerau_levenshtein;

/// A longer query is a paste, not a search; ignoring the rest bounds the work per keystroke.
const MAX_QUERY_TERMS: usize = 12;
/// Longer "words" are noise or abuse and would only bloat the dictionary.
const MAX_TOKEN_BYTES: usize = 64;
const MAX_TOKENS_PER_FIELD: usize = 48;
/// Deletion neighbourhoods grow with the square of the length.
const MAX_TYPO_CHARS: usize = 24;
const MAX_NAME_WORDS: usize = 6;
/// A prefix matching more words than this only filters the candidates of a narrower term,
/// unless every term is that wide.
const WIDE_PREFIX: usize = 2_000;
/// Checking a customer's own words costs about this many postings of a term.
const FILTER_RATIO: usize = 16;
/// Marks the joined form of a punctuated chunk ("at7k3x9q" for "AT-7K3X9Q"), matched only from
/// three typed characters on, or "a" would touch every reference.
const JOINED: char = '\u{1}';
const MIN_JOINED_PREFIX: usize = 3;
/// Marks whole emails and their domains, which only a query with an `@` looks for: as plain
/// words, every "jose.…@…" would make "jose" a prefix of thousands of unique words.
const EMAIL: char = '\u{3}';
/// Marks the last 4 and the last 7 digits of a phone: a query of any length then finds few
/// enough candidates to compare whole.
const PHONE_KEY: char = '\u{2}';
const MIN_PHONE_DIGITS: usize = 4;
/// Local numbers without an area code have 7–8 digits; fewer shared digits prove nothing.
const SAME_PHONE_DIGITS: usize = 8;

const EXACT: u32 = 100;
const TYPO: u32 = 60;
const DUP_EMAIL: u32 = 100;
const DUP_PHONE: u32 = 100;
const DUP_NAME: u32 = 60;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchDoc {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub reference: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub id: i64,
    /// Higher is better; comparable only within one result list.
    pub score: u32,
}

#[derive(Default)]
pub struct CustomerIndex {
    docs: Vec<Option<Doc>>,
    free_docs: Vec<u32>,
    by_id: HashMap<i64, u32, Fast>,
    tokens: Vec<Token>,
    free_tokens: Vec<u32>,
    dict: BTreeMap<Box<str>, u32>,
    deletions: HashMap<u64, Vec<u32>, Fast>,
}

/// The maps' keys are ids and FNV hashes this module computes, looked up dozens of times per
/// search: SipHash was a twentieth of a search page. foldhash is still seeded per process.
type Fast = foldhash::fast::RandomState;

struct Doc {
    id: i64,
    tokens: Vec<u32>,
    name_tokens: Vec<u32>,
    phone: Option<String>,
    name: String,
}

#[derive(Default)]
struct Token {
    text: Box<str>,
    postings: Vec<u32>,
    /// Only words of names are typo targets: emails and references are mostly unique strings
    /// whose neighbourhoods would multiply memory for matches nobody wants.
    name_refs: u32,
}

/// One query word: every term must match the customer (AND), each in any field.
struct Term {
    word: String,
    phone: Option<String>,
}

struct TermMatch<'a> {
    term: &'a Term,
    tokens: Vec<(u32, u32)>,
    typos: Vec<(u32, u32)>,
    cost: usize,
}

impl CustomerIndex {
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// Replaces any earlier version of the same id; only the words that changed are touched.
    pub fn upsert(&mut self, doc: &SearchDoc) {
        let (texts, name_texts, phone) = doc_token_texts(doc);
        let tokens = self.intern_all(&texts);
        let name_tokens = self.intern_all(&name_texts);
        let slot = match self.by_id.get(&doc.id) {
            Some(&slot) => slot,
            None => place(&mut self.docs, &mut self.free_docs, None),
        };
        self.by_id.insert(doc.id, slot);
        let old = self.docs[slot as usize].take();
        self.reindex(slot, old.as_ref(), &tokens, &name_tokens);
        let (id, name) = (doc.id, fold(&doc.name));
        self.docs[slot as usize] = Some(Doc {
            id,
            tokens,
            name_tokens,
            phone,
            name,
        });
    }

    pub fn remove(&mut self, id: i64) {
        if let Some(slot) = self.by_id.remove(&id) {
            let old = self.docs[slot as usize].take();
            self.reindex(slot, old.as_ref(), &[], &[]);
            self.free_docs.push(slot);
        }
    }

    /// Every query word must match some field: exactly, as a prefix, or within 1 edit (4+
    /// characters) or 2 edits (8+). Ordered by score, then id, so equal input gives equal output.
    pub fn search(&self, query: &str, limit: usize) -> Vec<Hit> {
        self.rank(self.matching(query), limit)
    }

    /// Customers that are probably the same person: the same email, the same phone however
    /// written, or a full name within the typos a search forgives, word order ignored. An
    /// existing customer's own id is among the hits; the caller leaves it out.
    pub fn likely_duplicates(
        &self,
        name: &str,
        email: Option<&str>,
        phone: Option<&str>,
        limit: usize,
    ) -> Vec<Hit> {
        let mut scores: HashMap<u32, u32> = HashMap::new();
        let email = email
            .map(normalize_email)
            .filter(|e| e.find('@').is_some_and(|at| at > 0));
        let email = email.and_then(|e| self.dict.get(&*format!("{EMAIL}{e}")));
        for &d in email.map_or(&[][..], |&t| self.postings(t)) {
            *scores.entry(d).or_default() += DUP_EMAIL;
        }
        let phone = phone.map(|p| phone_tail(&normalize_phone(p)));
        let same_phone = self.phone_docs(phone.as_deref()).into_iter();
        for (d, _) in same_phone.filter(|&(_, score)| score == EXACT) {
            *scores.entry(d).or_default() += DUP_PHONE;
        }
        let folded = fold(name);
        let words = split_words(&folded);
        for (d, _) in self.matching(&folded) {
            let other = self.docs[d as usize]
                .as_ref()
                .map(|doc| split_words(&doc.name));
            if let Some(edits) = name_edits(&words, &other.unwrap_or_default()) {
                *scores.entry(d).or_default() += DUP_NAME - 10 * edits;
            }
        }
        self.rank(scores, limit)
    }

    fn intern_all(&mut self, texts: &[String]) -> Vec<u32> {
        let mut ids: Vec<u32> = texts.iter().map(|t| self.intern(t)).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    fn intern(&mut self, text: &str) -> u32 {
        if let Some(&t) = self.dict.get(text) {
            return t;
        }
        let token = Token {
            text: text.into(),
            ..Token::default()
        };
        let t = place(&mut self.tokens, &mut self.free_tokens, token);
        self.dict.insert(text.into(), t);
        t
    }

    /// Applies the difference between a document's old and new words; a word nobody uses any
    /// more is forgotten, so a long-running process does not accumulate them.
    fn reindex(&mut self, slot: u32, old: Option<&Doc>, tokens: &[u32], names: &[u32]) {
        let (old_tokens, old_names) =
            old.map_or((&[][..], &[][..]), |d| (&d.tokens[..], &d.name_tokens[..]));
        for &t in added(tokens, old_tokens) {
            insert_sorted(&mut self.tokens[t as usize].postings, slot);
        }
        for &t in added(names, old_names) {
            self.count_name(t, true);
        }
        for &t in added(old_names, names) {
            self.count_name(t, false);
        }
        for &t in added(old_tokens, tokens) {
            let postings = &mut self.tokens[t as usize].postings;
            remove_sorted(postings, slot);
            if postings.is_empty() {
                let token = std::mem::take(&mut self.tokens[t as usize]);
                self.dict.remove(&token.text);
                self.free_tokens.push(t);
            }
        }
    }

    /// Keeps the deletion keys of a name word while at least one name uses it.
    fn count_name(&mut self, t: u32, up: bool) {
        let token = &mut self.tokens[t as usize];
        let before = token.name_refs;
        token.name_refs = (before + u32::from(up)).saturating_sub(u32::from(!up));
        let chars: Vec<char> = token.text.chars().collect();
        if (before == 0) == (token.name_refs == 0) || !is_typo_word(&chars) {
            return;
        }
        for key in deletion_keys(&chars, edit_budget(chars.len())) {
            if up {
                insert_sorted(self.deletions.entry(key).or_default(), t);
            } else if let Entry::Occupied(mut keyed) = self.deletions.entry(key) {
                remove_sorted(keyed.get_mut(), t);
                if keyed.get().is_empty() {
                    keyed.remove();
                }
            }
        }
    }

    fn postings(&self, t: u32) -> &[u32] {
        &self.tokens[t as usize].postings
    }

    /// Slots of the customers that match every term, with their summed scores. The narrowest
    /// term gives the candidates; each other term either spreads its own postings or, when it
    /// would touch many more customers than remain, checks each remaining one's own words.
    fn matching(&self, query: &str) -> Vec<(u32, u32)> {
        let terms = parse_query(query);
        let mut matches: Vec<TermMatch> = terms
            .iter()
            .map(|t| self.match_term(t, WIDE_PREFIX))
            .collect();
        matches.sort_by_key(|m| m.cost);
        let mut found: Option<Vec<(u32, u32)>> = None;
        for m in &matches {
            let remaining = found.as_ref().map_or(usize::MAX, Vec::len);
            let widened = m.cost == usize::MAX && remaining > WIDE_PREFIX;
            let full = widened.then(|| self.match_term(m.term, usize::MAX));
            let m = full.as_ref().unwrap_or(m);
            match found.as_mut() {
                Some(found) if m.cost > remaining.saturating_mul(FILTER_RATIO) => {
                    found.retain_mut(|(d, score)| add_score(score, self.score_doc(m, *d)));
                }
                Some(found) => {
                    let scores = self.spread(m);
                    let score_of = |d: u32| scores.binary_search_by_key(&d, |p| p.0).map_or(0, |i| scores[i].1);
                    found.retain_mut(|(d, score)| add_score(score, score_of(*d)));
                }
                None => found = Some(self.spread(m)),
            }
        }
        found.unwrap_or_default()
    }

    /// A term whose prefix matches more than `max_prefixes` words costs `usize::MAX`.
    fn match_term<'a>(&self, term: &'a Term, max_prefixes: usize) -> TermMatch<'a> {
        let word = term.word.as_str();
        let typos = self.typo_tokens(word, edit_budget(word.chars().count()));
        let typos: Vec<(u32, u32)> = typos
            .into_iter()
            .map(|(t, d)| (t, TYPO - 15 * d as u32))
            .collect();
        let prefixed = self.prefixed(word, max_prefixes);
        let wide = prefixed.is_none();
        let mut tokens = prefixed.unwrap_or_default();
        tokens.extend_from_slice(&typos);
        let phone = term
            .phone
            .as_deref()
            .and_then(|q| self.dict.get(&*phone_key(q)));
        let postings = tokens.iter().map(|p| &p.0).chain(phone);
        let cost = postings.map(|&t| self.postings(t).len()).sum();
        let cost = if wide { usize::MAX } else { cost };
        TermMatch {
            term,
            tokens,
            typos,
            cost,
        }
    }

    fn prefixed(&self, word: &str, max: usize) -> Option<Vec<(u32, u32)>> {
        let mut found = Vec::new();
        let joined = (word.len() >= MIN_JOINED_PREFIX).then(|| marked(JOINED, word));
        let starts = [Some(word).filter(|w| !w.is_empty()), joined.as_deref()];
        for from in starts.into_iter().flatten() {
            // Read on from the first word at or after the prefix while it matches: one descent
            // of the dictionary instead of two for a range with an upper bound.
            let range = (Bound::Included(from), Bound::Unbounded);
            let words = self.dict.range::<str, _>(range).take_while(|(text, _)| text.starts_with(from));
            for (text, &t) in words {
                if found.len() == max {
                    return None;
                }
                let len = text.len() + word.len() - from.len();
                found.push((t, prefix_score(word.len(), len)));
            }
        }
        Some(found)
    }

    /// Candidate words come from shared deletions; the distance check removes false friends.
    /// Words the prefix finds anyway are left out.
    fn typo_tokens(&self, word: &str, budget: usize) -> Vec<(u32, usize)> {
        let chars: Vec<char> = word.chars().collect();
        if budget == 0 || !is_typo_word(&chars) {
            return Vec::new();
        }
        let mut candidates = Vec::new();
        for key in deletion_keys(&chars, budget) {
            candidates.extend(self.deletions.get(&key).into_iter().flatten());
        }
        candidates.sort_unstable();
        candidates.dedup();
        // The distance allocates a table per word: skip it where the answer is known. A word
        // starting with this one is a prefix match, and each edit changes the length by at most
        // one character.
        let worth = |t: &u32| {
            let text = &*self.tokens[*t as usize].text;
            !text.starts_with(word) && text.chars().count().abs_diff(chars.len()) <= budget
        };
        let distance = |t: u32| damerau_levenshtein(word, &self.tokens[t as usize].text);
        let near = candidates.into_iter().filter(worth).map(|t| (t, distance(t)));
        near.filter(|&(_, d)| (1..=budget).contains(&d)).collect()
    }

    fn phone_docs(&self, q: Option<&str>) -> Vec<(u32, u32)> {
        let Some(q) = q.filter(|q| q.len() >= MIN_PHONE_DIGITS) else {
            return Vec::new();
        };
        let key = self.dict.get(&*phone_key(q));
        let score = |d: u32| phone_score(self.docs[d as usize].as_ref()?.phone.as_deref()?, q);
        let slots = key.map_or(&[][..], |&t| self.postings(t));
        slots.iter().filter_map(|&d| Some((d, score(d)?))).collect()
    }

    /// Each customer's best score for the term, as `(slot, score)` sorted by slot. Sparse: a
    /// dense array as long as the index, zeroed per term, cost more than the search itself
    /// (fresh pages to clear) once there are a few hundred thousand customers.
    fn spread(&self, m: &TermMatch) -> Vec<(u32, u32)> {
        let postings = |&(t, s): &(u32, u32)| self.postings(t).iter().map(move |&d| (d, s));
        let phones = self.phone_docs(m.term.phone.as_deref());
        let mut found: Vec<(u32, u32)> = m.tokens.iter().flat_map(postings).chain(phones).collect();
        // Highest score first within a slot, so that dedup keeps it.
        found.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        found.dedup_by_key(|p| p.0);
        found
    }

    /// The same score as `spread` gives, read from one document's own words.
    fn score_doc(&self, m: &TermMatch, d: u32) -> u32 {
        let Some(doc) = &self.docs[d as usize] else {
            return 0;
        };
        let phone = m.term.phone.as_deref().zip(doc.phone.as_deref());
        let phone = phone.and_then(|(q, tail)| phone_score(tail, q));
        let words = doc.tokens.iter().map(|&t| self.token_score(m, t));
        words.chain(phone).max().unwrap_or(0)
    }

    fn token_score(&self, m: &TermMatch, t: u32) -> u32 {
        let (text, word) = (&*self.tokens[t as usize].text, m.term.word.as_str());
        let plain = match text.strip_prefix(JOINED) {
            Some(joined) => Some(joined).filter(|_| word.len() >= MIN_JOINED_PREFIX),
            None => Some(text),
        };
        let prefix = plain.filter(|p| !word.is_empty() && p.starts_with(word));
        let prefix = prefix.map(|p| prefix_score(word.len(), p.len()));
        let typo = m.typos.binary_search_by_key(&t, |p| p.0).ok();
        prefix.max(typo.map(|i| m.typos[i].1)).unwrap_or(0)
    }

    fn rank(&self, found: impl IntoIterator<Item = (u32, u32)>, limit: usize) -> Vec<Hit> {
        let hit = |(d, score): (u32, u32)| {
            Some(Hit {
                id: self.docs[d as usize].as_ref()?.id,
                score,
            })
        };
        let mut hits: Vec<Hit> = found.into_iter().filter_map(hit).collect();
        let order = |a: &Hit, b: &Hit| b.score.cmp(&a.score).then(a.id.cmp(&b.id));
        if hits.len() > limit {
            hits.select_nth_unstable_by(limit, order);
            hits.truncate(limit);
        }
        hits.sort_unstable_by(order);
        hits
    }
}

/// Lowercase, accents removed (é→e, ß→ss, ø→o), whitespace collapsed. Chinese, Japanese and
/// Korean characters are kept: transliterating them would merge homophones (张/章 → zhang).
/// Symbols such as emoji become spaces: their names ("grinning") are nobody's name.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut gap = false;
    let mut push = |c: char| {
        if c.is_whitespace() || c.is_control() {
            gap = true;
        } else {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            out.push(c.to_ascii_lowercase());
        }
    };
    for c in s.chars() {
        // Most text is ASCII: no transliteration to look up.
        if c.is_ascii() || is_ideograph(c) {
            push(c);
            continue;
        }
        let t = deunicode_char(c);
        let spelled = t.is_some_and(|t| t.chars().any(|x| x.is_ascii_alphanumeric()));
        match (c.is_alphanumeric(), spelled) {
            (true, true) | (false, false) => t.unwrap_or(" ").chars().for_each(&mut push),
            // A letter spelled without letters (Ə → "@") stays itself rather than vanish.
            (true, false) => c.to_lowercase().for_each(&mut push),
            (false, true) => push(' '),
        }
    }
    out
}

/// Digits only, with a leading `+` for an international number ("00" counts as "+"), without
/// the trunk "(0)" written inside one: "+44 (0)20 7946 0958" → "+442079460958".
pub fn normalize_phone(s: &str) -> String {
    let s = s.trim_start();
    let international = s.starts_with('+') || s.starts_with("00");
    let body = s.replacen("(0)", "", usize::from(international));
    let digits: String = body.chars().filter(char::is_ascii_digit).collect();
    let digits = &digits[if s.starts_with("00") { 2 } else { 0 }..];
    match (international, digits.is_empty()) {
        (_, true) => String::new(),
        (true, false) => format!("+{digits}"),
        (false, false) => digits.to_owned(),
    }
}

/// The form in which emails are compared: folded, without whitespace.
pub fn normalize_email(s: &str) -> String {
    let mut folded = fold(s);
    folded.retain(|c| !c.is_whitespace());
    folded
}

/// The digits after any country code or trunk zero: "+49 171 …" ends with the tail of "0171 …".
fn phone_tail(normalized: &str) -> String {
    let national = normalized.strip_prefix('0').unwrap_or(normalized);
    normalized.strip_prefix('+').unwrap_or(national).to_owned()
}

fn phone_score(tail: &str, q: &str) -> Option<u32> {
    let long_enough = tail.len().min(q.len()) >= SAME_PHONE_DIGITS;
    if long_enough && (tail.ends_with(q) || q.ends_with(tail)) {
        Some(EXACT)
    } else {
        tail.ends_with(q).then(|| 50 + 4 * q.len() as u32)
    }
}

/// The key a query of these digits looks up; a document is stored under both lengths.
fn phone_key(digits: &str) -> String {
    let k = if digits.len() < 7 {
        MIN_PHONE_DIGITS
    } else {
        7
    };
    marked(PHONE_KEY, &digits[digits.len().saturating_sub(k)..])
}

fn is_ideograph(c: char) -> bool {
    matches!(c as u32, 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF
        | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// Words of a folded text; each ideograph is a word of its own, as Chinese names have no spaces.
fn split_words(folded: &str) -> Vec<&str> {
    let mut words = Vec::new();
    let mut start = None;
    for (i, c) in folded.char_indices() {
        let ideograph = is_ideograph(c);
        if c.is_alphanumeric() && !ideograph {
            start.get_or_insert(i);
            continue;
        }
        words.extend(start.take().map(|b| &folded[b..i]));
        if ideograph {
            words.push(&folded[i..i + c.len_utf8()]);
        }
    }
    words.extend(start.map(|b| &folded[b..]));
    words
}

/// All words, the words of the name alone, and the phone's tail.
fn doc_token_texts(doc: &SearchDoc) -> (Vec<String>, Vec<String>, Option<String>) {
    let mut names = Vec::new();
    text_tokens(&doc.name, &mut names);
    let mut all = names.clone();
    text_tokens(&doc.reference, &mut all);
    let email = doc
        .email
        .as_deref()
        .map(normalize_email)
        .unwrap_or_default();
    let start = all.len();
    push_token(&mut all, &format!("{EMAIL}{email}"));
    if let Some((local, domain)) = email.rsplit_once('@') {
        split_words(local)
            .into_iter()
            .for_each(|w| push_token(&mut all, w));
        push_token(&mut all, &format!("{EMAIL}@{domain}"));
        split_words(domain)
            .into_iter()
            .for_each(|w| push_token(&mut all, w));
    }
    all.truncate(start + MAX_TOKENS_PER_FIELD);
    let phone = doc
        .phone
        .as_deref()
        .map(|p| phone_tail(&normalize_phone(p)));
    let phone = phone.filter(|t| t.len() >= MIN_PHONE_DIGITS);
    if let Some(p) = &phone {
        all.push(phone_key(&p[p.len() - MIN_PHONE_DIGITS..]));
        all.extend((p.len() >= 7).then(|| phone_key(&p[p.len() - 7..])));
    }
    (all, names, phone)
}

/// German writes ü as "ue" when the letter is missing, so "Mueller" finds "Müller" exactly.
fn text_tokens(raw: &str, out: &mut Vec<String>) {
    let start = out.len();
    for chunk in raw.split_whitespace().take(MAX_TOKENS_PER_FIELD) {
        add_chunk(&fold(chunk), out);
        let spelled = chunk.replace(['ä', 'Ä'], "ae").replace(['ö', 'Ö'], "oe");
        let spelled = spelled.replace(['ü', 'Ü'], "ue");
        if spelled != chunk {
            add_chunk(&fold(&spelled), out);
        }
    }
    out.truncate(start + MAX_TOKENS_PER_FIELD);
}

/// The words of a chunk, the pinyin of Chinese characters ("zhang wei" finds 张伟), and the
/// chunk joined ("jean-luc" → "jeanluc") for people who type it without the punctuation.
fn add_chunk(folded: &str, out: &mut Vec<String>) {
    let words = split_words(folded);
    let mut joined = String::from(JOINED);
    for w in &words {
        push_token(out, w);
        let ideograph = w.chars().next().filter(|&c| is_ideograph(c));
        let pinyin = ideograph
            .and_then(deunicode_char)
            .map(|p| p.trim().to_ascii_lowercase());
        let pinyin = pinyin.filter(|p| p.bytes().all(|b| b.is_ascii_alphanumeric()));
        joined.push_str(pinyin.as_deref().unwrap_or(w));
        pinyin.into_iter().for_each(|p| push_token(out, &p));
    }
    if words.len() > 1 {
        push_token(out, &joined);
    }
}

fn push_token(out: &mut Vec<String>, w: &str) {
    if !w.is_empty() && w.len() <= MAX_TOKEN_BYTES {
        out.push(w.to_owned());
    }
}

/// Whitespace separates words, except inside a phone number ("0171 555 1234" is one term); an
/// email is matched whole, so "ana@" means "starts with ana@".
fn parse_query(query: &str) -> Vec<Term> {
    let chunks: Vec<&str> = query.split_whitespace().collect();
    let mut terms = Vec::new();
    let mut i = 0;
    while i < chunks.len() && terms.len() < MAX_QUERY_TERMS {
        let chunk = chunks[i];
        let run = chunks[i..].iter().take_while(|c| is_phoneish(c)).count();
        let phone = normalize_phone(&chunks[i..i + run].join(" "));
        let digits = phone.trim_start_matches('+');
        i += 1;
        if chunk.contains('@') {
            let email = normalize_email(chunk);
            let email = email.trim_matches(|c: char| "<>()[],;:\"'".contains(c));
            terms.push(Term {
                word: marked(EMAIL, email),
                phone: None,
            });
        } else if digits.len() >= MIN_PHONE_DIGITS {
            // Short digits are the end of a number as typed; longer ones may start with a trunk 0.
            let tail = if digits.len() < 7 {
                digits.to_owned()
            } else {
                phone_tail(&phone)
            };
            let digits_only = run == 1 && chunk.bytes().all(|b| b.is_ascii_digit());
            let word = if digits_only {
                chunk.to_owned()
            } else {
                String::new()
            };
            terms.push(Term {
                word,
                phone: Some(tail),
            });
            i += run - 1;
        } else {
            let words = split_words(&fold(chunk))
                .into_iter()
                .map(str::to_owned)
                .collect::<Vec<_>>();
            terms.extend(words.into_iter().map(|word| Term { word, phone: None }));
        }
    }
    terms.truncate(MAX_QUERY_TERMS);
    terms
}

/// `text` after a marker character (without `format!`, which showed in the search's profile).
fn marked(marker: char, text: &str) -> String {
    let mut out = String::with_capacity(text.len() + marker.len_utf8());
    out.push(marker);
    out.push_str(text);
    out
}

fn is_phoneish(chunk: &&str) -> bool {
    let phone_byte = |b: u8| b.is_ascii_digit() || b"+()-./".contains(&b);
    chunk.bytes().any(|b| b.is_ascii_digit()) && chunk.bytes().all(phone_byte)
}

fn prefix_score(query_len: usize, token_len: usize) -> u32 {
    if query_len == token_len {
        EXACT
    } else {
        50 + (40 * query_len / token_len.max(1)) as u32
    }
}

/// One edit from 4 characters, two from 8.
fn edit_budget(chars: usize) -> usize {
    usize::from(chars >= 4) + usize::from(chars >= 8)
}

fn is_typo_word(chars: &[char]) -> bool {
    (3..=MAX_TYPO_CHARS).contains(&chars.len())
        && chars.iter().all(|&c| c.is_alphabetic() && !is_ideograph(c))
}

/// The word and its variants with up to `depth` characters deleted, hashed. A word is stored
/// under the depth its own length allows and a query looks up its own deletions, so two words
/// within the budget always share a key.
fn deletion_keys(chars: &[char], depth: usize) -> Vec<u64> {
    let n = chars.len();
    let mut keys = Vec::with_capacity(1 + n * (n + 1) / 2);
    keys.push(fnv(FNV_START, chars));
    // A variant hashes as the prefix before its first deletion, then the rest: the prefixes'
    // hashes are shared by every variant that starts with them.
    let mut before_i = FNV_START;
    for i in (0..n).filter(|_| depth >= 1) {
        keys.push(fnv(before_i, &chars[i + 1..]));
        let mut before_j = before_i;
        for j in (i + 1..n).filter(|_| depth >= 2) {
            keys.push(fnv(before_j, &chars[j + 1..]));
            before_j = fnv(before_j, &chars[j..=j]);
        }
        before_i = fnv(before_i, &chars[i..=i]);
    }
    keys.sort_unstable();
    keys.dedup();
    keys
}

const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a, continued from `h`: deterministic and cheap; a collision only adds a candidate the
/// distance check drops.
fn fnv(h: u64, chars: &[char]) -> u64 {
    chars.iter().fold(h, |h, &c| (h ^ u64::from(u32::from(c))).wrapping_mul(0x0000_0100_0000_01b3))
}

/// Total edits between two names, word order ignored; `None` unless each word pairs with one
/// within the budget of the shorter and the whole stays within two edits.
fn name_edits(a: &[&str], b: &[&str]) -> Option<u32> {
    if a.is_empty() || a.len() != b.len() || a.len() > MAX_NAME_WORDS {
        return None;
    }
    let mut used = vec![false; b.len()];
    let mut total = 0;
    for w in a {
        let budget = |x: &str| edit_budget(x.chars().count().min(w.chars().count()));
        let pairs = b
            .iter()
            .enumerate()
            .map(|(i, x)| (damerau_levenshtein(w, x), i, budget(x)));
        let (d, i, _) = pairs.filter(|&(d, i, max)| !used[i] && d <= max).min()?;
        used[i] = true;
        total += d;
    }
    (total <= 2).then_some(total as u32)
}

/// Freed slots are reused first, so the slot vectors stay as long as the live data.
fn place<T>(items: &mut Vec<T>, free: &mut Vec<u32>, item: T) -> u32 {
    let Some(slot) = free.pop() else {
        items.push(item);
        return (items.len() - 1) as u32;
    };
    items[slot as usize] = item;
    slot
}

fn add_score(score: &mut u32, term_score: u32) -> bool {
    *score += term_score;
    term_score > 0
}

fn added<'a>(new: &'a [u32], old: &'a [u32]) -> impl Iterator<Item = &'a u32> + 'a {
    new.iter().filter(move |t| old.binary_search(t).is_err())
}

fn insert_sorted(list: &mut Vec<u32>, x: u32) {
    if let Err(at) = list.binary_search(&x) {
        list.insert(at, x);
    }
}

fn remove_sorted(list: &mut Vec<u32>, x: u32) {
    if let Ok(at) = list.binary_search(&x) {
        list.remove(at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn doc(id: i64, name: &str, email: &str, phone: &str, reference: &str) -> SearchDoc {
        let some = |s: &str| Some(s.to_owned()).filter(|s| !s.is_empty());
        let (name, reference) = (name.to_owned(), reference.to_owned());
        SearchDoc {
            id,
            name,
            email: some(email),
            phone: some(phone),
            reference,
        }
    }

    fn index(docs: &[SearchDoc]) -> CustomerIndex {
        let mut index = CustomerIndex::default();
        docs.iter().for_each(|d| index.upsert(d));
        index
    }

    fn named(names: &[&str]) -> CustomerIndex {
        let doc = |(id, name): (i64, &&str)| doc(id, name, "", "", &format!("AT-{id:06}"));
        index(&(1..).zip(names).map(doc).collect::<Vec<_>>())
    }

    fn ids(index: &CustomerIndex, query: &str) -> Vec<i64> {
        index.search(query, 10).into_iter().map(|h| h.id).collect()
    }

    /// Cases as "query → ids in order | …", one table per behaviour.
    fn expect(index: &CustomerIndex, cases: &str) {
        for case in cases.split(" | ") {
            let (query, want) = case.split_once('→').unwrap();
            let want: Vec<i64> = want
                .split_whitespace()
                .map(|id| id.parse().unwrap())
                .collect();
            assert_eq!(ids(index, query.trim()), want, "{query}");
        }
    }

    fn holds_nothing(index: &CustomerIndex) -> bool {
        index.dict.is_empty() && index.deletions.is_empty() && index.is_empty()
    }

    #[test]
    fn folding_lowercases_strips_accents_and_collapses_whitespace() {
        assert_eq!(fold("  José   MÜLLER\tStraße "), "jose muller strasse");
        assert_eq!(fold("Ærø Øster Łódź Jose\u{301}"), "aero oster lodz jose");
        assert_eq!(fold("张伟 Anna 🌸 Lee"), "张伟 anna lee");
    }

    #[test]
    fn case_and_accents_do_not_matter() {
        let index = named(&[
            "José García",
            "Anna Müller",
            "Jörg Schröder",
            "Hans Mueller",
        ]);
        expect(&index, "josé → 1 | Jose GARCIA → 1 | joerg schroeder → 3");
        expect(&index, "müller → 2 4 | muller → 2 4 | Mueller → 2 4");
    }

    #[test]
    fn chinese_names_are_found_in_characters_and_in_pinyin() {
        let index = named(&["张伟", "章伟", "王芳"]);
        expect(
            &index,
            "张伟 → 1 | 王 → 3 | zhang wei → 1 2 | zhangwei → 1 2",
        );
    }

    #[test]
    fn a_prefix_finds_every_word_it_starts_and_a_full_word_ranks_first() {
        let index = named(&["Maria Lopez", "Marek Nowak", "Mar Vidal", "Tomas Amar"]);
        expect(&index, "mar → 3 1 2 | Ma → 3 1 2");
    }

    #[test]
    fn every_query_word_must_match_but_each_may_match_any_field() {
        let index = index(&[
            doc(
                1,
                "Maria Lopez",
                "ml@example.com",
                "+34 612 345 678",
                "AT-7K3X9Q",
            ),
            doc(2, "Maria Silva", "maria.silva@mail.pt", "", "AT-11AA22"),
        ]);
        expect(
            &index,
            "maria → 1 2 | maria lopez → 1 | maria 5678 → 1 | maria at-7k3 → 1",
        );
        expect(&index, "maria mail → 2 | maria nowak →");
    }

    #[test]
    fn one_typo_is_forgiven_from_four_letters_and_two_from_eight() {
        let index = named(&["Peter Johnson", "Lena Schmidt", "Ana Fernandez", "Jon Bell"]);
        expect(
            &index,
            "Jonhson → 1 | Schmdit → 2 | lean schmitd → 2 | Frenandes → 3",
        );
        expect(&index, "Jnohsno → | Shcmdti → | Jan →");
    }

    #[test]
    fn an_exact_word_ranks_above_a_typo() {
        expect(&named(&["Mario Rossi", "Maria Rossi"]), "maria → 2 1");
    }

    #[test]
    fn emails_are_found_whole_or_in_part() {
        let index = index(&[
            doc(1, "Ana Silva", "Ana.Silva@Example.com", "", "AT-000001"),
            doc(2, "Ana Costa", "ana@example.com", "", "AT-000002"),
        ]);
        expect(
            &index,
            "ana.silva@example.com → 1 | ana@ → 2 | <ana.silva@exa → 1",
        );
        expect(&index, "@example.com → 1 2 | silva → 1 | ana silva → 1");
    }

    #[test]
    fn phones_are_canonical_digits_with_a_leading_plus() {
        assert_eq!(normalize_phone("+44 (0)20 7946 0958"), "+442079460958");
        assert_eq!(normalize_phone("0044 20 7946-0958"), "+442079460958");
        assert_eq!(normalize_phone("0171 555 1234"), "01715551234");
        assert_eq!(normalize_phone("(030) 12/34.56"), "030123456");
        assert_eq!(normalize_phone("+") + &normalize_phone("n/a"), "");
    }

    #[test]
    fn a_phone_is_found_however_it_is_written() {
        let index = index(&[
            doc(1, "Jan Kowalski", "", "+49 171 5551234", "AT-000001"),
            doc(2, "Eva Nilsson", "", "0171 555 9876", "AT-000002"),
            doc(3, "Tom Brown", "", "+44 (0)20 7946 0958", "AT-000003"),
        ]);
        expect(
            &index,
            "0171 555 1234 → 1 | +49 171 5551234 → 1 | 0049-171-555-1234 → 1",
        );
        expect(&index, "1715551234 → 1 | 5551234 → 1 | 1234 → 1 | 0958 → 3");
        expect(
            &index,
            "+49 171 5559876 → 2 | 020 7946 0958 → 3 | 0171 555 0000 →",
        );
    }

    #[test]
    fn a_reference_is_found_exactly_or_by_prefix_in_any_case() {
        let index = index(&[
            doc(1, "A", "", "", "AT-7K3X9Q"),
            doc(2, "B", "", "", "AT-7K4000"),
        ]);
        expect(
            &index,
            "AT-7K3X9Q → 1 | at-7k3 → 1 | AT7K3 → 1 | 7k3x9q → 1 | at-7k → 1 2",
        );
    }

    #[test]
    fn an_upsert_replaces_the_earlier_version_and_a_removal_forgets_everything() {
        let mut index = named(&["Maria Lopez", "Anna Müller", "张伟", "Jean-Luc Picard"]);
        index.upsert(&doc(
            1,
            "Maria Vidal",
            "mv@example.com",
            "0171 5551234",
            "AT-1",
        ));
        assert_eq!(index.len(), 4);
        expect(&index, "lopez → | vidal 1234 → 1");
        (1..=4).chain([1, 99]).for_each(|id| index.remove(id));
        expect(&index, "maria → | 1234 →");
        assert!(holds_nothing(&index));
    }

    #[test]
    fn equal_scores_are_ordered_by_id_whatever_the_insertion_order() {
        let docs: Vec<SearchDoc> = [9, 3, 7, 1]
            .map(|id| doc(id, "Maria", "", "", "AT-1"))
            .into();
        let reversed: Vec<SearchDoc> = docs.iter().rev().cloned().collect();
        assert_eq!(
            index(&docs).search("maria", 10),
            index(&reversed).search("maria", 10)
        );
        expect(&index(&docs), "maria → 1 3 7 9");
        assert_eq!(index(&docs).search("maria", 2).len(), 2);
        assert!(index(&docs).search("maria", 0).is_empty());
    }

    #[test]
    fn a_likely_duplicate_shares_the_email_or_the_phone_or_a_very_similar_name() {
        let index = index(&[
            doc(
                1,
                "John Smith",
                "john@example.com",
                "+44 20 7946 0958",
                "AT-1",
            ),
            doc(2, "Maria García", "", "", "AT-2"),
            doc(3, "Peter Parker", "", "", "AT-3"),
        ]);
        let dup = |name: &str, email: &str, phone: &str| -> Vec<Hit> {
            index.likely_duplicates(name, Some(email), Some(phone), 5)
        };
        let id = |hits: Vec<Hit>| hits.first().map(|h| h.id);
        assert_eq!(id(dup("Someone Else", " JOHN@example.com", "")), Some(1));
        assert_eq!(id(dup("Someone Else", "", "020 7946 0958")), Some(1));
        assert_eq!(id(dup("Jonh Smith", "", "")), Some(1));
        assert_eq!(id(dup("Smith John", "", "")), Some(1));
        assert_eq!(id(dup("maria garcia", "", "")), Some(2));
        assert!(dup("Mary Parker", "@example.com", "946 0958").is_empty());
        assert!(dup("John Smithson", "", "").is_empty());
        let both = dup("John Smyth", "john@example.com", "");
        assert!(both[0].score > dup("John Smyth", "", "")[0].score);
    }

    #[test]
    fn ten_kilobytes_of_emoji_are_ignored_without_panic() {
        let emoji = "😀🦄👍🏽".repeat(1000);
        let mut index = named(&["Anna Lee"]);
        index.upsert(&doc(2, &emoji, &emoji, &emoji, &emoji));
        expect(&index, &format!("{emoji} → | anna {emoji} → 1"));
        assert!(index.search(" \t\n ", 10).is_empty());
        assert!(
            index
                .likely_duplicates(&emoji, Some(&emoji), Some(&emoji), 10)
                .is_empty()
        );
    }

    proptest! {
        #[test]
        fn deletion_keys_hash_each_variant_whole(word in "\\PC{0,12}", depth in 0usize..3) {
            let chars: Vec<char> = word.chars().collect();
            let n = chars.len();
            let without = |a: usize, b: usize| -> Vec<char> { chars.iter().enumerate().filter(|&(i, _)| i != a && i != b).map(|(_, &c)| c).collect() };
            let mut variants = vec![chars.clone()];
            for i in (0..n).filter(|_| depth >= 1) {
                variants.push(without(i, n));
                variants.extend((i + 1..n).filter(|_| depth >= 2).map(|j| without(i, j)));
            }
            let mut expected: Vec<u64> = variants.iter().map(|v| fnv(FNV_START, v)).collect();
            expected.sort_unstable();
            expected.dedup();
            prop_assert_eq!(deletion_keys(&chars, depth), expected);
        }

        #[test]
        fn no_input_panics(
            name in any::<String>(),
            email in any::<String>(),
            phone in "[0-9 +()/.-]{0,24}|.{0,24}",
            reference in any::<String>(),
            query in any::<String>(),
        ) {
            let mut index = named(&["Maria Lopez"]);
            index.upsert(&doc(2, &name, &email, &phone, &reference));
            index.search(&query, 10);
            index.search(&name, 10);
            index.likely_duplicates(&name, Some(&email), Some(&phone), 5);
            index.remove(2);
            index.remove(1);
            prop_assert!(holds_nothing(&index));
        }

        #[test]
        fn updating_in_place_answers_like_building_afresh(
            edits in proptest::collection::vec(
                (0..6_i64, "[A-Za-zÄÖÜäöü张伟章 .-]{0,16}", "[0-9]{0,10}"),
                1..40,
            ),
            query in "[a-zäü张伟 ]{1,8}",
        ) {
            let (mut live, mut last) = (CustomerIndex::default(), BTreeMap::new());
            for (id, name, phone) in edits {
                let customer = doc(id, &name, &format!("{phone}@x.de"), &phone, &format!("AT-{id}"));
                if name.is_empty() {
                    live.remove(id);
                    last.remove(&id);
                } else {
                    live.upsert(&customer);
                    last.insert(id, customer);
                }
            }
            let fresh = index(&last.into_values().collect::<Vec<_>>());
            prop_assert_eq!(live.search(&query, 50), fresh.search(&query, 50));
            let duplicates = |i: &CustomerIndex| i.likely_duplicates(&query, None, None, 50);
            prop_assert_eq!(duplicates(&live), duplicates(&fresh));
            prop_assert_eq!(live.dict.keys().collect::<Vec<_>>(), fresh.dict.keys().collect::<Vec<_>>());
            prop_assert_eq!(live.deletions.len(), fresh.deletions.len());
        }

        #[test]
        fn a_customer_is_found_by_its_own_name_email_and_reference(
            name in "[a-zA-ZÀ-ÖØ-öø-ɏА-я一-龥]{1,12}( [a-zA-ZÀ-ÖØ-öø-ɏА-я一-龥'-]{1,12}){0,2}",
            email in "[a-z0-9._]{1,16}@[a-z]{1,10}\\.[a-z]{2,3}",
            reference in "AT-[0-9A-Z]{6}",
        ) {
            let index = index(&[
                doc(1, "Maria Lopez", "", "", "AT-XXXXXX"),
                doc(2, &name, &email, "", &reference),
            ]);
            for query in [&name, &email, &reference] {
                prop_assert!(ids(&index, query).contains(&2), "{}", query);
            }
        }
    }
}
