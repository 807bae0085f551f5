//! Every user-facing string comes from a Fluent message catalog (`locales/<lang>/main.ftl`).

use std::collections::HashMap;
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use fluent_syntax::ast::{Entry, Expression, InlineExpression, PatternElement};
use unic_langid::LanguageIdentifier;

use crate::html::Escaped;

pub const EN_FTL: &str = include_str!("../locales/en/main.ftl");
pub const ZH_CN_FTL: &str = include_str!("../locales/zh-CN/main.ftl");

pub use crate::domain::lang::Lang;

struct Catalogs {
    en: FluentBundle<FluentResource>,
    zh_cn: FluentBundle<FluentResource>,
    en_plain: Plain,
    zh_cn_plain: Plain,
}

/// A part of a message that is only text and `{ $variable }` references.
enum Piece<T> {
    Text(T),
    Var(&'static str),
}

/// Such a message: its pieces, and the same with the text escaped for HTML once, when the
/// catalog is read (adjacent text joined), so that a page escapes only what is filled in.
struct Message {
    pieces: Vec<Piece<&'static str>>,
    html: Vec<Piece<Escaped>>,
}

/// Such messages by id, filled in without Fluent's resolver: every page formats dozens of
/// messages, and resolving them was about 6 % of a shop page's CPU. Anything else (selectors,
/// functions, references to other messages or terms) still goes through Fluent. Ids are
/// this program's own (never a request's), so a fast hash is safe: SipHash was more than half
/// of the lookups' cost.
type Plain = HashMap<&'static str, Message, foldhash::fast::RandomState>;

fn plain_messages(source: &'static str) -> Plain {
    let resource = match fluent_syntax::parser::parse(source) {
        Ok(r) => r,
        Err((r, _)) => r,
    };
    let mut plain = Plain::default();
    for entry in resource.body {
        let Entry::Message(m) = entry else { continue };
        let Some(pattern) = m.value else { continue };
        let pieces: Option<Vec<Piece<&'static str>>> = pattern
            .elements
            .into_iter()
            .map(|e| match e {
                PatternElement::TextElement { value } => Some(Piece::Text(value)),
                PatternElement::Placeable { expression: Expression::Inline(InlineExpression::VariableReference { id }) } => Some(Piece::Var(id.name)),
                PatternElement::Placeable { .. } => None,
            })
            .collect();
        // As the bundle does, the first of two messages with one id is the one used.
        if let Some(pieces) = pieces {
            plain.entry(m.id.name).or_insert_with(|| Message { html: escaped(&pieces), pieces });
        }
    }
    plain
}

fn escaped(pieces: &[Piece<&'static str>]) -> Vec<Piece<Escaped>> {
    let mut html: Vec<Piece<Escaped>> = Vec::with_capacity(pieces.len());
    for p in pieces {
        match (p, html.last_mut()) {
            (Piece::Text(t), Some(Piece::Text(last))) => last.push_raw(t),
            (Piece::Text(t), _) => html.push(Piece::Text(Escaped::new(t))),
            (Piece::Var(name), _) => html.push(Piece::Var(name)),
        }
    }
    html
}

/// A message for a page: text escaped for HTML, which templates write as it is. A message
/// without arguments is the catalog's own escaped text, neither copied nor escaped again.
#[derive(Debug, Clone)]
pub enum Html {
    Kept(&'static Escaped),
    Made(Escaped),
}

impl Html {
    pub fn as_str(&self) -> &str {
        match self {
            Html::Kept(e) => e.as_str(),
            Html::Made(e) => e.as_str(),
        }
    }
}

impl std::fmt::Display for Html {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl askama::filters::HtmlSafe for Html {}

impl askama::FastWritable for Html {
    fn write_into(&self, dest: &mut dyn std::fmt::Write, _: &dyn askama::Values) -> askama::Result<()> {
        Ok(dest.write_str(self.as_str())?)
    }
}

fn bundle(lang: &str, source: &'static str) -> FluentBundle<FluentResource> {
    let id: LanguageIdentifier = lang.parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // Unicode isolation marks around arguments would show up as stray characters in HTML.
    bundle.set_use_isolating(false);
    let resource = match FluentResource::try_new(source.to_owned()) {
        Ok(r) => r,
        Err((r, errors)) => {
            tracing::error!(lang, errors = ?errors, "message catalog has syntax errors");
            r
        }
    };
    if let Err(errors) = bundle.add_resource(resource) {
        tracing::error!(lang, errors = ?errors, "message catalog has duplicate keys");
    }
    bundle
}

static CATALOGS: LazyLock<Catalogs> = LazyLock::new(|| Catalogs {
    en: bundle("en", EN_FTL),
    zh_cn: bundle("zh-CN", ZH_CN_FTL),
    en_plain: plain_messages(EN_FTL),
    zh_cn_plain: plain_messages(ZH_CN_FTL),
});

/// A translator for one language; templates call its `t` method with a message id.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tr {
    pub lang: Lang,
}

/// An argument as Fluent takes it: a whole number as a number, so that a message can say "1
/// value" and "8 values" (as a string, every count took the plural); anything else as text, as
/// written (a postal code "01234" stays that).
fn fluent_value(value: &str) -> FluentValue<'_> {
    match value.parse::<i64>() {
        Ok(n) if n.to_string() == value => FluentValue::from(n),
        _ => FluentValue::from(value),
    }
}

impl Tr {
    pub fn new(lang: Lang) -> Self {
        Self { lang }
    }

    /// What joins clauses in a list, as each language writes it: "; " or "；".
    pub fn clause_separator(&self) -> &'static str {
        match self.lang {
            Lang::En => "; ",
            Lang::ZhCn => "；",
        }
    }

    /// What ends a heading before what it introduces: ": " or "：".
    pub fn colon(&self) -> &'static str {
        match self.lang {
            Lang::En => ": ",
            Lang::ZhCn => "：",
        }
    }

    /// Names joined as a sentence lists them: "A", "A and B", "A, B and C" (or "A、B和C").
    pub fn and_list(&self, names: &[String]) -> String {
        let (comma, and) = match self.lang {
            Lang::En => (", ", " and "),
            Lang::ZhCn => ("、", "和"),
        };
        match names {
            [] => String::new(),
            [one] => one.clone(),
            [head @ .., last] => format!("{}{and}{last}", head.join(comma)),
        }
    }

    pub fn t(&self, key: &str) -> String {
        self.fill(key, &[]).unwrap_or_else(|| self.format(key, None))
    }

    pub fn t1(&self, key: &str, name: &str, value: impl ToString) -> String {
        let value = value.to_string();
        self.fill(key, &[(name, &value)]).unwrap_or_else(|| {
            let mut args = FluentArgs::new();
            args.set(name.to_owned(), fluent_value(&value));
            self.format(key, Some(&args))
        })
    }

    pub fn t2(&self, key: &str, a: (&str, &dyn ToString), b: (&str, &dyn ToString)) -> String {
        let (va, vb) = (a.1.to_string(), b.1.to_string());
        self.fill(key, &[(a.0, &va), (b.0, &vb)]).unwrap_or_else(|| {
            let mut args = FluentArgs::new();
            args.set(a.0.to_owned(), fluent_value(&va));
            args.set(b.0.to_owned(), fluent_value(&vb));
            self.format(key, Some(&args))
        })
    }

    /// A message with several arguments.
    pub fn t_args(&self, key: &str, args: &[(&str, String)]) -> String {
        let named: Vec<(&str, &str)> = args.iter().map(|(n, v)| (*n, v.as_str())).collect();
        self.fill(key, &named).unwrap_or_else(|| {
            let mut fa = FluentArgs::new();
            for (name, value) in args {
                fa.set((*name).to_owned(), fluent_value(value));
            }
            self.format(key, Some(&fa))
        })
    }

    fn plain(&self, key: &str) -> Option<&'static Message> {
        let plain = match self.lang {
            Lang::En => &CATALOGS.en_plain,
            Lang::ZhCn => &CATALOGS.zh_cn_plain,
        };
        plain.get(key)
    }

    /// A plain message (see [`Plain`]) with `args` filled in; `None` sends it to Fluent: an
    /// unknown id (Fluent logs it), another kind of message, or an argument missing.
    fn fill(&self, key: &str, args: &[(&str, &str)]) -> Option<String> {
        let pieces = &self.plain(key)?.pieces;
        let mut out = String::with_capacity(pieces.iter().map(|p| if let Piece::Text(t) = p { t.len() } else { 16 }).sum());
        for p in pieces {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Var(name) => out.push_str(args.iter().find(|(n, _)| n == name)?.1),
            }
        }
        Some(out)
    }

    /// As [`Tr::fill`], escaped for HTML.
    fn fill_html(&self, key: &str, args: &[(&str, &str)]) -> Option<Html> {
        let html = &self.plain(key)?.html;
        if let [Piece::Text(whole)] = html.as_slice() {
            return Some(Html::Kept(whole));
        }
        let mut out = Escaped::with_capacity(html.iter().map(|p| if let Piece::Text(t) = p { t.as_str().len() } else { 16 }).sum());
        for p in html {
            match p {
                Piece::Text(t) => out.push(t),
                Piece::Var(name) => out.push_raw(args.iter().find(|(n, _)| n == name)?.1),
            }
        }
        Some(Html::Made(out))
    }

    /// [`Tr::t`] for a page (templates call this one).
    pub fn html(&self, key: &str) -> Html {
        self.fill_html(key, &[]).unwrap_or_else(|| Html::Made(Escaped::new(&self.format(key, None))))
    }

    /// [`Tr::t1`] for a page.
    pub fn html1(&self, key: &str, name: &str, value: impl ToString) -> Html {
        let value = value.to_string();
        self.fill_html(key, &[(name, &value)]).unwrap_or_else(|| Html::Made(Escaped::new(&self.t1(key, name, value))))
    }

    /// [`Tr::t_args`] for a page.
    pub fn html_args(&self, key: &str, args: &[(&str, String)]) -> Html {
        let named: Vec<(&str, &str)> = args.iter().map(|(n, v)| (*n, v.as_str())).collect();
        self.fill_html(key, &named).unwrap_or_else(|| Html::Made(Escaped::new(&self.t_args(key, args))))
    }

    pub fn format(&self, key: &str, args: Option<&FluentArgs>) -> String {
        let bundle = match self.lang {
            Lang::En => &CATALOGS.en,
            Lang::ZhCn => &CATALOGS.zh_cn,
        };
        let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
            tracing::warn!(i18n.key = key, i18n.lang = self.lang.code(), "missing message");
            return key.to_owned();
        };
        let mut errors = vec![];
        bundle.format_pattern(pattern, args, &mut errors).into_owned()
    }
}

/// The message ids a catalog defines, for the completeness test.
pub fn message_ids(source: &str) -> Vec<String> {
    use fluent_syntax::ast::Entry;
    let resource = match fluent_syntax::parser::parse(source) {
        Ok(r) => r,
        Err((r, _)) => r,
    };
    resource
        .body
        .iter()
        .filter_map(|e| match e {
            Entry::Message(m) => Some(m.id.name.to_owned()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// "1 measurements taken": a count reads in the singular where a message has one.
    #[test]
    fn a_count_of_one_reads_in_the_singular() {
        let en = Tr::new(Lang::En);
        assert_eq!(en.t1("measurements-value-count", "count", 1), "1 value");
        assert_eq!(en.t1("measurements-value-count", "count", 8), "8 values");
        assert_eq!(en.t1("measurements-value-count", "count", 12345), "12345 values", "written as given");
        assert_eq!(en.t1("timeline-measurements", "count", "1"), "1 measurement taken");
        assert_eq!(en.t1("timeline-measurements", "count", "12"), "12 measurements taken");
        assert_eq!(en.t1("timeline-measurements-self", "count", "1"), "1 measurement, measured by the customer");
        assert_eq!(en.html1("factory-failed-events", "count", 1).as_str(), "1 failed event is waiting.");
    }

    /// Every message of both catalogs, filled in by `fill` with arguments that need care in
    /// HTML, reads exactly as Fluent words it.
    #[test]
    fn plain_messages_read_as_fluent_words_them() {
        for (lang, source) in [(Lang::En, EN_FTL), (Lang::ZhCn, ZH_CN_FTL)] {
            let tr = Tr::new(lang);
            let plain = plain_messages(source);
            let ids = message_ids(source);
            assert!(plain.len() > 400 && plain.len() <= ids.len(), "{lang:?}: {} plain of {}", plain.len(), ids.len());
            for id in &ids {
                let Some(Message { pieces, .. }) = plain.get(id.as_str()) else { continue };
                let names: Vec<&str> = pieces.iter().filter_map(|p| if let Piece::Var(n) = p { Some(*n) } else { None }).collect();
                let values: Vec<String> = names.iter().map(|n| format!("<{n}> & \"{n}\" 7")).collect();
                let args: Vec<(&str, &str)> = names.iter().zip(&values).map(|(n, v)| (*n, v.as_str())).collect();
                let mut fluent_args = FluentArgs::new();
                for (n, v) in &args {
                    fluent_args.set(*n, FluentValue::from(*v));
                }
                let fast = tr.fill(id, &args);
                let fluent = tr.format(id, if args.is_empty() { None } else { Some(&fluent_args) });
                assert_eq!(fast.as_deref(), Some(fluent.as_str()), "{lang:?} {id}");
                let owned: Vec<(&str, String)> = args.iter().map(|(n, v)| (*n, (*v).to_owned())).collect();
                assert_eq!(tr.html_args(id, &owned).as_str(), Escaped::new(&fluent).as_str(), "{lang:?} {id}");
                if !names.is_empty() {
                    assert_eq!(tr.fill(id, &[]), None, "{lang:?} {id}: a missing argument goes to Fluent");
                }
            }
        }
    }

    /// The page form of every message, plain or not, is its text escaped, with or without
    /// its one argument.
    #[test]
    fn messages_for_pages_are_their_text_escaped() {
        for (lang, source) in [(Lang::En, EN_FTL), (Lang::ZhCn, ZH_CN_FTL)] {
            let tr = Tr::new(lang);
            for id in message_ids(source) {
                assert_eq!(tr.html(&id).as_str(), Escaped::new(&tr.t(&id)).as_str(), "{lang:?} {id}");
                for name in ["count", "price", "name", "n"] {
                    let value = "<b>\"&'</b> 3";
                    assert_eq!(tr.html1(&id, name, value).as_str(), Escaped::new(&tr.t1(&id, name, value)).as_str(), "{lang:?} {id} {name}");
                }
            }
        }
        assert!(matches!(Tr::new(Lang::En).html("shop-title"), Html::Kept(_)), "a message without arguments is not copied");
    }

    #[test]
    fn an_unknown_message_is_its_id() {
        // Built here: the completeness test reads every literal id in the code.
        let unknown = ["no", "such", "message"].join("-");
        assert_eq!(Tr::new(Lang::En).t(&unknown), unknown);
        assert_eq!(Tr::new(Lang::ZhCn).t1(&unknown, "x", 1), unknown);
    }

    #[test]
    fn arguments_are_filled_in_without_isolation_marks() {
        let text = Tr::new(Lang::En).t1("sign-in-throttled", "minutes", 7);
        assert!(text.contains('7'), "{text}");
        assert!(!text.contains('\u{2068}'));
    }
}
