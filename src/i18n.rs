//! Every user-facing string comes from a Fluent message catalog (`locales/<lang>/main.ftl`).

use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

pub const EN_FTL: &str = include_str!("../locales/en/main.ftl");
pub const ZH_CN_FTL: &str = include_str!("../locales/zh-CN/main.ftl");

pub use crate::domain::lang::Lang;

struct Catalogs {
    en: FluentBundle<FluentResource>,
    zh_cn: FluentBundle<FluentResource>,
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
        self.format(key, None)
    }

    pub fn t1(&self, key: &str, name: &str, value: impl ToString) -> String {
        let mut args = FluentArgs::new();
        args.set(name.to_owned(), FluentValue::from(value.to_string()));
        self.format(key, Some(&args))
    }

    pub fn t2(&self, key: &str, a: (&str, &dyn ToString), b: (&str, &dyn ToString)) -> String {
        let mut args = FluentArgs::new();
        args.set(a.0.to_owned(), FluentValue::from(a.1.to_string()));
        args.set(b.0.to_owned(), FluentValue::from(b.1.to_string()));
        self.format(key, Some(&args))
    }

    /// A message with several arguments.
    pub fn t_args(&self, key: &str, args: &[(&str, String)]) -> String {
        let mut fa = FluentArgs::new();
        for (name, value) in args {
            fa.set((*name).to_owned(), FluentValue::from(value.clone()));
        }
        self.format(key, Some(&fa))
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

    #[test]
    fn arguments_are_filled_in_without_isolation_marks() {
        let text = Tr::new(Lang::En).t1("sign-in-throttled", "minutes", 7);
        assert!(text.contains('7'), "{text}");
        assert!(!text.contains('\u{2068}'));
    }
}
