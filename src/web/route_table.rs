//! Every route is registered through [`Routes`], which records its method and full path as it
//! registers it. actix-web does not list its routes, and the authorization matrix test needs
//! the real list: a route added without a rule in the matrix makes that test fail.

use actix_web::http::Method;
use actix_web::{FromRequest, Handler, Resource, Responder, Route, guard, web};

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RouteInfo {
    pub method: String,
    pub path: String,
}

pub struct Routes<'a> {
    cfg: &'a mut web::ServiceConfig,
    prefix: String,
    seen: &'a mut Vec<RouteInfo>,
}

/// A GET route answers HEAD too, as HTTP asks (an uptime check's `curl -I /healthz` was 404):
/// actix sends the headers of the GET answer without its body.
fn get_or_head() -> Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

impl<'a> Routes<'a> {
    pub fn new(cfg: &'a mut web::ServiceConfig, prefix: &str, seen: &'a mut Vec<RouteInfo>) -> Self {
        Self { cfg, prefix: prefix.to_owned(), seen }
    }

    fn record(&mut self, method: &Method, path: &str) {
        self.seen.push(RouteInfo { method: method.as_str().to_owned(), path: format!("{}{path}", self.prefix) });
    }

    pub fn get<F, Args>(&mut self, path: &str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Method::GET, path, get_or_head().to(handler))
    }

    pub fn post<F, Args>(&mut self, path: &str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Method::POST, path, web::post().to(handler))
    }

    fn add(&mut self, method: Method, path: &str, route: Route) -> &mut Self {
        self.record(&method, path);
        self.cfg.route(path, route);
        self
    }

    /// One method on a resource that `make` builds (e.g. with its own answer to other methods).
    pub fn resource<F, Args>(&mut self, method: Method, path: &str, make: fn(&str) -> Resource, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.record(&method, path);
        let route = if method == Method::GET { get_or_head() } else { web::method(method) };
        self.cfg.service(make(path).route(route.to(handler)));
        self
    }

    /// Static files under `mount`: recorded as one `GET {mount}/{file}` route.
    pub fn files(&mut self, mount: &str, dir: &str) -> &mut Self {
        self.record(&Method::GET, &format!("{mount}/{{file}}"));
        self.cfg.service(actix_files::Files::new(mount, dir).prefer_utf8(true));
        self
    }

    /// A nested scope whose routes are recorded under its prefix.
    pub fn scope(&mut self, prefix: &str, register: impl FnOnce(&mut Routes)) -> &mut Self {
        let full = format!("{}{prefix}", self.prefix);
        let seen = &mut *self.seen;
        self.cfg.service(web::scope(prefix).configure(|cfg| register(&mut Routes::new(cfg, &full, seen))));
        self
    }

    pub fn app_data<U: 'static>(&mut self, data: U) -> &mut Self {
        self.cfg.app_data(data);
        self
    }

    /// What answers a path no route matches (not a route: it is never recorded).
    pub fn default_service<F, Args>(&mut self, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.cfg.default_service(web::to(handler));
        self
    }
}
