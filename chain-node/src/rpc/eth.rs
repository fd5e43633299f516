//! The method handlers: `web3_*`, `net_*` and `eth_*`.
//!
//! Every handler but `eth_sendRawTransaction`'s is synchronous (it reads the store or runs a
//! contract); [`super::METHODS`] names them with their arity and where each runs.
//!
//! Block parameters: `latest`, `pending`, `safe` and `finalized` all mean the head — a block is
//! final when sealed, and the pending block's state is the head's (except for
//! `eth_getTransactionCount(…, "pending")`, which counts pooled transactions, as geth does).
//! An unknown block is `null` for block queries and geth's "header not found" /
//! "header for hash not found" error for state queries.

use std::sync::Arc;

use primitive_types::{H256, U256};
use rewasm_eei::CallStatus;
use serde_json::{Value, json};

use super::error::RpcError;
use super::filters;
use super::json;
use super::params::{self, Args, BlockId, BlockTag};
use super::{AsyncAnswer, RpcContext, signer};
use crate::chain::overrides::Overrides;
use crate::chain::{
    Block, BriefCall, CallError, CallOutcome, CallRequest, Chain, ChainError, Header, StateBlock,
    TxLocation, revert_reason,
};
use crate::tx;

/// The tip suggested to senders (`eth_maxPriorityFeePerGas`, and on top of the base fee for
/// `eth_gasPrice`): 1 gwei. A dev chain has no fee market to sample, and 1 gwei is what geth's
/// oracle falls back to and what ethers, viem and web3.py assume when they see no data.
pub const SUGGESTED_TIP: u64 = 1_000_000_000;

/// Most blocks one `eth_feeHistory` call reports (geth's `maxBlockCount`).
pub const MAX_FEE_HISTORY: u64 = 1024;
/// Most reward percentiles one `eth_feeHistory` call takes (geth's `maxQueryLimit`).
pub const MAX_PERCENTILES: usize = 100;

/// What a handler returns.
pub type Answer = Result<Value, RpcError>;

/// The head block number.
fn head(chain: &Chain) -> u64 {
    chain.head().header.number
}

/// The number a tag names, which may be beyond the head.
fn tag_number(chain: &Chain, tag: BlockTag) -> u64 {
    filters::resolve_tag(tag, head(chain))
}

/// The block whose state a state query reads, or geth's error for an unknown one.
pub(super) fn state_block(chain: &Chain, id: BlockId) -> Result<u64, RpcError> {
    match id {
        BlockId::Tag(tag) => {
            let number = tag_number(chain, tag);
            if number > head(chain) {
                return Err(RpcError::header_not_found());
            }
            Ok(number)
        }
        BlockId::Hash(hash) => chain
            .block_number(&hash)?
            .ok_or_else(|| RpcError::server("header for hash not found")),
    }
}

/// The block whose state a single call runs on: the head's tags stay the head until the call
/// takes its view ([`StateBlock::Head`]), any other block is resolved now.
pub(super) fn call_state(chain: &Chain, id: BlockId) -> Result<StateBlock, RpcError> {
    if names_head(id) {
        Ok(StateBlock::Head)
    } else {
        state_block(chain, id).map(StateBlock::Number)
    }
}

/// Whether `id` is a tag for the head: on a chain that mines every block at once, the pending,
/// safe and finalized blocks are the latest one.
fn names_head(id: BlockId) -> bool {
    matches!(
        id,
        BlockId::Tag(BlockTag::Latest | BlockTag::Pending | BlockTag::Safe | BlockTag::Finalized)
    )
}

/// The block a number, tag or hash names, if there is one.
pub(super) fn block_by_id(
    chain: &Chain,
    id: BlockId,
) -> Result<Option<std::sync::Arc<Block>>, RpcError> {
    match id {
        BlockId::Tag(tag) => block_by_tag(chain, tag),
        BlockId::Hash(hash) => Ok(chain.block_by_hash(&hash)?),
    }
}

fn block_by_tag(chain: &Chain, tag: BlockTag) -> Result<Option<std::sync::Arc<Block>>, RpcError> {
    let number = tag_number(chain, tag);
    if number > head(chain) {
        return Ok(None);
    }
    Ok(chain.block_by_number(number)?)
}

pub fn client_version(_: &RpcContext, _: &Args) -> Answer {
    Ok(json!(format!(
        "rewasm/v{}/{}-{}",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        std::env::consts::ARCH
    )))
}

pub fn sha3(_: &RpcContext, args: &Args) -> Answer {
    let input = args.required(0, params::bytes)?;
    Ok(json!(json::hash(&crate::tx::keccak256(&input))))
}

pub fn net_version(context: &RpcContext, _: &Args) -> Answer {
    Ok(json!(context.node.chain().chain_id().to_string()))
}

pub fn net_listening(_: &RpcContext, _: &Args) -> Answer {
    Ok(json!(true))
}

pub fn net_peer_count(_: &RpcContext, _: &Args) -> Answer {
    Ok(json!(json::quantity(0)))
}

pub fn chain_id(context: &RpcContext, _: &Args) -> Answer {
    Ok(json!(json::quantity(context.node.chain().chain_id())))
}

pub fn block_number(context: &RpcContext, _: &Args) -> Answer {
    Ok(json!(json::quantity(head(context.node.chain()))))
}

pub fn syncing(_: &RpcContext, _: &Args) -> Answer {
    Ok(json!(false))
}

pub fn mining(_: &RpcContext, _: &Args) -> Answer {
    Ok(json!(true))
}

/// The dev accounts with `--dev`, else none ([`super::signer`]).
pub fn accounts(context: &RpcContext, _: &Args) -> Answer {
    let addresses: Vec<String> = context
        .signer
        .addresses()
        .iter()
        .map(json::address)
        .collect();
    Ok(json!(addresses))
}

/// The address sealed blocks pay their tips to.
pub fn coinbase(context: &RpcContext, _: &Args) -> Answer {
    Ok(json!(json::address(
        &context.node.chain().config().coinbase
    )))
}

/// Signs the transaction with the dev key of its `from` and submits it.
pub fn send_transaction(context: &RpcContext, args: &Args) -> Answer {
    let request = args.required(0, params::call_request)?;
    let hash = context.signer.send_transaction(&context.node, request)?;
    Ok(json!(json::hash(&hash)))
}

/// The transaction signed with the dev key of its `from`, not sent: `{raw, tx}`, as the
/// specification and geth answer (anvil and hardhat answer the raw bytes alone).
pub fn sign_transaction(context: &RpcContext, args: &Args) -> Answer {
    let request = args.required(0, params::call_request)?;
    let raw = context.signer.sign_transaction(&context.node, request)?;
    let signed = tx::decode(&raw).map_err(|error| {
        RpcError::internal(format!("reading back the signed transaction: {error}"))
    })?;
    Ok(json!({
        "raw": json::data(&raw),
        "tx": json::signed_transaction(&signed),
    }))
}

/// `eth_fillTransaction(tx)`: the request completed as `eth_signTransaction` completes it
/// (nonce, fees, gas, chain id: [`signer::fill`]) but left unsigned, as geth answers: `raw`, its
/// bytes with a zero signature, and `tx`. It needs no key, so any node answers it.
pub fn fill_transaction(context: &RpcContext, args: &Args) -> Answer {
    let request = args.required(0, params::call_request)?;
    let from = request.from.unwrap_or_default();
    let unsigned = signer::fill(&context.node, from, request)?;
    let raw =
        tx::encode_unsigned(&unsigned).map_err(|error| RpcError::server(error.to_string()))?;
    Ok(json!({
        "raw": json::data(&raw),
        "tx": json::unsigned_transaction(&unsigned),
    }))
}

/// `eth_sign(address, data)`: the EIP-191 personal-message signature.
pub fn sign(context: &RpcContext, args: &Args) -> Answer {
    let address = args.required(0, params::address)?;
    let message = args.required(1, params::bytes)?;
    let signature = context.signer.sign_message(&address, &message)?;
    Ok(json!(json::data(&signature)))
}

/// `personal_sign(data, address)`: `eth_sign` with its parameters the other way round (a
/// password, if given, is ignored: the dev keys have none).
pub fn personal_sign(context: &RpcContext, args: &Args) -> Answer {
    let message = args.required(0, params::bytes)?;
    let address = args.required(1, params::address)?;
    let signature = context.signer.sign_message(&address, &message)?;
    Ok(json!(json::data(&signature)))
}

/// `eth_signTypedData_v4(address, typedData)`: the EIP-712 signature; the typed data as an
/// object or as its JSON text (what ethers, viem and MetaMask's callers send).
pub fn sign_typed_data(context: &RpcContext, args: &Args) -> Answer {
    let address = args.required(0, params::address)?;
    let data = args.required(1, params::typed_data)?;
    let signature = context.signer.sign_typed_data(&address, &data)?;
    Ok(json!(json::data(&signature)))
}

/// Blocks have no uncles: zero for a block that exists, null for one that does not.
fn uncle_count(block: Option<std::sync::Arc<Block>>) -> Value {
    block.map_or(Value::Null, |_| json!(json::quantity(0)))
}

pub fn get_uncle_count_by_block_number(context: &RpcContext, args: &Args) -> Answer {
    let tag = args.required(0, params::block_tag)?;
    Ok(uncle_count(block_by_tag(context.node.chain(), tag)?))
}

pub fn get_uncle_count_by_block_hash(context: &RpcContext, args: &Args) -> Answer {
    let hash = args.required(0, params::hash)?;
    Ok(uncle_count(context.node.chain().block_by_hash(&hash)?))
}

/// Always null: there are no uncles (the parameters are still checked).
pub fn get_uncle_by_block_number_and_index(_: &RpcContext, args: &Args) -> Answer {
    args.required(0, params::block_tag)?;
    args.required(1, params::quantity_u64)?;
    Ok(Value::Null)
}

/// Always null: there are no uncles (the parameters are still checked).
pub fn get_uncle_by_block_hash_and_index(_: &RpcContext, args: &Args) -> Answer {
    args.required(0, params::hash)?;
    args.required(1, params::quantity_u64)?;
    Ok(Value::Null)
}

pub fn gas_price(context: &RpcContext, _: &Args) -> Answer {
    let price = context
        .node
        .chain()
        .next_base_fee()
        .saturating_add(U256::from(SUGGESTED_TIP));
    Ok(json!(json::quantity_u256(price)))
}

/// `eth_baseFee`: the next block's base fee.
pub fn base_fee(context: &RpcContext, _: &Args) -> Answer {
    Ok(json!(json::quantity_u256(
        context.node.chain().next_base_fee()
    )))
}

/// `eth_capabilities`: the head, and for each kind of data the oldest block it is kept for.
/// The node prunes nothing (every state's trie is kept), so every range starts at genesis.
pub fn capabilities(context: &RpcContext, _: &Args) -> Answer {
    let head = context.node.chain().head();
    let kept = json!({"disabled": false, "oldestBlock": "0x0"});
    Ok(json!({
        "head": {"number": json::quantity(head.header.number), "hash": json::hash(&head.hash)},
        "state": kept,
        "tx": kept,
        "logs": kept,
        "receipts": kept,
        "blocks": kept,
        "stateproofs": kept,
    }))
}

/// `eth_getStorageValues({address: [slot, …], …}, block)`: many `eth_getStorageAt`s at once,
/// at most [`MAX_PROOF_KEYS`] slots in all.
pub fn get_storage_values(context: &RpcContext, args: &Args) -> Answer {
    let requests = args.required(0, |value, _| match value {
        Value::Object(map) => Ok(map.clone()),
        _ => Err("storage requests must be an object of address to slots".to_string()),
    })?;
    let id = args
        .optional(1, params::block_id)?
        .unwrap_or(BlockId::Tag(BlockTag::Latest));
    let chain = context.node.chain();
    let number = state_block(chain, id)?;
    let mut asked = 0usize;
    let mut answer = serde_json::Map::new();
    for (key, slots) in requests {
        let address = params::address(&Value::String(key.clone()), None)
            .map_err(|why| RpcError::invalid_argument(0, why))?;
        let Value::Array(slots) = slots else {
            return Err(RpcError::invalid_argument(
                0,
                format!("{key}: slots must be an array"),
            ));
        };
        asked = asked.saturating_add(slots.len());
        if asked > MAX_PROOF_KEYS {
            return Err(RpcError::invalid_params(format!(
                "at most {MAX_PROOF_KEYS} storage slots per request"
            )));
        }
        let mut values = Vec::with_capacity(slots.len());
        for slot in &slots {
            let slot = params::storage_slot(
                &params::string(slot, None).map_err(|why| RpcError::invalid_argument(0, why))?,
            )?;
            values.push(json!(json::hash(
                &chain.storage_at(&address, &slot, number)?
            )));
        }
        answer.insert(key, Value::Array(values));
    }
    Ok(Value::Object(answer))
}

pub fn max_priority_fee(_: &RpcContext, _: &Args) -> Answer {
    Ok(json!(json::quantity(SUGGESTED_TIP)))
}

pub fn get_balance(context: &RpcContext, args: &Args) -> Answer {
    let address = args.required(0, params::address)?;
    let id = args.required(1, params::block_id)?;
    let chain = context.node.chain();
    let account = chain.account_at(&address, state_block(chain, id)?)?;
    Ok(json!(json::quantity_u256(account.balance)))
}

pub fn get_transaction_count(context: &RpcContext, args: &Args) -> Answer {
    let address = args.required(0, params::address)?;
    let id = args.required(1, params::block_id)?;
    if id == BlockId::Tag(BlockTag::Pending) {
        return Ok(json!(json::quantity(
            context
                .node
                .pending_nonce(&address)
                .map_err(RpcError::internal)?
        )));
    }
    let chain = context.node.chain();
    let account = chain.account_at(&address, state_block(chain, id)?)?;
    Ok(json!(json::quantity(account.nonce)))
}

pub fn get_code(context: &RpcContext, args: &Args) -> Answer {
    let address = args.required(0, params::address)?;
    let id = args.required(1, params::block_id)?;
    let chain = context.node.chain();
    let account = chain.account_at(&address, state_block(chain, id)?)?;
    Ok(json!(json::data(&account.code)))
}

pub fn get_storage_at(context: &RpcContext, args: &Args) -> Answer {
    let address = args.required(0, params::address)?;
    let slot = params::storage_slot(&args.required(1, params::string)?)?;
    let id = args.required(2, params::block_id)?;
    let chain = context.node.chain();
    let value = chain.storage_at(&address, &slot, state_block(chain, id)?)?;
    Ok(json!(json::hash(&value)))
}

/// The most storage keys one `eth_getProof` proves: each costs a walk of the storage trie.
pub const MAX_PROOF_KEYS: usize = 1024;

/// `eth_getProof(address, storageKeys, block)`: EIP-1186, in geth's shape; each key is echoed
/// as given.
pub fn get_proof(context: &RpcContext, args: &Args) -> Answer {
    let address = args.required(0, params::address)?;
    let keys: Vec<String> = args.required(1, |value, field| match value {
        Value::Array(items) => items
            .iter()
            .map(|item| params::string(item, field))
            .collect(),
        _ => Err("storage keys must be an array of hex strings".to_string()),
    })?;
    if keys.len() > MAX_PROOF_KEYS {
        return Err(RpcError::invalid_params(format!(
            "at most {MAX_PROOF_KEYS} storage keys per proof, not {}",
            keys.len()
        )));
    }
    let slots = keys
        .iter()
        .map(|key| params::storage_slot(key))
        .collect::<Result<Vec<_>, _>>()?;
    let id = args.required(2, params::block_id)?;
    let chain = context.node.chain();
    let proof = chain.proof(&address, &slots, state_block(chain, id)?)?;
    let leaf = proof.account.unwrap_or(rewasm_primitives::AccountLeaf {
        nonce: 0,
        balance: U256::zero(),
        storage_root: rewasm_primitives::EMPTY_ROOT,
        code_hash: rewasm_primitives::EMPTY_CODE_HASH,
    });
    let nodes = |proof: &[Vec<u8>]| {
        proof
            .iter()
            .map(|node| json::data(node))
            .collect::<Vec<_>>()
    };
    let storage: Vec<Value> = keys
        .iter()
        .zip(&proof.storage)
        .map(|(key, (value, proof))| {
            json!({
                "key": key,
                "value": json::quantity_u256(U256::from_big_endian(value.as_bytes())),
                "proof": nodes(proof),
            })
        })
        .collect();
    Ok(json!({
        "address": json::address(&address),
        "accountProof": nodes(&proof.proof),
        "balance": json::quantity_u256(leaf.balance),
        "codeHash": json::hash(&leaf.code_hash),
        "nonce": json::quantity(leaf.nonce),
        "storageHash": json::hash(&leaf.storage_root),
        "storageProof": storage,
    }))
}

/// State and block overrides at `state` and `state + 1` (`eth_call`'s and
/// `eth_estimateGas`'s third and fourth parameters), as geth takes them.
fn overrides(args: &Args, state: usize) -> Result<Overrides, RpcError> {
    Ok(Overrides {
        state: args
            .optional(state, params::state_overrides)?
            .unwrap_or_default(),
        block: args
            .optional(state + 1, params::block_overrides)?
            .unwrap_or_default(),
    })
}

/// geth's `--rpc.gascap` applied to a call's gas: a call without gas gets the cap, one asking
/// for more runs with the cap (0: no cap here; the chain still caps at the block gas limit).
pub fn cap_gas(gas: Option<u64>, cap: u64) -> Option<u64> {
    if cap == 0 {
        return gas;
    }
    Some(gas.map_or(cap, |gas| gas.min(cap)))
}

/// A call request with the node's gas cap applied.
pub(super) fn capped_request(context: &RpcContext, args: &Args) -> Result<CallRequest, RpcError> {
    let mut request = args.required(0, params::call_request)?.into_request()?;
    if let Some(asked) = request.gas
        && context.gas_cap != 0
        && asked > context.gas_cap
    {
        tracing::debug!(asked, cap = context.gas_cap, "call gas capped");
    }
    request.gas = cap_gas(request.gas, context.gas_cap);
    Ok(request)
}

pub fn call(context: &RpcContext, args: &Args) -> Answer {
    let request = capped_request(context, args)?;
    let id = args
        .optional(1, params::block_id)?
        .unwrap_or(BlockId::Tag(BlockTag::Latest));
    let request = CallRequest {
        overrides: overrides(args, 2)?,
        ..request
    };
    let chain = context.node.chain();
    call_answer(chain.call(&request, call_state(chain, id)?)?)
}

/// `eth_call` at the head tried briefly, on the request's thread ([`Chain::call_briefly`]);
/// `None` leaves the request to [`call`], which also reports malformed parameters.
pub fn call_briefly(context: &RpcContext, args: &Args) -> Option<Answer> {
    let id = args.optional(1, params::block_id).ok()?;
    if !names_head(id.unwrap_or(BlockId::Tag(BlockTag::Latest))) {
        return None;
    }
    let request = CallRequest {
        overrides: overrides(args, 2).ok()?,
        ..capped_request(context, args).ok()?
    };
    let metrics = context.node.metrics();
    match context.node.chain().call_briefly(&request) {
        BriefCall::Answered(outcome) => {
            metrics.brief_call(true);
            Some(outcome.map_err(RpcError::from).and_then(call_answer))
        }
        BriefCall::Rerun => {
            metrics.brief_call(false);
            None
        }
        BriefCall::Skipped => None,
    }
}

/// `eth_call`'s answer to `outcome`: its output, or its revert or failure as an error.
fn call_answer(outcome: CallOutcome) -> Answer {
    match outcome.status {
        CallStatus::Success => Ok(json!(json::data(&outcome.output))),
        CallStatus::Revert => Err(CallError::Reverted {
            reason: revert_reason(&outcome.output),
            data: outcome.output,
        }
        .into()),
        CallStatus::Failure => Err(RpcError::server(
            outcome
                .failure
                .unwrap_or_else(|| "execution failed".to_string()),
        )),
    }
}

/// `eth_createAccessList(call, block)`: geth's answer, `{accessList, gasUsed}` with `error`
/// when the call with that list reverts or fails.
pub fn create_access_list(context: &RpcContext, args: &Args) -> Answer {
    let request = capped_request(context, args)?;
    let id = args
        .optional(1, params::block_id)?
        .unwrap_or(BlockId::Tag(BlockTag::Latest));
    let chain = context.node.chain();
    let outcome = chain.create_access_list(&request, state_block(chain, id)?)?;
    let mut answer = json!({
        "accessList": json::access_list(&outcome.access_list),
        "gasUsed": json::quantity(outcome.gas_used),
    });
    if let (Some(error), Some(map)) = (outcome.error, answer.as_object_mut()) {
        map.insert("error".into(), Value::String(error));
    }
    Ok(answer)
}

pub fn estimate_gas(context: &RpcContext, args: &Args) -> Answer {
    let request = capped_request(context, args)?;
    let id = args
        .optional(1, params::block_id)?
        .unwrap_or(BlockId::Tag(BlockTag::Latest));
    let request = CallRequest {
        overrides: overrides(args, 2)?,
        ..request
    };
    let chain = context.node.chain();
    let gas = chain.estimate_gas(&request, state_block(chain, id)?)?;
    Ok(json!(json::quantity(gas)))
}

pub fn send_raw_transaction(context: Arc<RpcContext>, args: Args) -> AsyncAnswer {
    Box::pin(async move {
        let raw = args.required(0, params::bytes)?;
        let hash = context.node.submit_raw_transaction_async(raw).await?;
        Ok(json!(json::hash(&hash)))
    })
}

pub fn get_transaction_by_hash(context: &RpcContext, args: &Args) -> Answer {
    let hash = args.required(0, params::hash)?;
    if let Some(included) = context.node.chain().transaction(&hash)? {
        return Ok(json::transaction(
            &included.transaction,
            Some((&included.location, included.base_fee)),
        ));
    }
    Ok(context
        .node
        .pooled_transaction(&hash)
        .map_or(Value::Null, |pooled| json::transaction(&pooled, None)))
}

pub fn get_transaction_receipt(context: &RpcContext, args: &Args) -> Answer {
    let hash = args.required(0, params::hash)?;
    let chain = context.node.chain();
    let (Some(included), Some(receipt)) = (chain.transaction(&hash)?, chain.receipt(&hash)?) else {
        return Ok(Value::Null);
    };
    Ok(json::receipt(
        &included.transaction,
        &receipt,
        &included.location,
    ))
}

pub fn get_block_by_number(context: &RpcContext, args: &Args) -> Answer {
    let tag = args.required(0, params::block_tag)?;
    let full = args.required(1, params::boolean)?;
    Ok(block_by_tag(context.node.chain(), tag)?
        .map_or(Value::Null, |block| json::block(&block, full)))
}

pub fn get_block_by_hash(context: &RpcContext, args: &Args) -> Answer {
    let hash = args.required(0, params::hash)?;
    let full = args.required(1, params::boolean)?;
    Ok(context
        .node
        .chain()
        .block_by_hash(&hash)?
        .map_or(Value::Null, |block| json::block(&block, full)))
}

fn transaction_count(block: Option<std::sync::Arc<Block>>) -> Value {
    block.map_or(Value::Null, |block| {
        json!(json::quantity(block.transactions.len() as u64))
    })
}

pub fn get_block_transaction_count_by_number(context: &RpcContext, args: &Args) -> Answer {
    let tag = args.required(0, params::block_tag)?;
    Ok(transaction_count(block_by_tag(context.node.chain(), tag)?))
}

pub fn get_block_transaction_count_by_hash(context: &RpcContext, args: &Args) -> Answer {
    let hash = args.required(0, params::hash)?;
    Ok(transaction_count(
        context.node.chain().block_by_hash(&hash)?,
    ))
}

fn transaction_in(block: Option<std::sync::Arc<Block>>, index: u64) -> Value {
    let Some(block) = block else {
        return Value::Null;
    };
    let Some(tx) = usize::try_from(index)
        .ok()
        .and_then(|position| block.transactions.get(position))
    else {
        return Value::Null;
    };
    let location = TxLocation {
        block_number: block.header.number,
        block_hash: block.hash,
        block_timestamp: block.header.timestamp,
        index,
    };
    json::transaction(tx, Some((&location, block.header.base_fee_per_gas)))
}

pub fn get_transaction_by_block_number_and_index(context: &RpcContext, args: &Args) -> Answer {
    let tag = args.required(0, params::block_tag)?;
    let index = args.required(1, params::quantity_u64)?;
    Ok(transaction_in(
        block_by_tag(context.node.chain(), tag)?,
        index,
    ))
}

pub fn get_transaction_by_block_hash_and_index(context: &RpcContext, args: &Args) -> Answer {
    let hash = args.required(0, params::hash)?;
    let index = args.required(1, params::quantity_u64)?;
    Ok(transaction_in(
        context.node.chain().block_by_hash(&hash)?,
        index,
    ))
}

pub fn get_block_receipts(context: &RpcContext, args: &Args) -> Answer {
    let chain = context.node.chain();
    let Some(block) = block_by_id(chain, args.required(0, params::block_id)?)? else {
        return Ok(Value::Null);
    };
    let mut receipts = Vec::with_capacity(block.transactions.len());
    for (index, tx) in block.transactions.iter().enumerate() {
        let receipt = chain
            .receipt(&tx.hash)?
            .ok_or_else(|| RpcError::internal(format!("no receipt stored for {:?}", tx.hash)))?;
        let location = TxLocation {
            block_number: block.header.number,
            block_hash: block.hash,
            block_timestamp: block.header.timestamp,
            index: index as u64,
        };
        receipts.push(json::receipt(tx, &receipt, &location));
    }
    Ok(Value::Array(receipts))
}

pub fn fee_history(context: &RpcContext, args: &Args) -> Answer {
    let count = args.required(0, params::hex_or_decimal_u64)?;
    let newest_tag = args.required(1, params::block_tag)?;
    let percentiles = args.optional(2, params::floats)?.unwrap_or_default();
    check_percentiles(&percentiles)?;
    let chain = context.node.chain();
    let head = head(chain);
    let newest = tag_number(chain, newest_tag);
    if newest > head {
        return Err(RpcError::server(format!(
            "request beyond head block: requested {newest}, head {head}"
        )));
    }
    if count == 0 {
        return Ok(json!({"oldestBlock": json::quantity(0), "gasUsedRatio": null}));
    }
    let count = count.min(MAX_FEE_HISTORY).min(newest.saturating_add(1));
    let oldest = newest + 1 - count;
    let mut base_fees = Vec::new();
    let mut ratios = Vec::new();
    let mut rewards = Vec::new();
    let mut next_base_fee = U256::zero();
    for number in oldest..=newest {
        let header = &chain
            .header_by_number(number)?
            .ok_or_else(RpcError::header_not_found)?;
        base_fees.push(json!(json::quantity_u256(header.base_fee_per_gas)));
        let ratio = if header.gas_limit == 0 {
            0.0
        } else {
            header.gas_used as f64 / header.gas_limit as f64
        };
        ratios.push(json!(ratio));
        if !percentiles.is_empty() {
            let hashes = transaction_hashes(chain, number)?;
            rewards.push(block_rewards(chain, header, &hashes, &percentiles)?);
        }
        next_base_fee = header.next_base_fee();
    }
    base_fees.push(json!(json::quantity_u256(next_base_fee)));
    let mut answer = json!({
        "oldestBlock": json::quantity(oldest),
        "baseFeePerGas": base_fees,
        "gasUsedRatio": ratios,
    });
    if !percentiles.is_empty()
        && let Some(map) = answer.as_object_mut()
    {
        map.insert("reward".into(), Value::Array(rewards));
    }
    Ok(answer)
}

fn check_percentiles(percentiles: &[f64]) -> Result<(), RpcError> {
    if percentiles.len() > MAX_PERCENTILES {
        return Err(RpcError::server(format!(
            "too many reward percentiles: {}, limit {MAX_PERCENTILES}",
            percentiles.len()
        )));
    }
    for (index, &p) in percentiles.iter().enumerate() {
        if !(0.0..=100.0).contains(&p) {
            return Err(RpcError::server(format!(
                "invalid reward percentile: {p:.6}"
            )));
        }
        if let Some(&previous) = index.checked_sub(1).and_then(|i| percentiles.get(i))
            && previous > p
        {
            return Err(RpcError::server(format!(
                "invalid reward percentile: #{}:{previous:.6} > #{index}:{p:.6}",
                index - 1
            )));
        }
    }
    Ok(())
}

/// The hashes of a block's transactions, from their raw bytes: `eth_feeHistory` reads up to
/// [`MAX_FEE_HISTORY`] blocks, and recovering every sender of each (what a full block read
/// does) would cost a secp256k1 recovery per transaction for hashes that need none.
fn transaction_hashes(chain: &Chain, number: u64) -> Result<Vec<H256>, RpcError> {
    let bytes = chain
        .store()
        .block_header(number)
        .map_err(ChainError::from)?
        .ok_or_else(RpcError::header_not_found)?;
    let (_, raws) = Block::decode_parts(&bytes).map_err(|source| ChainError::CorruptBlock {
        number,
        source: source.into(),
    })?;
    Ok(raws.iter().map(|raw| crate::tx::keccak256(raw)).collect())
}

/// geth's fee history rewards: the block's effective tips sorted ascending, each weighted by
/// the gas its transaction used; for each percentile the tip at which that share of the block's
/// gas is reached. An empty block rewards zero.
fn block_rewards(
    chain: &Chain,
    header: &Header,
    hashes: &[H256],
    percentiles: &[f64],
) -> Result<Value, RpcError> {
    let base_fee = header.base_fee_per_gas;
    let mut tips = Vec::with_capacity(hashes.len());
    for hash in hashes {
        let receipt = chain
            .receipt(hash)?
            .ok_or_else(|| RpcError::internal(format!("no receipt stored for {hash:?}")))?;
        tips.push((
            receipt.effective_gas_price.saturating_sub(base_fee),
            receipt.gas_used,
        ));
    }
    let zero = json!(json::quantity(0));
    if tips.is_empty() {
        return Ok(Value::Array(vec![zero; percentiles.len()]));
    }
    tips.sort_by_key(|&(tip, _)| tip);
    let mut rewards = Vec::with_capacity(percentiles.len());
    let mut index = 0;
    let mut gas_so_far = tips.first().map_or(0, |&(_, gas)| gas);
    for &p in percentiles {
        let threshold = (header.gas_used as f64 * p / 100.0) as u64;
        while gas_so_far < threshold && index + 1 < tips.len() {
            index += 1;
            gas_so_far = gas_so_far.saturating_add(tips.get(index).map_or(0, |&(_, gas)| gas));
        }
        let tip = tips.get(index).map_or(U256::zero(), |&(tip, _)| tip);
        rewards.push(json!(json::quantity_u256(tip)));
    }
    Ok(Value::Array(rewards))
}

pub fn get_logs(context: &RpcContext, args: &Args) -> Answer {
    let filter = args.required(0, params::filter)?;
    Ok(Value::Array(filters::get_logs(
        context.node.chain(),
        &filter,
        context.log_limits,
    )?))
}

pub fn new_filter(context: &RpcContext, args: &Args) -> Answer {
    let filter = args.required(0, params::filter)?;
    let head = head(context.node.chain());
    Ok(json!(context.filters.new_log_filter(filter, head)?))
}

pub fn new_block_filter(context: &RpcContext, _: &Args) -> Answer {
    let head = head(context.node.chain());
    Ok(json!(context.filters.new_block_filter(head)?))
}

pub fn new_pending_transaction_filter(context: &RpcContext, args: &Args) -> Answer {
    if args.optional(0, params::boolean)? == Some(true) {
        return Err(RpcError::invalid_argument(
            0,
            "full transactions are not supported by pending transaction filters",
        ));
    }
    let receiver = context.node.subscribe_transactions();
    Ok(json!(
        context.filters.new_pending_transaction_filter(receiver)?
    ))
}

fn filter_id(args: &Args) -> Result<String, RpcError> {
    args.required(0, params::string)
}

pub fn get_filter_changes(context: &RpcContext, args: &Args) -> Answer {
    let id = filter_id(args)?;
    Ok(Value::Array(context.filters.changes(
        &id,
        context.node.chain(),
        context.log_limits,
    )?))
}

pub fn get_filter_logs(context: &RpcContext, args: &Args) -> Answer {
    let id = filter_id(args)?;
    Ok(Value::Array(context.filters.logs(
        &id,
        context.node.chain(),
        context.log_limits,
    )?))
}

pub fn uninstall_filter(context: &RpcContext, args: &Args) -> Answer {
    let id = filter_id(args)?;
    Ok(json!(context.filters.uninstall(&id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gas_cap_bounds_and_defaults_call_gas() {
        assert_eq!(cap_gas(None, 50_000_000), Some(50_000_000));
        assert_eq!(cap_gas(Some(u64::MAX), 50_000_000), Some(50_000_000));
        assert_eq!(cap_gas(Some(21_000), 50_000_000), Some(21_000));
        assert_eq!(cap_gas(Some(0), 50_000_000), Some(0));
        assert_eq!(cap_gas(None, 0), None, "no cap: the chain's default");
        assert_eq!(cap_gas(Some(u64::MAX), 0), Some(u64::MAX));
    }

    #[test]
    fn percentiles_must_be_in_range_and_ascending() {
        assert!(check_percentiles(&[10.0, 50.0, 90.0]).is_ok());
        assert_eq!(
            check_percentiles(&[101.0]).unwrap_err().message,
            "invalid reward percentile: 101.000000"
        );
        assert_eq!(
            check_percentiles(&[50.0, 10.0]).unwrap_err().message,
            "invalid reward percentile: #0:50.000000 > #1:10.000000"
        );
    }
}
