//! `GET /metrics` on the RPC port: an HTTP middleware in front of the JSON-RPC service.
//!
//! Serving the metrics on the RPC port keeps one listening socket per node; the route answers
//! only `GET /metrics`, and every other request goes on to the JSON-RPC service untouched.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use jsonrpsee::core::BoxError;
use jsonrpsee::server::{HttpBody, HttpRequest, HttpResponse};
use tower::{Layer, Service};

use crate::node::Node;
use crate::node::metrics::CONTENT_TYPE;

/// The path of the metrics page.
pub const METRICS_PATH: &str = "/metrics";

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
