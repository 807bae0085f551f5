use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, HeaderValue};
use askama::Template;

use super::error::AppError;

/// Renders a page with a status of our choosing (a re-rendered form is 422, not 200).
pub fn page<T: Template>(status: StatusCode, page: &T) -> Result<HttpResponse, AppError> {
    // askama reserves only the template's literal text; our pages are a few to tens of kB, and
    // growing the buffer from there copied it four or five times.
    let mut body = String::with_capacity(T::SIZE_HINT.max(16 * 1024));
    page.render_into(&mut body).map_err(|e| AppError::Unexpected(e.into()))?;
    Ok(HttpResponse::build(status)
        .insert_header((CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")))
        .body(body))
}

pub fn ok<T: Template>(p: &T) -> Result<HttpResponse, AppError> {
    page(StatusCode::OK, p)
}

/// Text escaped for HTML once, then written as it is wherever a template shows it.
///
/// The configurator's fragment names each of a hundred-odd values in five attributes; asking
/// askama to escape the same codes in every one of them was most of its rendering cost. Built
/// only by [`Escaped::new`], with askama's own escaper, so it never holds unescaped text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Escaped(String);

impl Escaped {
    pub fn new(raw: &str) -> Self {
        Self::concat(&[raw])
    }

    /// The pieces one after the other, escaped (without `format!`, which showed in the
    /// configurator's profile when its ids were built with it).
    pub fn concat(pieces: &[&str]) -> Self {
        let mut out = String::with_capacity(pieces.iter().map(|p| p.len()).sum());
        for p in pieces {
            // Writing into a String cannot fail.
            let _ = askama::filters::Escaper::write_escaped_str(&askama::filters::Html, &mut out, p);
        }
        Escaped(out)
    }

    pub fn as_str(&self) -> &str {
        &self.0
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
