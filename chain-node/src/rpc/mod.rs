//! The Ethereum JSON-RPC server: HTTP and WebSocket on one port (jsonrpsee), batches, and
//! `GET /metrics`.
//!
//! Every request is bounded before it reaches a handler: its `Host` must be allowed (geth's
//! `--http.vhosts`, against DNS rebinding), the body size (5 MiB: a contract deployment is at
//! most ~100 KB of init code, hex doubles it), the batch length, the response size, the number
//! of connections and of subscriptions per connection. Per-call work is bounded by the gas cap
//! for calls (geth's `--rpc.gascap`, and the block gas limit), by the range and result limits of
//! log queries and by the address and topic limits of filters; installed filters are capped in
//! number and expire when idle. Handlers run with their thread marked blocking, and a
//! submission awaits its block ([`Handler`]).
//!
//! Parameters are parsed strictly with geth's messages ([`params`]); answers have geth's shapes
//! ([`json`]) and errors geth's codes ([`error`]). jsonrpsee itself answers the protocol errors:
//! `-32700` "Parse error" for malformed JSON, `-32601` "Method not found", `-32600` "Invalid
//! request", `-32007` "Request is too big" (HTTP 413) for an oversized body and `-32010` "The
//! batch request was too large" for an oversized batch.

pub mod debug;
pub mod dev;
pub mod error;
pub mod eth;
pub mod filters;
pub mod http;
pub mod json;
pub mod params;
pub mod pubsub;
pub mod signer;
pub mod simulate;
pub mod trace;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonrpsee::RpcModule;
use jsonrpsee::core::middleware::{Batch, Notification, Request, RpcServiceBuilder, RpcServiceT};
use jsonrpsee::core::server::MethodResponse;
use jsonrpsee::server::{
    BatchRequestConfig, RegisterMethodError, ServerBuilder, ServerConfig, ServerHandle,
    TowerService,
};
use jsonrpsee::types::ErrorObject;
use tower::layer::util::{Identity, Stack};
use tower::util::{Either, option_layer};
use tower_http::cors::CorsLayer;

pub use error::RpcError;
pub use filters::{FILTER_TIMEOUT, Filters, LogLimits, MAX_FILTERS};
pub use http::{CorsOrigins, VirtualHosts};

use crate::node::Node;
use params::Args;

/// The default listening address.
pub const DEFAULT_ADDR: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 8545);

/// geth's default `--rpc.gascap`: the most gas one `eth_call` or `eth_estimateGas` runs with.
pub const DEFAULT_GAS_CAP: u64 = 50_000_000;

/// The server's limits and address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RpcConfig {
    /// Where to listen (port 0: any free port).
    pub addr: SocketAddr,
    /// Largest request body (HTTP) or message (WebSocket).
    pub max_request_body_bytes: u32,
    /// Largest response.
    pub max_response_body_bytes: u32,
    /// Most calls in one batch.
    pub max_batch: u32,
    /// Most simultaneous connections.
    pub max_connections: u32,
    /// Most subscriptions one WebSocket connection may hold.
    pub max_subscriptions_per_connection: u32,
    /// Log query limits (also for filters).
    pub logs: LogLimits,
    /// How long an unpolled filter lives.
    pub filter_timeout: Duration,
    /// Most filters installed at once.
    pub max_filters: usize,
    /// Most gas a call or estimate runs with (0: only the block gas limit).
    pub gas_cap: u64,
    /// The `Host` names requests may carry.
    pub vhosts: VirtualHosts,
    /// A dev chain (`--dev`, or a genesis with `devMode`): hold the dev accounts' keys and sign
    /// with them ([`signer`]), and take the test methods that control the chain ([`dev`]).
    pub dev_chain: bool,
    /// The origins browsers may call from (`--http.corsdomain`): none, the default outside
    /// `--dev`, or a list, or any (`*`).
    pub cors: http::CorsOrigins,
}

impl Default for RpcConfig {
    fn default() -> Self {
        Self {
            addr: DEFAULT_ADDR,
            max_request_body_bytes: 5 * 1024 * 1024,
            max_response_body_bytes: 32 * 1024 * 1024,
            max_batch: 100,
            max_connections: 256,
            max_subscriptions_per_connection: 128,
            logs: LogLimits::default(),
            filter_timeout: FILTER_TIMEOUT,
            max_filters: MAX_FILTERS,
            gas_cap: DEFAULT_GAS_CAP,
            vhosts: VirtualHosts::default(),
            dev_chain: false,
            cors: http::CorsOrigins::None,
        }
    }
}

/// What every handler sees.
#[derive(Debug)]
pub struct RpcContext {
    /// The node.
    pub node: Arc<Node>,
    /// Installed filters.
    pub filters: Filters,
    /// Log query limits.
    pub log_limits: LogLimits,
    /// The gas cap of calls (0: none beyond the block gas limit).
    pub gas_cap: u64,
    /// The keys the node signs with: the dev accounts on a dev chain, else none.
    pub signer: signer::Signer,
    /// The dev chain's test methods are available ([`dev`]).
    pub dev_chain: bool,
}

/// A handler that runs to its answer.
pub type SyncHandler = fn(&RpcContext, &Args) -> eth::Answer;

/// A handler that answers at once when it can, or leaves the request to another (`None`).
pub type BriefHandler = fn(&RpcContext, &Args) -> Option<eth::Answer>;

/// A handler that awaits an event.
pub type AsyncHandler = fn(Arc<RpcContext>, Args) -> AsyncAnswer;

/// The answer of an [`AsyncHandler`].
pub type AsyncAnswer = std::pin::Pin<Box<dyn Future<Output = eth::Answer> + Send>>;

/// A method's handler and where it runs.
#[derive(Clone, Copy, Debug)]
pub enum Handler {
    /// Work that may take milliseconds (runs contracts, walks blocks, seals), and lookups: in
    /// place on the connection's runtime thread, which first hands the tasks queued on it to
    /// another (`tokio::task::block_in_place`), so that no other request waits behind it.
    /// Lookups of microseconds ran on the worker itself for a while, without the hand-over;
    /// with that, a WebSocket subscription's task sometimes never saw its unsubscribe (its slot
    /// stayed taken for 30 s and more, `filters_and_subscriptions_are_bounded`), for a reason
    /// not yet found, so every handler goes through here but the brief `eth_call`.
    Blocking(SyncHandler),
    /// Tried in place on the runtime thread, without the hand-over, where the first handler
    /// bounds its own work (`eth_call`: [`crate::chain::Chain::call_briefly`]); what it leaves
    /// goes to the second, as [`Handler::Blocking`].
    Brief(BriefHandler, SyncHandler),
    /// Waits for an event (the block holding a transaction) without holding a thread.
    Async(AsyncHandler),
}

use Handler::{Async, Blocking, Brief};

/// Every method but the subscriptions: name, most parameters it takes, handler.
pub const METHODS: &[(&str, usize, Handler)] = &[
    ("web3_clientVersion", 0, Blocking(eth::client_version)),
    ("web3_sha3", 1, Blocking(eth::sha3)),
    ("net_version", 0, Blocking(eth::net_version)),
    ("net_listening", 0, Blocking(eth::net_listening)),
    ("net_peerCount", 0, Blocking(eth::net_peer_count)),
    ("eth_chainId", 0, Blocking(eth::chain_id)),
    ("eth_blockNumber", 0, Blocking(eth::block_number)),
    ("eth_syncing", 0, Blocking(eth::syncing)),
    ("eth_mining", 0, Blocking(eth::mining)),
    ("eth_accounts", 0, Blocking(eth::accounts)),
    ("eth_coinbase", 0, Blocking(eth::coinbase)),
    ("eth_sendTransaction", 1, Blocking(eth::send_transaction)),
    ("eth_signTransaction", 1, Blocking(eth::sign_transaction)),
    ("eth_fillTransaction", 1, Blocking(eth::fill_transaction)),
    ("eth_sign", 2, Blocking(eth::sign)),
    ("personal_sign", 3, Blocking(eth::personal_sign)),
    ("eth_signTypedData_v4", 2, Blocking(eth::sign_typed_data)),
    (
        "eth_getUncleCountByBlockNumber",
        1,
        Blocking(eth::get_uncle_count_by_block_number),
    ),
    (
        "eth_getUncleCountByBlockHash",
        1,
        Blocking(eth::get_uncle_count_by_block_hash),
    ),
    (
        "eth_getUncleByBlockNumberAndIndex",
        2,
        Blocking(eth::get_uncle_by_block_number_and_index),
    ),
    (
        "eth_getUncleByBlockHashAndIndex",
        2,
        Blocking(eth::get_uncle_by_block_hash_and_index),
    ),
    ("eth_gasPrice", 0, Blocking(eth::gas_price)),
    (
        "eth_maxPriorityFeePerGas",
        0,
        Blocking(eth::max_priority_fee),
    ),
    ("eth_baseFee", 0, Blocking(eth::base_fee)),
    ("eth_capabilities", 0, Blocking(eth::capabilities)),
    ("eth_getStorageValues", 2, Blocking(eth::get_storage_values)),
    ("debug_getBadBlocks", 0, Blocking(debug::get_bad_blocks)),
    ("eth_feeHistory", 3, Blocking(eth::fee_history)),
    ("eth_getBalance", 2, Blocking(eth::get_balance)),
    (
        "eth_getTransactionCount",
        2,
        Blocking(eth::get_transaction_count),
    ),
    ("eth_getCode", 2, Blocking(eth::get_code)),
    ("eth_getStorageAt", 3, Blocking(eth::get_storage_at)),
    ("eth_getProof", 3, Blocking(eth::get_proof)),
    ("eth_call", 4, Brief(eth::call_briefly, eth::call)),
    ("eth_estimateGas", 4, Blocking(eth::estimate_gas)),
    ("eth_simulateV1", 2, Blocking(simulate::simulate)),
    ("eth_createAccessList", 2, Blocking(eth::create_access_list)),
    ("debug_getRawHeader", 1, Blocking(debug::get_raw_header)),
    ("debug_getRawBlock", 1, Blocking(debug::get_raw_block)),
    (
        "debug_getRawTransaction",
        1,
        Blocking(debug::get_raw_transaction),
    ),
    ("debug_getRawReceipts", 1, Blocking(debug::get_raw_receipts)),
    (
        "eth_sendRawTransaction",
        1,
        Async(eth::send_raw_transaction),
    ),
    (
        "eth_getTransactionByHash",
        1,
        Blocking(eth::get_transaction_by_hash),
    ),
    (
        "eth_getTransactionReceipt",
        1,
        Blocking(eth::get_transaction_receipt),
    ),
    (
        "eth_getBlockByNumber",
        2,
        Blocking(eth::get_block_by_number),
    ),
    ("eth_getBlockByHash", 2, Blocking(eth::get_block_by_hash)),
    (
        "eth_getBlockTransactionCountByNumber",
        1,
        Blocking(eth::get_block_transaction_count_by_number),
    ),
    (
        "eth_getBlockTransactionCountByHash",
        1,
        Blocking(eth::get_block_transaction_count_by_hash),
    ),
    (
        "eth_getTransactionByBlockNumberAndIndex",
        2,
        Blocking(eth::get_transaction_by_block_number_and_index),
    ),
    (
        "eth_getTransactionByBlockHashAndIndex",
        2,
        Blocking(eth::get_transaction_by_block_hash_and_index),
    ),
    ("eth_getBlockReceipts", 1, Blocking(eth::get_block_receipts)),
    ("eth_getLogs", 1, Blocking(eth::get_logs)),
    ("eth_newFilter", 1, Blocking(eth::new_filter)),
    ("eth_newBlockFilter", 0, Blocking(eth::new_block_filter)),
    (
        "eth_newPendingTransactionFilter",
        1,
        Blocking(eth::new_pending_transaction_filter),
    ),
    ("eth_getFilterChanges", 1, Blocking(eth::get_filter_changes)),
    ("eth_getFilterLogs", 1, Blocking(eth::get_filter_logs)),
    ("eth_uninstallFilter", 1, Blocking(eth::uninstall_filter)),
    ("evm_mine", 1, Blocking(dev::evm_mine)),
    ("anvil_mine", 2, Blocking(dev::anvil_mine)),
    ("hardhat_mine", 2, Blocking(dev::anvil_mine)),
    ("evm_increaseTime", 1, Blocking(dev::evm_increase_time)),
    (
        "evm_setNextBlockTimestamp",
        1,
        Blocking(dev::evm_set_next_block_timestamp),
    ),
    ("evm_snapshot", 0, Blocking(dev::evm_snapshot)),
    ("evm_revert", 1, Blocking(dev::evm_revert)),
    ("anvil_reset", 1, Blocking(dev::anvil_reset)),
    ("hardhat_reset", 1, Blocking(dev::anvil_reset)),
    ("anvil_setBalance", 2, Blocking(dev::anvil_set_balance)),
    ("hardhat_setBalance", 2, Blocking(dev::hardhat_set_balance)),
    ("anvil_setNonce", 2, Blocking(dev::anvil_set_nonce)),
    ("hardhat_setNonce", 2, Blocking(dev::hardhat_set_nonce)),
    ("anvil_setCode", 2, Blocking(dev::anvil_set_code)),
    ("hardhat_setCode", 2, Blocking(dev::hardhat_set_code)),
    ("anvil_setStorageAt", 3, Blocking(dev::anvil_set_storage_at)),
    (
        "hardhat_setStorageAt",
        3,
        Blocking(dev::hardhat_set_storage_at),
    ),
    (
        "anvil_setNextBlockTimestamp",
        1,
        Blocking(dev::evm_set_next_block_timestamp),
    ),
    (
        "anvil_impersonateAccount",
        1,
        Blocking(dev::anvil_impersonate_account),
    ),
    (
        "hardhat_impersonateAccount",
        1,
        Blocking(dev::hardhat_impersonate_account),
    ),
    (
        "anvil_stopImpersonatingAccount",
        1,
        Blocking(dev::anvil_stop_impersonating_account),
    ),
    (
        "hardhat_stopImpersonatingAccount",
        1,
        Blocking(dev::hardhat_stop_impersonating_account),
    ),
    (
        "anvil_autoImpersonateAccount",
        1,
        Blocking(dev::anvil_auto_impersonate_account),
    ),
    (
        "debug_traceTransaction",
        2,
        Blocking(trace::trace_transaction),
    ),
    ("debug_traceBlockByNumber", 2, Blocking(trace::trace_block)),
    ("debug_traceBlockByHash", 2, Blocking(trace::trace_block)),
    ("debug_traceCall", 3, Blocking(trace::trace_call)),
];

/// The methods of the JSON-RPC specification (`ethereum/execution-apis`) this node does not
/// serve, and why; each answers `-32601` with its reason.
pub const NOT_SERVED: &[(&str, &str)] = &[
    (
        "eth_blobBaseFee",
        "rewasm has no blob transactions (EIP-4844): contracts are wasm, data goes in calldata",
    ),
    (
        "eth_getBlockAccessList",
        "rewasm blocks carry no block-level access lists (EIP-7928)",
    ),
    (
        "debug_getRawBlockAccessList",
        "rewasm blocks carry no block-level access lists (EIP-7928)",
    ),
    (
        "eth_config",
        "rewasm has no Ethereum forks or fork ids (EIP-7910); its rules are the genesis's gas \
         schedule and limits",
    ),
];

/// The RPC module: every method of [`METHODS`] plus `eth_subscribe` / `eth_unsubscribe`.
pub fn module(context: RpcContext) -> Result<RpcModule<RpcContext>, RegisterMethodError> {
    let mut module = RpcModule::new(context);
    for &(name, arity, handler) in METHODS {
        module.register_async_method(name, move |params, context, _| async move {
            let started = Instant::now();
            let result = match handler {
                Brief(brief, handler) if may_be_brief(params.as_str()) => match Args::parse(params.as_str(), arity) {
                    Ok(args) => match brief(&context, &args) {
                        Some(answer) => answer,
                        None => run_blocking(name, &context, move |context| handler(context, &args))
                            .await,
                    },
                    Err(error) => Err(error),
                },
                Blocking(handler) | Brief(_, handler) => run_blocking(name, &context, move |context| {
                    handler(context, &Args::parse(params.as_str(), arity)?)
                })
                .await,
                Async(handler) => match Args::parse(params.as_str(), arity) {
                    Ok(args) => handler(Arc::clone(&context), args).await,
                    Err(error) => Err(error),
                },
            };
            context
                .node
                .metrics()
                .rpc_call(name, started.elapsed(), result.is_err());
            if let Err(error) = &result {
                tracing::debug!(method = name, code = error.code, message = %error.message, "rpc error");
            }
            result
        })?;
    }
    for &(name, reason) in NOT_SERVED {
        module.register_method(name, move |_, _, _| -> Result<(), ErrorObject<'static>> {
            Err(ErrorObject::owned(
                error::METHOD_NOT_FOUND,
                format!("the method {name} is not served: {reason}"),
                None::<()>,
            ))
        })?;
    }
    pubsub::register(&mut module)?;
    Ok(module)
}

/// The largest parameters a brief handler parses on the runtime thread: a call's parameters
/// are a few hundred bytes; a larger one (up to the request size limit) is parsed on the
/// blocking path.
const BRIEF_PARAMS_BYTES: usize = 16 * 1024;

/// Whether a [`Handler::Brief`] request may be tried in place: on an executor thread (the
/// node's runtime; elsewhere the work would be handed over and waited for), with parameters of
/// at most [`BRIEF_PARAMS_BYTES`].
fn may_be_brief(params: Option<&str>) -> bool {
    rewasm_executor::is_executor_stack() && params.map_or(0, str::len) <= BRIEF_PARAMS_BYTES
}

/// Runs `work` in place on the runtime thread, after handing the thread's queued tasks to
/// another; on a current-thread runtime (tests, where that is impossible) on the blocking pool.
async fn run_blocking(
    name: &'static str,
    context: &Arc<RpcContext>,
    work: impl FnOnce(&RpcContext) -> eth::Answer + Send + 'static,
) -> eth::Answer {
    if tokio::runtime::Handle::current().runtime_flavor()
        == tokio::runtime::RuntimeFlavor::MultiThread
    {
        return tokio::task::block_in_place(|| work(context));
    }
    let context = Arc::clone(context);
    tokio::task::spawn_blocking(move || work(&context))
        .await
        .unwrap_or_else(|error| Err(RpcError::internal(format!("{name}: {error}"))))
}

/// geth's answer to `eth_subscribe` / `eth_unsubscribe` over plain HTTP, where jsonrpsee
/// answers "Internal error" (it has no sink to deliver notifications to).
fn notifications_unsupported() -> ErrorObject<'static> {
    ErrorObject::owned(
        error::METHOD_NOT_FOUND,
        "notifications not supported",
        None::<()>,
    )
}

/// Replaces jsonrpsee's "Internal error" for a subscription call on a connection that cannot
/// carry notifications with geth's "notifications not supported". Calls inside a batch pass
/// through unchanged (jsonrpsee runs them past the middleware).
#[derive(Clone, Debug)]
pub struct SubscriptionsOverHttp<S>(S);

/// The layer that wraps every call in [`SubscriptionsOverHttp`].
#[derive(Clone, Copy, Debug, Default)]
pub struct SubscriptionsOverHttpLayer;

impl<S> tower::Layer<S> for SubscriptionsOverHttpLayer {
    type Service = SubscriptionsOverHttp<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SubscriptionsOverHttp(inner)
    }
}

/// The HTTP middleware of the server: the `Host` check, then the metrics route.
pub type HttpLayers = Stack<
    http::MetricsLayer,
    Stack<http::HostFilterLayer, Stack<Either<CorsLayer, Identity>, Identity>>,
>;
/// The per-call middleware of the server.
pub type CallLayers = Stack<SubscriptionsOverHttpLayer, Identity>;
/// The server's request handling without a listening socket (see [`in_process_service`]).
pub type InProcessService = TowerService<CallLayers, HttpLayers>;

impl<S> RpcServiceT for SubscriptionsOverHttp<S>
where
    S: RpcServiceT<
            MethodResponse = MethodResponse,
            BatchResponse = MethodResponse,
            NotificationResponse = MethodResponse,
        > + Send
        + Sync
        + Clone
        + 'static,
{
    type MethodResponse = MethodResponse;
    type NotificationResponse = MethodResponse;
    type BatchResponse = MethodResponse;

    fn call<'a>(&self, request: Request<'a>) -> impl Future<Output = MethodResponse> + Send + 'a {
        let subscription = matches!(request.method_name(), "eth_subscribe" | "eth_unsubscribe");
        let id = request.id().into_owned();
        let service = self.0.clone();
        async move {
            let response = service.call(request).await;
            if subscription && response.as_error_code() == Some(error::INTERNAL_ERROR) {
                MethodResponse::error(id, notifications_unsupported())
            } else {
                response
            }
        }
    }

    fn batch<'a>(&self, requests: Batch<'a>) -> impl Future<Output = MethodResponse> + Send + 'a {
        self.0.batch(requests)
    }

    fn notification<'a>(
        &self,
        notification: Notification<'a>,
    ) -> impl Future<Output = MethodResponse> + Send + 'a {
        self.0.notification(notification)
    }
}

/// Why the server did not start.
#[derive(Debug, thiserror::Error)]
pub enum RpcStartError {
    #[error("listening on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("registering the RPC methods: {0}")]
    Register(#[from] RegisterMethodError),
}

/// The handlers' shared state for `node`.
fn context(node: &Arc<Node>, config: &RpcConfig) -> RpcContext {
    RpcContext {
        node: Arc::clone(node),
        filters: Filters::new(config.filter_timeout, config.max_filters),
        log_limits: config.logs,
        gas_cap: config.gas_cap,
        dev_chain: config.dev_chain,
        signer: if config.dev_chain {
            signer::Signer::dev().unwrap_or_else(|error| {
                tracing::error!(%error, "deriving the dev accounts; the node holds no keys");
                signer::Signer::default()
            })
        } else {
            signer::Signer::default()
        },
    }
}

/// The server with its limits and middleware, not yet bound: shared by [`RpcServer::start`] and
/// [`in_process_service`], so both handle a request the same way.
fn server_builder(node: Arc<Node>, config: &RpcConfig) -> ServerBuilder<HttpLayers, CallLayers> {
    let server_config = ServerConfig::builder()
        .max_request_body_size(config.max_request_body_bytes)
        .max_response_body_size(config.max_response_body_bytes)
        .max_connections(config.max_connections)
        .max_subscriptions_per_connection(config.max_subscriptions_per_connection)
        .set_batch_request_config(BatchRequestConfig::Limit(config.max_batch))
        .set_id_provider(pubsub::HexIds::default())
        .build();
    let http = tower::ServiceBuilder::new()
        .layer(option_layer(config.cors.layer()))
        .layer(http::HostFilterLayer::new(config.vhosts.clone()))
        .layer(http::MetricsLayer::new(node));
    let calls = RpcServiceBuilder::new().layer(SubscriptionsOverHttpLayer);
    jsonrpsee::server::Server::builder()
        .set_config(server_config)
        .set_http_middleware(http)
        .set_rpc_middleware(calls)
}

/// The server's HTTP request handling as a tower service, without a socket: body limits,
/// batches, the metrics route, the middleware and every method, exactly as [`RpcServer`] runs
/// them for one connection. For fuzzing and tests; the [`ServerHandle`] must be kept while the
/// service is used (dropping it stops the service).
pub fn in_process_service(
    node: Arc<Node>,
    config: &RpcConfig,
) -> Result<(InProcessService, ServerHandle), RegisterMethodError> {
    let module = module(context(&node, config))?;
    let (stop, handle) = jsonrpsee::server::stop_channel();
    let service = server_builder(node, config)
        .to_service_builder()
        .build(module, stop);
    Ok((service, handle))
}

/// A running server.
#[derive(Debug)]
pub struct RpcServer {
    addr: SocketAddr,
    handle: ServerHandle,
}

impl RpcServer {
    /// Starts serving `node` on `config.addr`.
    pub async fn start(node: Arc<Node>, config: &RpcConfig) -> Result<Self, RpcStartError> {
        let module = module(context(&node, config))?;
        let server = server_builder(node, config)
            .build(config.addr)
            .await
            .map_err(|source| RpcStartError::Bind {
                addr: config.addr,
                source,
            })?;
        let addr = server.local_addr().map_err(|source| RpcStartError::Bind {
            addr: config.addr,
            source,
        })?;
        let handle = server.start(module);
        tracing::info!("rpc listening on {addr}");
        Ok(Self { addr, handle })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting connections and waits until the open ones are closed.
    pub async fn stop(self) {
        // Already stopped is fine: the goal is a stopped server.
        let _ = self.handle.stop();
        self.handle.stopped().await;
    }
}
