//! Text for HTML pages, escaped once and then written as it is.

/// Text escaped for HTML once, then written as it is wherever a template shows it.
///
/// The configurator's fragment names each of a hundred-odd values in five attributes; asking
/// askama to escape the same codes in every one of them was most of its rendering cost. Built
/// only by escaping with askama's own escaper ([`Escaped::new`], [`Escaped::push_raw`]), so
/// it never holds unescaped text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Escaped(String);

impl Escaped {
    pub fn new(raw: &str) -> Self {
        Self::concat(&[raw])
    }

    /// Adds `raw`, escaped.
    pub fn push_raw(&mut self, raw: &str) {
        // Writing into a String cannot fail.
        let _ = askama::filters::Escaper::write_escaped_str(&askama::filters::Html, &mut self.0, raw);
    }

    /// Adds text already escaped.
    pub fn push(&mut self, escaped: &Escaped) {
        self.0.push_str(&escaped.0);
    }

    pub fn with_capacity(capacity: usize) -> Self {
        Escaped(String::with_capacity(capacity))
    }

    /// The pieces one after the other, escaped (without `format!`, which showed in the
    /// configurator's profile when its ids were built with it).
    pub fn concat(pieces: &[&str]) -> Self {
        let mut out = Self::with_capacity(pieces.iter().map(|p| p.len()).sum());
        for p in pieces {
            out.push_raw(p);
        }
        out
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Display for Escaped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl askama::filters::HtmlSafe for Escaped {}

impl askama::FastWritable for Escaped {
    fn write_into(&self, dest: &mut dyn std::fmt::Write, _: &dyn askama::Values) -> askama::Result<()> {
        Ok(dest.write_str(&self.0)?)
    }
}

#[cfg(test)]
mod tests {
    use askama::Template;

    use super::Escaped;

    #[derive(Template)]
    #[template(source = r#"<i id="{{ once }}">{{ each }}</i>"#, ext = "html")]
    struct Both<'a> {
        once: Escaped,
        each: &'a str,
    }

    #[test]
    fn text_escaped_once_reads_as_askama_escapes_it_each_time() {
        for raw in ["s56", "o_frame_size_s56", "<script>alert('x')</script>", "a&b \"c\" 'd' <e>", "过长 —— 刹车", ""] {
            let html = Both { once: Escaped::new(raw), each: raw }.render().unwrap_or_else(|e| panic!("{e}"));
            let (once, each) = html.trim_start_matches("<i id=\"").trim_end_matches("</i>").split_once("\">").unwrap_or_else(|| panic!("{html}"));
            assert_eq!(once, each, "{raw}");
            assert!(!once.contains('<') && !once.contains('"') && !once.contains('\''), "{once}");
            assert_eq!(Escaped::concat(&["o_", raw, "_", raw]).as_str(), format!("o_{once}_{once}"));
        }
    }
}
