//! Where pushes may go: a guard against server-side request forgery. A factory's push URL is
//! entered by an administrator, but the server is the one that sends to it, from inside the
//! network: without a guard, a URL (or a name that later resolves) to loopback, a private
//! range or the cloud metadata address would make the server a proxy into places the
//! administrator cannot reach. Private, loopback, link-local, shared (CGNAT) and reserved
//! destinations are refused unless the operator allows them (`ATELIER_WEBHOOK_ALLOW_PRIVATE`,
//! or by naming the host in `ATELIER_WEBHOOK_ALLOWED_HOSTS`).
//!
//! The URL is checked at the admin form and again at send time; a name is checked when it is
//! resolved, by [`GuardedResolver`], because what it resolved to at the form may not be what
//! it resolves to when the event is sent (DNS rebinding). reqwest does not call the resolver
//! for IP-literal hosts, so those are checked on the URL itself.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};
use std::sync::Arc;

use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use super::DispatcherSettings;

/// Why a push URL is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the push URL must use http or https")]
    Scheme,
    #[error("the push URL is not a usable address")]
    Invalid,
    #[error("the push URL must not carry a user name or password")]
    UserInfo,
    #[error("the push URL's host is not on the allowlist")]
    NotAllowed,
    #[error("the push URL points to a loopback, private, link-local or reserved address")]
    Private,
}

impl Refusal {
    /// The message key shown at the form field.
    pub fn form_key(self) -> &'static str {
        match self {
            Refusal::Scheme => "factory-url-scheme",
            Refusal::Invalid => "factory-url-invalid",
            Refusal::UserInfo => "factory-url-userinfo",
            Refusal::NotAllowed => "factory-url-not-allowed",
            Refusal::Private => "factory-url-private",
        }
    }
}

/// Whether pushes to `host` (a lowercased name or address) may reach non-public addresses:
/// everywhere when the operator says so, otherwise only for hosts the allowlist names.
pub fn private_allowed(settings: &DispatcherSettings, host: &str) -> bool {
    let host = host.trim_end_matches('.');
    settings.allow_private || settings.allowed_hosts.iter().any(|a| a.eq_ignore_ascii_case(host))
}

/// Checks a push URL as the form and the dispatcher see it: scheme, syntax, user info, the
/// allowlist, and IP-literal hosts in any spelling the URL parser accepts (`2130706433`,
/// `0177.0.0.1`, `0x7f.1`, `[::ffff:127.0.0.1]` are all 127.0.0.1). Names are checked again
/// when they are resolved.
pub fn check(url: &str, settings: &DispatcherSettings) -> Result<Url, Refusal> {
    // A backslash is read as a slash by the parser but not by every reader of the URL (a
    // reviewer's `http://example.com\@127.0.0.1/`): none belongs in a push URL.
    if url.chars().any(|c| c.is_whitespace() || c.is_control() || c == '\\') {
        return Err(Refusal::Invalid);
    }
    let scheme_ok = |s: &str| s.eq_ignore_ascii_case("http") || s.eq_ignore_ascii_case("https");
    let parsed = match Url::parse(url) {
        Ok(u) => u,
        Err(_) => {
            let scheme = url.split_once(':').map_or("", |(s, _)| s);
            return Err(if scheme_ok(scheme) { Refusal::Invalid } else { Refusal::Scheme });
        }
    };
    if !scheme_ok(parsed.scheme()) {
        return Err(Refusal::Scheme);
    }
    // The parser is lenient in ways a reader of the form would not expect (`https:///host`,
    // backslashes for slashes, an empty user info dropped): the raw text must read plainly
    // as `scheme://authority`, with no `@` in the authority.
    let Some((_, after)) = url.split_once("://") else { return Err(Refusal::Invalid) };
    let raw_authority = after.split(['/', '\\', '?', '#']).next().unwrap_or("");
    if raw_authority.is_empty() {
        return Err(Refusal::Invalid);
    }
    if !parsed.username().is_empty() || parsed.password().is_some() || raw_authority.contains('@') {
        return Err(Refusal::UserInfo);
    }
    // The parser has already turned every IPv4 spelling into dotted decimal and bracketed
    // IPv6; what is left unparsed is a name.
    let raw_host = parsed.host_str().filter(|h| !h.is_empty()).ok_or(Refusal::Invalid)?;
    if !settings.allows(url) {
        return Err(Refusal::NotAllowed);
    }
    let name = raw_host.trim_start_matches('[').trim_end_matches(']').trim_end_matches('.').to_ascii_lowercase();
    // DNS allows 253 characters in a name and 63 in a label: a longer one resolves nowhere.
    if name.parse::<IpAddr>().is_err() && (name.len() > 253 || name.split('.').any(|l| l.is_empty() || l.len() > 63)) {
        return Err(Refusal::Invalid);
    }
    let forbidden = match name.parse::<IpAddr>() {
        Ok(ip) => is_forbidden(ip),
        // RFC 6761: `localhost` and its subdomains are loopback whatever DNS says.
        Err(_) => name == "localhost" || name.ends_with(".localhost"),
    };
    if forbidden && !private_allowed(settings, &name) {
        return Err(Refusal::Private);
    }
    Ok(parsed)
}

/// Whether an address is anything but a public unicast address: loopback, private,
/// link-local (with the 169.254.169.254 metadata service), shared (CGNAT), unspecified,
/// broadcast, multicast, documentation, benchmarking or reserved; IPv6 forms that carry an
/// IPv4 address (mapped, compatible, NAT64, 6to4) are judged by that address.
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4_forbidden(v4),
        IpAddr::V6(v6) => v6_forbidden(v6),
    }
}

fn in_v4(ip: Ipv4Addr, net: [u8; 4], prefix: u32) -> bool {
    let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
    (u32::from(ip) & mask) == (u32::from(Ipv4Addr::from(net)) & mask)
}

fn v4_forbidden(ip: Ipv4Addr) -> bool {
    const RANGES: &[([u8; 4], u32)] = &[
        ([0, 0, 0, 0], 8),        // "this network", unspecified
        ([10, 0, 0, 0], 8),       // private
        ([100, 64, 0, 0], 10),    // shared address space (carrier-grade NAT)
        ([127, 0, 0, 0], 8),      // loopback
        ([169, 254, 0, 0], 16),   // link-local, cloud metadata
        ([172, 16, 0, 0], 12),    // private
        ([192, 0, 0, 0], 24),     // IETF protocol assignments
        ([192, 0, 2, 0], 24),     // documentation
        ([192, 88, 99, 0], 24),   // 6to4 relay anycast
        ([192, 168, 0, 0], 16),   // private
        ([198, 18, 0, 0], 15),    // benchmarking
        ([198, 51, 100, 0], 24),  // documentation
        ([203, 0, 113, 0], 24),   // documentation
        ([224, 0, 0, 0], 4),      // multicast
        ([240, 0, 0, 0], 4),      // reserved, and 255.255.255.255 broadcast
    ];
    RANGES.iter().any(|&(net, prefix)| in_v4(ip, net, prefix))
}

fn in_v6(ip: Ipv6Addr, net: [u16; 8], prefix: u32) -> bool {
    let mask = if prefix == 0 { 0 } else { u128::MAX << (128 - prefix) };
    (u128::from(ip) & mask) == (u128::from(Ipv6Addr::from(net)) & mask)
}

fn embedded_v4(bits: u128, shift: u32) -> Ipv4Addr {
    Ipv4Addr::from(((bits >> shift) & 0xffff_ffff) as u32)
}

fn v6_forbidden(ip: Ipv6Addr) -> bool {
    let bits = u128::from(ip);
    // Forms carrying an IPv4 address reach that address (the kernel, a NAT64 or 6to4 gateway
    // translates): judge them by it.
    if in_v6(ip, [0, 0, 0, 0, 0, 0xffff, 0, 0], 96) // IPv4-mapped
        || in_v6(ip, [0, 0, 0, 0, 0xffff, 0, 0, 0], 96) // IPv4-translated (SIIT)
        || in_v6(ip, [0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96)
    // NAT64 well-known prefix
    {
        return v4_forbidden(embedded_v4(bits, 0));
    }
    if in_v6(ip, [0x2002, 0, 0, 0, 0, 0, 0, 0], 16) {
        return v4_forbidden(embedded_v4(bits, 80)); // 6to4
    }
    // Only global unicast (2000::/3) is public at all; within it, the special ranges.
    if !in_v6(ip, [0x2000, 0, 0, 0, 0, 0, 0, 0], 3) {
        // ::, ::1, IPv4-compatible, discard 100::/64, ULA fc00::/7, link-local fe80::/10,
        // site-local fec0::/10, multicast ff00::/8 and everything unassigned.
        return true;
    }
    const RANGES: &[([u16; 8], u32)] = &[
        ([0x2001, 0, 0, 0, 0, 0, 0, 0], 23),      // IETF protocol assignments, Teredo 2001::/32
        ([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32),  // documentation
        ([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20),      // documentation
        ([0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48),   // local-use NAT64 (outside 2000::/3, kept for clarity)
    ];
    RANGES.iter().any(|&(net, prefix)| in_v6(ip, net, prefix))
}

/// Looks names up with the system resolver (getaddrinfo), off the async threads.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemResolver;

impl Resolve for SystemResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs = tokio::task::spawn_blocking(move || (host.as_str(), 0).to_socket_addrs().map(Iterator::collect::<Vec<_>>))
                .await
                .map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)??;
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// The resolver push hosts are looked up with, behind the guard.
#[derive(Clone)]
pub struct Resolver(pub Arc<dyn Resolve>);

impl Default for Resolver {
    fn default() -> Self {
        Resolver(Arc::new(SystemResolver))
    }
}

impl std::fmt::Debug for Resolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Resolver")
    }
}

/// The error a connection attempt fails with when a name resolves only to forbidden addresses.
#[derive(Debug, thiserror::Error)]
#[error("refused: {name} resolves only to loopback, private, link-local or reserved addresses")]
pub struct ResolvedToForbidden {
    pub name: String,
}

/// Resolves with an inner resolver and drops every forbidden address it returns (for hosts
/// that are not allowed them); when none is left the connection is refused.
pub struct GuardedResolver {
    inner: Arc<dyn Resolve>,
    settings: DispatcherSettings,
}

impl GuardedResolver {
    pub fn new(inner: Arc<dyn Resolve>, settings: &DispatcherSettings) -> Self {
        Self { inner, settings: settings.clone() }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_ascii_lowercase();
        let open = private_allowed(&self.settings, &host);
        let pending = self.inner.resolve(name);
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = pending.await?.collect();
            let kept: Vec<SocketAddr> = addrs.into_iter().filter(|a| open || !is_forbidden(a.ip())).collect();
            if kept.is_empty() {
                return Err(Box::new(ResolvedToForbidden { name: host }) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(kept.into_iter()) as Addrs)
        })
    }
}

/// The HTTP client the dispatcher sends with: no redirects (a 3xx is a failure, and a redirect
/// could point anywhere), no proxy from the environment (a proxy would resolve the name
/// itself, past the guard), and names resolved through the guard.
pub fn client_builder(settings: &DispatcherSettings, resolver: Arc<dyn Resolve>) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .dns_resolver(Arc::new(GuardedResolver::new(resolver, settings)))
}

/// A send error as the delivery log shows it: the guard's refusal when that is the cause
/// (reqwest's own message only names the URL).
pub fn describe(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(refused) = s.downcast_ref::<ResolvedToForbidden>() {
            return refused.to_string();
        }
        // What went wrong underneath: refused, reset and closed all read "error sending
        // request for url (…)".
        let said = s.to_string();
        if !text.contains(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::sync::Mutex;

    fn strict() -> DispatcherSettings {
        DispatcherSettings::default()
    }

    fn refused(url: &str) -> Option<Refusal> {
        check(url, &strict()).err()
    }

    #[test]
    fn public_http_and_https_urls_pass() {
        assert!(check("https://factory.example/hooks", &strict()).is_ok());
        assert!(check("http://93.184.216.34:8080/x", &strict()).is_ok());
        assert!(check("https://[2606:2800:220:1:248:1893:25c8:1946]/x", &strict()).is_ok());
        assert!(check("HTTPS://Factory.Example/", &strict()).is_ok());
    }

    #[test]
    fn other_schemes_user_info_and_broken_urls_are_refused() {
        for url in ["ftp://factory.example/", "file:///etc/passwd", "gopher://x/", "javascript:alert(1)", "factory.example/hooks", "//factory.example/"] {
            assert_eq!(refused(url), Some(Refusal::Scheme), "{url}");
        }
        for url in ["http://a@b.example/", "https://user:pw@factory.example/", "http://@factory.example/", "http://factory.example@127.0.0.1/"] {
            assert_eq!(refused(url), Some(Refusal::UserInfo), "{url}");
        }
        for url in ["https:///nohost", "http:\\\\factory.example/", "http://", "http:/factory.example/", "http://fac tory.example/", "http://factory.example/\n", "http://[::1/"] {
            assert_eq!(refused(url), Some(Refusal::Invalid), "{url}");
        }
    }

    #[test]
    fn loopback_private_and_metadata_addresses_are_refused_in_every_spelling() {
        for url in [
            "http://127.0.0.1/", "http://127.1.2.3:9000/x", "http://2130706433/", "http://0177.0.0.1/", "http://0x7f.1/",
            "http://0x7f000001/", "http://017700000001/", "http://127.1/", "http://0/", "http://0.0.0.0/",
            "http://10.0.0.1/", "http://172.16.5.4/", "http://172.31.255.255/", "http://192.168.1.1/",
            "http://169.254.169.254/latest/meta-data/", "http://100.64.0.1/", "http://100.127.255.254/",
            "http://255.255.255.255/", "http://224.0.0.1/", "http://240.0.0.1/", "http://198.18.0.1/",
            "http://[::1]/", "http://[::]/", "http://[fc00::1]/", "http://[fd12:3456::1]/", "http://[fe80::1]/",
            "http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/", "http://[::ffff:169.254.169.254]/",
            "http://[64:ff9b::10.0.0.1]/", "http://[64:ff9b::a9fe:a9fe]/", "http://[2002:7f00:1::]/", "http://[2002:c0a8:101::1]/",
            "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", "http://[ff02::1]/", "http://[::127.0.0.1]/", "http://[2001:db8::1]/",
            "http://localhost:8080/", "http://LOCALHOST./", "http://api.localhost/",
        ] {
            assert_eq!(refused(url), Some(Refusal::Private), "{url}");
        }
        // Mapped and translated forms of a public address are as public as it is.
        assert!(check("http://[::ffff:93.184.216.34]/", &strict()).is_ok());
        assert!(check("http://[64:ff9b::5db8:d822]/", &strict()).is_ok());
        assert!(check("http://[2002:5db8:d822::1]/", &strict()).is_ok());
        // 172.15 and 172.32 are outside 172.16/12; 100.63 and 100.128 outside 100.64/10.
        for url in ["http://172.15.0.1/", "http://172.32.0.1/", "http://100.63.255.255/", "http://100.128.0.0/"] {
            assert!(check(url, &strict()).is_ok(), "{url}");
        }
    }

    #[test]
    fn private_destinations_pass_only_when_the_operator_allows_them() {
        let open = DispatcherSettings { allow_private: true, ..strict() };
        assert!(check("http://127.0.0.1:9000/hooks", &open).is_ok());
        assert!(check("http://[::1]/", &open).is_ok());
        assert_eq!(check("ftp://127.0.0.1/", &open).err(), Some(Refusal::Scheme), "the scheme rule still holds");
        assert_eq!(check("http://a@127.0.0.1/", &open).err(), Some(Refusal::UserInfo));
        // Naming a private host in the allowlist allows that host, and only it.
        let listed = DispatcherSettings { allowed_hosts: vec!["10.1.2.3".into(), "factory.internal".into()], ..strict() };
        assert!(check("http://10.1.2.3/hooks", &listed).is_ok());
        assert_eq!(check("http://10.1.2.4/hooks", &listed).err(), Some(Refusal::NotAllowed));
        assert!(private_allowed(&listed, "factory.internal"));
        assert!(!private_allowed(&listed, "other.internal"));
    }

    fn v4_net(net: [u8; 4], prefix: u32) -> impl Strategy<Value = Ipv4Addr> {
        any::<u32>().prop_map(move |r| {
            let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
            Ipv4Addr::from((u32::from(Ipv4Addr::from(net)) & mask) | (r & !mask))
        })
    }

    proptest! {
        #[test]
        fn every_address_of_a_forbidden_v4_range_is_forbidden_in_every_form(ip in prop_oneof![
            v4_net([127, 0, 0, 0], 8), v4_net([10, 0, 0, 0], 8), v4_net([172, 16, 0, 0], 12), v4_net([192, 168, 0, 0], 16),
            v4_net([169, 254, 0, 0], 16), v4_net([100, 64, 0, 0], 10), v4_net([0, 0, 0, 0], 8), v4_net([224, 0, 0, 0], 3),
        ]) {
            prop_assert!(is_forbidden(IpAddr::V4(ip)));
            prop_assert!(is_forbidden(IpAddr::V6(ip.to_ipv6_mapped())));
            let nat64 = Ipv6Addr::from((u128::from(Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0))) | u128::from(u32::from(ip)));
            prop_assert!(is_forbidden(IpAddr::V6(nat64)));
            let six_to_four = Ipv6Addr::from((0x2002u128 << 112) | (u128::from(u32::from(ip)) << 80) | 1);
            prop_assert!(is_forbidden(IpAddr::V6(six_to_four)));
            // The URL parser's spellings of the same address: decimal, hex, octal.
            let n = u32::from(ip);
            for url in [format!("http://{n}/"), format!("http://0x{n:x}/"), format!("http://0{n:o}/")] {
                prop_assert_eq!(check(&url, &strict()).err(), Some(Refusal::Private), "{}", url);
            }
        }

        #[test]
        fn ipv6_outside_global_unicast_is_forbidden(bits in any::<u128>()) {
            let ip = Ipv6Addr::from(bits);
            let global = (bits >> 125) == 0b001;
            if !global && !in_v6(ip, [0, 0, 0, 0, 0, 0xffff, 0, 0], 96) && !in_v6(ip, [0, 0, 0, 0, 0xffff, 0, 0, 0], 96) && !in_v6(ip, [0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96) {
                prop_assert!(is_forbidden(IpAddr::V6(ip)));
            }
        }

        #[test]
        fn the_check_never_panics(url in "\\PC{0,60}") {
            let _ = check(&url, &strict());
        }
    }

    /// A resolver that records the names it is asked for and answers with chosen addresses;
    /// nothing is looked up and nothing is sent.
    struct StubResolver {
        answers: Vec<IpAddr>,
        asked: Arc<Mutex<Vec<String>>>,
    }

    impl Resolve for StubResolver {
        fn resolve(&self, name: Name) -> Resolving {
            self.asked.lock().unwrap().push(name.as_str().to_owned());
            let addrs: Vec<SocketAddr> = self.answers.iter().map(|ip| SocketAddr::new(*ip, 0)).collect();
            Box::pin(async move { Ok(Box::new(addrs.into_iter()) as Addrs) })
        }
    }

    fn stub(answers: &[&str]) -> (Arc<StubResolver>, Arc<Mutex<Vec<String>>>) {
        let asked = Arc::<Mutex<Vec<String>>>::default();
        (Arc::new(StubResolver { answers: answers.iter().map(|a| a.parse().unwrap()).collect(), asked: asked.clone() }), asked)
    }

    async fn resolved(guard: &GuardedResolver, name: &str) -> Result<Vec<IpAddr>, String> {
        match guard.resolve(name.parse().unwrap()).await {
            Ok(addrs) => Ok(addrs.map(|a| a.ip()).collect()),
            Err(e) => Err(e.to_string()),
        }
    }

    #[tokio::test]
    async fn a_name_that_resolves_to_forbidden_addresses_is_refused_and_public_ones_are_kept() {
        let (inner, asked) = stub(&["10.0.0.7", "169.254.169.254", "::1", "::ffff:127.0.0.1"]);
        let guard = GuardedResolver::new(inner, &strict());
        let err = resolved(&guard, "rebind.example").await.unwrap_err();
        assert_eq!(err, "refused: rebind.example resolves only to loopback, private, link-local or reserved addresses");
        assert_eq!(*asked.lock().unwrap(), vec!["rebind.example"]);

        // A mixed answer: only the public address is offered to the connector.
        let (inner, _) = stub(&["192.168.0.10", "93.184.216.34", "fd00::1", "2606:2800:220:1::1"]);
        let guard = GuardedResolver::new(inner, &strict());
        let kept = resolved(&guard, "mixed.example").await.unwrap();
        assert_eq!(kept, vec!["93.184.216.34".parse::<IpAddr>().unwrap(), "2606:2800:220:1::1".parse().unwrap()]);

        // Allowed by the operator, or for a host the allowlist names: everything is kept.
        let (inner, _) = stub(&["10.0.0.7"]);
        let listed = DispatcherSettings { allowed_hosts: vec!["factory.internal".into()], ..strict() };
        let guard = GuardedResolver::new(inner, &listed);
        assert_eq!(resolved(&guard, "factory.internal").await.unwrap(), vec!["10.0.0.7".parse::<IpAddr>().unwrap()]);
    }

    #[tokio::test]
    async fn the_dispatch_client_refuses_a_rebound_name_before_connecting() {
        // The stub answers with the metadata address; the guard refuses before any
        // connection is attempted, and the error says why.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let (inner, asked) = stub(&["169.254.169.254"]);
        let client = client_builder(&strict(), inner).build().unwrap();
        let err = client.post("http://factory.example:8080/hooks").body("{}").send().await.unwrap_err();
        assert!(err.is_connect() || err.is_request(), "{err:?}");
        assert_eq!(describe(&err), "refused: factory.example resolves only to loopback, private, link-local or reserved addresses");
        assert_eq!(*asked.lock().unwrap(), vec!["factory.example"]);
    }
}
