//! Every user-facing string comes from a Fluent message catalog (`locales/<lang>/main.ftl`).

use std::collections::HashMap;
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use fluent_syntax::ast::{Entry, Expression, InlineExpression, PatternElement};
use unic_langid::LanguageIdentifier;

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
enum Piece {
    Text(&'static str),
    Var(&'static str),
}

/// Such messages by id, filled in without Fluent's resolver: every page formats dozens of
/// messages, and resolving them was about 6 % of a shop page's CPU. Anything else (selectors,
/// functions, references to other messages or terms) still goes through Fluent. Ids are
/// this program's own (never a request's), so a fast hash is safe: SipHash was more than half
/// of the lookups' cost.
type Plain = HashMap<&'static str, Vec<Piece>, foldhash::fast::RandomState>;

fn plain_messages(source: &'static str) -> Plain {
    let resource = match fluent_syntax::parser::parse(source) {
        Ok(r) => r,
        Err((r, _)) => r,
    };
    let mut plain = Plain::default();
    for entry in resource.body {
        let Entry::Message(m) = entry else { continue };
        let Some(pattern) = m.value else { continue };
        let pieces: Option<Vec<Piece>> = pattern
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
            plain.entry(m.id.name).or_insert(pieces);
        }
    }
    plain
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

impl Tr {
    pub fn new(lang: Lang) -> Self {
        Self { lang }
    }

    pub fn t(&self, key: &str) -> String {
        self.fill(key, &[]).unwrap_or_else(|| self.format(key, None))
    }

    pub fn t1(&self, key: &str, name: &str, value: impl ToString) -> String {
        let value = value.to_string();
        self.fill(key, &[(name, &value)]).unwrap_or_else(|| {
            let mut args = FluentArgs::new();
            args.set(name.to_owned(), FluentValue::from(value));
            self.format(key, Some(&args))
        })
    }

    pub fn t2(&self, key: &str, a: (&str, &dyn ToString), b: (&str, &dyn ToString)) -> String {
        let (va, vb) = (a.1.to_string(), b.1.to_string());
        self.fill(key, &[(a.0, &va), (b.0, &vb)]).unwrap_or_else(|| {
            let mut args = FluentArgs::new();
            args.set(a.0.to_owned(), FluentValue::from(va));
            args.set(b.0.to_owned(), FluentValue::from(vb));
            self.format(key, Some(&args))
        })
    }

    /// A message with several arguments.
    pub fn t_args(&self, key: &str, args: &[(&str, String)]) -> String {
        let named: Vec<(&str, &str)> = args.iter().map(|(n, v)| (*n, v.as_str())).collect();
        self.fill(key, &named).unwrap_or_else(|| {
            let mut fa = FluentArgs::new();
            for (name, value) in args {
                fa.set((*name).to_owned(), FluentValue::from(value.clone()));
            }
            self.format(key, Some(&fa))
        })
    }

    /// A plain message (see [`Plain`]) with `args` filled in; `None` sends it to Fluent: an
    /// unknown id (Fluent logs it), another kind of message, or an argument missing.
    fn fill(&self, key: &str, args: &[(&str, &str)]) -> Option<String> {
        let plain = match self.lang {
            Lang::En => &CATALOGS.en_plain,
            Lang::ZhCn => &CATALOGS.zh_cn_plain,
        };
        let pieces = plain.get(key)?;
        let mut out = String::with_capacity(pieces.iter().map(|p| if let Piece::Text(t) = p { t.len() } else { 16 }).sum());
        for p in pieces {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Var(name) => out.push_str(args.iter().find(|(n, _)| n == name)?.1),
            }
        }
        Some(out)
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
                let Some(pieces) = plain.get(id.as_str()) else { continue };
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
                if !names.is_empty() {
                    assert_eq!(tr.fill(id, &[]), None, "{lang:?} {id}: a missing argument goes to Fluent");
                }
            }
        }
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
