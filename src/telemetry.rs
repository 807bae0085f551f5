//! Structured logs with `tracing`. Body measurements, names, emails, phone numbers, tokens and
//! secrets are never logged.

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

pub fn init(default_filter: &str) {
    let filter = EnvFilter::try_from_env("RUST_LOG").unwrap_or_else(|_| EnvFilter::new(default_filter));
    // Colours on a terminal only: a log file or a collector got the escape codes as text.
    let colours = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let _ = tracing_subscriber::registry().with(filter).with(ClientErrorsAsWarnings).with(tracing_subscriber::fmt::layer().with_target(false).with_ansi(colours)).try_init();
}

/// actix-http logs a request it could not read ("stream error: Request parse error: Invalid
/// Header provided") at ERROR, though the client sent it and was answered 400: an alert for
/// an operator at every malformed request a scanner or a fuzzer sends. Such events are logged
/// at WARN instead, saying what was refused.
struct ClientErrorsAsWarnings;

const HTTP_DISPATCHER: &str = "actix_http::h1::dispatcher";

impl<S: Subscriber> Layer<S> for ClientErrorsAsWarnings {
    fn event_enabled(&self, event: &Event<'_>, _: Context<'_, S>) -> bool {
        let meta = event.metadata();
        if *meta.level() != Level::ERROR || meta.target() != HTTP_DISPATCHER {
            return true;
        }
        let mut message = Message(String::new());
        event.record(&mut message);
        // Only what the client sent: the same prefix also says a response body, the connection
        // or a shutdown failed, which stay errors.
        match message.0.strip_prefix("stream error: ").filter(|why| why.to_ascii_lowercase().starts_with("request parse error")) {
            Some(why) => {
                tracing::warn!(target: HTTP_DISPATCHER, "a request could not be read and was refused: {why}");
                false
            }
            None => true,
        }
    }
}

struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}

/// The span of each request, as tracing-actix-web's default but for what it records of the
/// URL: the path without its query (searches carry names, `next` carries paths), and only the
/// route pattern where a path segment is itself a secret (a password-reset link).
pub struct RedactedRootSpan;

/// What of a request's URL may be logged.
pub fn loggable_target(path: &str, route: &str) -> String {
    if route.contains("{token}") { route.to_owned() } else { path.to_owned() }
}

impl tracing_actix_web::RootSpanBuilder for RedactedRootSpan {
    fn on_request_start(request: &actix_web::dev::ServiceRequest) -> tracing::Span {
        use actix_web::HttpMessage;
        // The fields below cost a route lookup and five strings, a twentieth of a small
        // page's work: not worth it for a span nobody records (the default level is warn).
        if !tracing::enabled!(tracing::Level::INFO) {
            return tracing::Span::none();
        }
        let route = request.match_pattern().unwrap_or_else(|| "default".into());
        let target = loggable_target(request.path(), &route);
        let request_id = request.extensions().get::<tracing_actix_web::RequestId>().map(|id| id.to_string()).unwrap_or_default();
        let method = request.method().as_str().to_owned();
        tracing::info_span!(
            "HTTP request",
            http.method = %method,
            http.route = %route,
            http.target = %target,
            http.status_code = tracing::field::Empty,
            otel.name = %format!("{method} {route}"),
            otel.status_code = tracing::field::Empty,
            request_id = %request_id,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    fn on_request_end<B: actix_web::body::MessageBody>(
        span: tracing::Span,
        outcome: &Result<actix_web::dev::ServiceResponse<B>, actix_web::Error>,
    ) {
        tracing_actix_web::DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_path_segment_is_logged_as_its_pattern() {
        assert_eq!(loggable_target("/shop/reset/abc123", "/shop/reset/{token}"), "/shop/reset/{token}");
        assert_eq!(loggable_target("/staff/customers/7", "/staff/customers/{id}"), "/staff/customers/7");
    }
}
