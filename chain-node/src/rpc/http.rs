//! The HTTP middleware in front of the JSON-RPC service: the `Host` check and `GET /metrics`.
//!
//! The `Host` check ([`HostFilterLayer`], geth's `--http.vhosts`) defends against DNS rebinding:
//! a web page on `evil.example` that points its name at 127.0.0.1 makes the browser send
//! requests (and WebSocket upgrades) to the node with `Host: evil.example`, which the check
//! refuses with geth's 403 "invalid host specified". Names not listed are refused; IP
//! addresses are always accepted, as geth does, since a page cannot be served from a rebound
//! IP literal. A request without a `Host` (or with an empty one) is served, as geth serves it:
//! a browser always sends one.
//!
//! Serving the metrics on the RPC port keeps one listening socket per node; the route answers
//! only `GET /metrics`, and every other request goes on to the JSON-RPC service untouched.

use std::collections::HashSet;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{HeaderValue, Method};
use jsonrpsee::core::BoxError;
use jsonrpsee::server::{HttpBody, HttpRequest, HttpResponse};
use tower::{Layer, Service};
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};

use crate::node::Node;
use crate::node::metrics::CONTENT_TYPE;

/// The path of the metrics page.
pub const METRICS_PATH: &str = "/metrics";

/// geth's `--http.vhosts` default.
pub const DEFAULT_VHOSTS: &str = "localhost";

/// geth's answer to a request with a `Host` that is not allowed (status 403).
pub const INVALID_HOST: &str = "invalid host specified";

/// The host names a request may name in its `Host` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VirtualHosts {
    /// Any host (`*`).
    Any,
    /// These names, lower case (IP addresses are always accepted).
    Names(HashSet<String>),
}

impl VirtualHosts {
    /// geth's list: names separated by commas, `*` for any.
    pub fn parse(list: &str) -> Self {
        Self::from_names(list.split(','))
    }

    /// The given names (`*` among them: any).
    pub fn from_names<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> Self {
        let mut set = HashSet::new();
        for name in names {
            let name = name.as_ref().trim().to_ascii_lowercase();
            if name == "*" {
                return Self::Any;
            }
            if !name.is_empty() {
                set.insert(name);
            }
        }
        Self::Names(set)
    }

    /// Whether a request with this `Host` value is served.
    pub fn allows(&self, host: &str) -> bool {
        let name = host_name(host);
        if name.parse::<IpAddr>().is_ok() {
            return true;
        }
        match self {
            Self::Any => true,
            Self::Names(names) => names.contains(&name.to_ascii_lowercase()),
        }
    }
}

impl Default for VirtualHosts {
    fn default() -> Self {
        Self::parse(DEFAULT_VHOSTS)
    }
}

/// The host part of a `Host` value: without the port, and without the brackets of an IPv6
/// address (Go's `net.SplitHostPort`, falling back to the whole value as geth does).
fn host_name(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split_once(']').map_or(host, |(address, _)| address);
    }
    match host.rsplit_once(':') {
        Some((name, _)) if !name.contains(':') => name,
        _ => host,
    }
}

/// The origins a browser page may call the node from (geth's `--http.corsdomain`).
///
/// A browser sends a cross-origin JSON-RPC request only after a preflight (`OPTIONS`, the
/// request is a JSON `POST`) whose answer names the page's origin, and shows the page the
/// answer only if it carries `Access-Control-Allow-Origin`. Outside `--dev` no origin is
/// allowed, as geth's default: a page a user visits must not drive a node that may hold funds
/// behind its RPC. `--dev` allows any (`*`), as anvil does, so a dapp served from its own dev
/// server reaches the node.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum CorsOrigins {
    /// No cross-origin requests (no CORS headers).
    #[default]
    None,
    /// Any origin (`*`).
    Any,
    /// These origins, e.g. `http://localhost:5173`.
    List(Vec<String>),
}

impl CorsOrigins {
    /// geth's list: origins separated by commas, `*` for any, empty for none.
    pub fn parse(list: &str) -> Self {
        let origins: Vec<String> = list
            .split(',')
            .map(str::trim)
            .filter(|origin| !origin.is_empty())
            .map(str::to_string)
            .collect();
        if origins.iter().any(|origin| origin == "*") {
            Self::Any
        } else if origins.is_empty() {
            Self::None
        } else {
            Self::List(origins)
        }
    }

    /// The CORS middleware, none for [`CorsOrigins::None`]. Preflights are answered for `POST`
    /// with any request headers (clients add their own, such as `Authorization`), cached by the
    /// browser for a day. An origin that is not a valid header value never matches.
    pub fn layer(&self) -> Option<CorsLayer> {
        let origins = match self {
            Self::None => return None,
            Self::Any => AllowOrigin::any(),
            Self::List(list) => AllowOrigin::list(
                list.iter()
                    .filter_map(|origin| HeaderValue::from_str(origin).ok()),
            ),
        };
        Some(
            CorsLayer::new()
                .allow_origin(origins)
                .allow_methods([Method::POST, Method::GET, Method::OPTIONS])
                .allow_headers(AllowHeaders::mirror_request())
                .max_age(std::time::Duration::from_secs(86_400)),
        )
    }
}

/// Refuses requests whose `Host` is not allowed.
#[derive(Clone, Debug)]
pub struct HostFilterLayer {
    hosts: Arc<VirtualHosts>,
}

impl HostFilterLayer {
    /// The check for `hosts`.
    pub fn new(hosts: VirtualHosts) -> Self {
        Self {
            hosts: Arc::new(hosts),
        }
    }
}

impl<S> Layer<S> for HostFilterLayer {
    type Service = HostFilter<S>;

    fn layer(&self, inner: S) -> Self::Service {
        HostFilter {
            inner,
            hosts: Arc::clone(&self.hosts),
        }
    }
}

/// The service [`HostFilterLayer`] builds.
#[derive(Clone, Debug)]
pub struct HostFilter<S> {
    inner: S,
    hosts: Arc<VirtualHosts>,
}

impl<S> HostFilter<S> {
    fn allowed(&self, request: &HttpRequest) -> bool {
        let host = match request.headers().get("host") {
            Some(value) => match value.to_str() {
                Ok(text) => Some(text),
                Err(_) => return false,
            },
            // HTTP/2 carries the host in the URI.
            None => request
                .uri()
                .authority()
                .map(|authority| authority.as_str()),
        };
        host.is_none_or(|host| host.is_empty() || self.hosts.allows(host))
    }
}

impl<S> Service<HttpRequest> for HostFilter<S>
where
    S: Service<HttpRequest, Response = HttpResponse>,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
{
    type Response = HttpResponse;
    type Error = BoxError;
    type Future = BoxFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: HttpRequest) -> Self::Future {
        if !self.allowed(&request) {
            tracing::debug!(host = ?request.headers().get("host"), "refused a request for a host not in --http.vhosts");
            return Box::pin(async {
                let response = HttpResponse::builder()
                    .status(403)
                    .header("content-type", "text/plain; charset=utf-8")
                    .body(HttpBody::from(format!("{INVALID_HOST}\n")))?;
                Ok(response)
            });
        }
        let future = self.inner.call(request);
        Box::pin(async move { future.await.map_err(Into::into) })
    }
}

/// Adds the metrics route.
#[derive(Clone, Debug)]
pub struct MetricsLayer {
    node: Arc<Node>,
}

impl MetricsLayer {
    /// The route for `node`'s metrics.
    pub fn new(node: Arc<Node>) -> Self {
        Self { node }
    }
}

impl<S> Layer<S> for MetricsLayer {
    type Service = MetricsRoute<S>;

    fn layer(&self, inner: S) -> Self::Service {
        MetricsRoute {
            inner,
            node: Arc::clone(&self.node),
        }
    }
}

/// The service [`MetricsLayer`] builds.
#[derive(Clone, Debug)]
pub struct MetricsRoute<S> {
    inner: S,
    node: Arc<Node>,
}

type BoxFuture = Pin<Box<dyn Future<Output = Result<HttpResponse, BoxError>> + Send>>;

impl<S> Service<HttpRequest> for MetricsRoute<S>
where
    S: Service<HttpRequest, Response = HttpResponse>,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
{
    type Response = HttpResponse;
    type Error = BoxError;
    type Future = BoxFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: HttpRequest) -> Self::Future {
        if request.method().as_str() == "GET" && request.uri().path() == METRICS_PATH {
            let node = Arc::clone(&self.node);
            return Box::pin(async move {
                let page = tokio::task::spawn_blocking(move || node.render_metrics()).await?;
                let response = HttpResponse::builder()
                    .status(200)
                    .header("content-type", CONTENT_TYPE)
                    .body(HttpBody::from(page))?;
                Ok(response)
            });
        }
        let future = self.inner.call(request);
        Box::pin(async move { future.await.map_err(Into::into) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_matched_by_name_without_port_and_ips_always_pass() {
        let hosts = VirtualHosts::default();
        for allowed in [
            "localhost",
            "localhost:8545",
            "LOCALHOST:1",
            "127.0.0.1",
            "127.0.0.1:8545",
            "[::1]",
            "[::1]:8545",
            "::1",
            "192.168.1.20:8545",
        ] {
            assert!(hosts.allows(allowed), "{allowed}");
        }
        for refused in [
            "evil.example",
            "evil.example:8545",
            "localhost.evil.example",
        ] {
            assert!(!hosts.allows(refused), "{refused}");
        }
        let listed = VirtualHosts::parse("node.example, Other.Example");
        assert!(listed.allows("node.example:80"));
        assert!(listed.allows("other.example"));
        assert!(!listed.allows("localhost"), "the list replaces the default");
        assert!(VirtualHosts::parse("a,*").allows("evil.example"));
    }
}
