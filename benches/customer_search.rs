//! Customer search on 100,000 generated customers: a search < 5 ms (the product asks < 100 ms),
//! an upsert in microseconds. Run: `cargo bench --bench customer_search`.

use std::hint::black_box;

use atelier::domain::customer_search::{CustomerIndex, SearchDoc};
use criterion::{Criterion, criterion_group, criterion_main};

const CUSTOMERS: usize = 100_000;
const FIRST: &str = "Maria,José,Anna,Jürgen,Zoë,François,Łukasz,Søren,Ömer,João,Marek,Lena,Peter,\
    Björn,Elif,Ayşe,Chloé,Hélène,Małgorzata,Carlos,Lucía,Ángel,Giulia,Matteo,Siobhán,Emma,Noah,\
    Sophie,Katarzyna,Zoltán,Mehmet,Inês,Thomas,Sarah,David,Astrid,Václav,Tomáš,Nikola";
const LAST: &str = "Müller,Schmidt,Schneider,Fischer,Weber,Schäfer,Schröder,García,Fernández,\
    González,Rodríguez,López,Martínez,Silva,Santos,Ferreira,Nowak,Kowalski,Wiśniewski,Wójcik,\
    Dąbrowski,Dubois,Lefèvre,Moreau,Jensen,Sørensen,Jørgensen,Yılmaz,Şahin,Çelik,Öztürk,Johnson,\
    Williams,Brown,O'Brien,Murphy,Rossi,Esposito,Bianchi,De Luca,Novák,Dvořák,Černý,Kovács,\
    Horváth,Németh,van der Berg,de Vries,Bakker";
/// Chinese characters with their pinyin, for the email addresses.
const CHINESE: &str = "王 wang,李 li,张 zhang,刘 liu,陈 chen,杨 yang,伟 wei,芳 fang,娜 na,敏 min,\
    静 jing,秀英 xiuying";
const DOMAINS: &str = "gmail.com,web.de,orange.fr,wp.pl,libero.it,example.com";

/// SplitMix64: a seeded generator, so every run measures the same customers.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }
}

fn ascii(s: &str) -> String {
    let folded = atelier::domain::customer_search::fold(s);
    folded.chars().filter(char::is_ascii_alphanumeric).collect()
}

struct Lists<'a> {
    first: Vec<&'a str>,
    last: Vec<&'a str>,
    chinese: Vec<(&'a str, &'a str)>,
    domains: Vec<&'a str>,
}

fn customer(id: usize, l: &Lists, r: &mut Rng) -> SearchDoc {
    let (name, local) = if r.below(10) == 0 {
        let ((family, f), (given, g)) = (*r.pick(&l.chinese), *r.pick(&l.chinese));
        (format!("{family}{given}"), format!("{g}.{f}"))
    } else {
        let (first, last) = (*r.pick(&l.first), *r.pick(&l.last));
        (
            format!("{first} {last}"),
            format!("{}.{}{}", ascii(first), ascii(last), r.below(100)),
        )
    };
    let email = (r.below(10) > 0).then(|| format!("{local}@{}", r.pick(&l.domains)));
    let phone = match r.below(5) {
        0 => None,
        1 => Some(format!("+49 1{} {}", r.digits(2), r.digits(7))),
        2 => Some(format!("0{} {} {}", r.digits(3), r.digits(3), r.digits(4))),
        3 => Some(format!("+44 (0)20 {} {}", r.digits(4), r.digits(4))),
        _ => Some(format!("+34 6{}", r.digits(8))),
    };
    let code = ascii(r.pick::<&str>(&l.first)).to_uppercase();
    let reference = format!("AT-{}{code}", r.digits(3));
    SearchDoc {
        id: id as i64,
        name,
        email,
        phone,
        reference: reference.chars().take(9).collect(),
    }
}

/// One edit, as people make them: a swap, a missing or an extra letter.
fn typo(word: &str, r: &mut Rng) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    let at = r.below(chars.len().saturating_sub(1).max(1));
    match r.below(3) {
        0 if chars.len() > 1 => chars.swap(at, at + 1),
        1 => drop(chars.remove(at)),
        _ => chars.insert(at, 'e'),
    }
    chars.into_iter().collect()
}

fn search(c: &mut Criterion) {
    let lists = Lists {
        first: FIRST.split(',').collect(),
        last: LAST.split(',').collect(),
        chinese: CHINESE
            .split(',')
            .filter_map(|p| p.split_once(' '))
            .collect(),
        domains: DOMAINS.split(',').collect(),
    };
    let mut r = Rng(42);
    let customers: Vec<SearchDoc> = (1..=CUSTOMERS)
        .map(|id| customer(id, &lists, &mut r))
        .collect();
    let mut index = CustomerIndex::default();
    customers.iter().for_each(|d| index.upsert(d));
    let sample: Vec<&SearchDoc> = (0..200).map(|_| r.pick(&customers)).collect();
    let last_word = |d: &SearchDoc| d.name.rsplit(' ').next().unwrap_or_default().to_owned();
    let queries: [(&str, Vec<String>); 6] = [
        ("plain", sample.iter().map(|d| d.name.clone()).collect()),
        (
            "prefix",
            sample
                .iter()
                .map(|d| d.name.chars().take(3).collect())
                .collect(),
        ),
        (
            "typo",
            sample.iter().map(|d| typo(&last_word(d), &mut r)).collect(),
        ),
        (
            "phone",
            sample.iter().filter_map(|d| d.phone.clone()).collect(),
        ),
        (
            "email",
            sample.iter().filter_map(|d| d.email.clone()).collect(),
        ),
        (
            "reference",
            sample.iter().map(|d| d.reference[..6].to_owned()).collect(),
        ),
    ];
    let mut group = c.benchmark_group("customer search (100k)");
    for (kind, queries) in &queries {
        let mut next = queries.iter().cycle();
        let mut query = || next.next().map_or("", String::as_str);
        group.bench_function(*kind, |b| b.iter(|| index.search(black_box(query()), 20)));
    }
    let mut next = sample.iter().cycle();
    group.bench_function("likely duplicates", |b| {
        b.iter(|| {
            let d = next.next().copied().unwrap_or(&customers[0]);
            index.likely_duplicates(&d.name, d.email.as_deref(), d.phone.as_deref(), 10)
        })
    });
    let mut edits = customers.iter().cycle().map(|d| SearchDoc {
        name: last_word(d),
        ..d.clone()
    });
    group.bench_function("upsert (changed name)", |b| {
        b.iter(|| edits.next().iter().for_each(|d| index.upsert(black_box(d))))
    });
    group.finish();
}

criterion_group!(benches, search);
criterion_main!(benches);
