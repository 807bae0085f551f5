//! What a revision changed, kept in its work-order event's note so the order's history can say
//! it ("Chest girth 104.0 → 108.0 cm; Size L → XL") rather than only "revision 2".
//!
//! The note reads `revision N`, then a line per change: its kind (`measurement`, `derived`,
//! `collection`, `choice`), the code, the value before and after (a measurement in mm or g, a
//! derived value as shown), separated by tabs; `-` where there was none. Notes written before this have the first line only.

use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Measurement,
    Derived,
    /// Where the order is collected: code `store`, the stores' names.
    Collection,
    /// A choice changed with new measurements: the option's code, the value codes (a number or
    /// a text as chosen).
    Choice,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub kind: Kind,
    pub code: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// The changes between two sets of values of one kind, in code order.
pub fn changes(kind: Kind, before: &BTreeMap<String, String>, after: &BTreeMap<String, String>) -> Vec<Change> {
    let mut codes: Vec<&String> = before.keys().chain(after.keys()).collect();
    codes.sort();
    codes.dedup();
    codes
        .into_iter()
        .filter(|c| before.get(*c) != after.get(*c))
        .map(|c| Change { kind, code: c.clone(), from: before.get(c).cloned(), to: after.get(c).cloned() })
        .collect()
}

/// The event note for revision `n` with what it changed.
pub fn note(n: i32, changes: &[Change]) -> String {
    let mut text = format!("revision {n}");
    for c in changes {
        let kind = match c.kind {
            Kind::Measurement => "measurement",
            Kind::Derived => "derived",
            Kind::Collection => "collection",
            Kind::Choice => "choice",
        };
        // A tab or line break inside a value would split it: none is written (values are
        // numbers and size labels), and one that were would be kept as a space.
        let clean = |v: &Option<String>| v.as_deref().map_or("-".to_owned(), |v| v.replace(['\t', '\n', '\r'], " "));
        text.push_str(&format!("\n{kind}\t{}\t{}\t{}", c.code, clean(&c.from), clean(&c.to)));
    }
    text
}

/// The revision number and changes of a note [`note`] wrote; `None` for any other note.
pub fn read(note: &str) -> Option<(i32, Vec<Change>)> {
    let mut lines = note.lines();
    let n = lines.next()?.strip_prefix("revision ")?.parse().ok()?;
    let value = |v: &str| (v != "-").then(|| v.to_owned());
    let changes = lines
        .map(|l| {
            let mut f = l.split('\t');
            let kind = match f.next()? {
                "measurement" => Kind::Measurement,
                "derived" => Kind::Derived,
                "collection" => Kind::Collection,
                "choice" => Kind::Choice,
                _ => return None,
            };
            let (code, from, to) = (f.next()?, f.next()?, f.next()?);
            Some(Change { kind, code: code.to_owned(), from: value(from), to: value(to) })
        })
        .collect::<Option<Vec<_>>>()?;
    Some((n, changes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn a_note_says_what_changed_and_reads_back() {
        let m = changes(Kind::Measurement, &map(&[("chest_girth", "1040"), ("stature", "1755")]), &map(&[("chest_girth", "1080"), ("stature", "1755"), ("waist_girth", "900")]));
        let d = changes(Kind::Derived, &map(&[("size", "L")]), &map(&[("size", "XL")]));
        let moved = Change { kind: Kind::Collection, code: "store".into(), from: Some("North\tStore".into()), to: Some("South Store".into()) };
        assert_eq!(read(&note(3, std::slice::from_ref(&moved))), Some((3, vec![Change { from: Some("North Store".into()), ..moved }])), "a tab in a name is a space");
        assert_eq!(m.iter().map(|c| c.code.as_str()).collect::<Vec<_>>(), vec!["chest_girth", "waist_girth"], "the same stature is no change");
        let chose = changes(Kind::Choice, &map(&[("frame_size", "s56")]), &map(&[("frame_size", "s54")]));
        let all: Vec<Change> = m.into_iter().chain(d).chain(chose).collect();
        let text = note(2, &all);
        assert_eq!(text, "revision 2\nmeasurement\tchest_girth\t1040\t1080\nmeasurement\twaist_girth\t-\t900\nderived\tsize\tL\tXL\nchoice\tframe_size\ts56\ts54");
        assert_eq!(read(&text), Some((2, all)));
    }

    #[test]
    fn other_notes_are_not_revisions() {
        assert_eq!(read("revision 3"), Some((3, vec![])), "a note from before changes were kept");
        for other in ["revisions 3", "revision x", "cutting", "revision 2\nsomething else", ""] {
            assert_eq!(read(other), None, "{other:?}");
        }
    }
}
