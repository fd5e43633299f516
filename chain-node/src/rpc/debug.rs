//! `debug_getRaw*`: a block, header, transaction or receipts in their Ethereum consensus
//! encodings, as geth answers them (hex), for tools that verify or re-import chain data.
//!
//! The block is [`Block::network_encoding`]; the receipts are the encodings the receipts root is
//! computed over.

use std::sync::Arc;

use serde_json::{Value, json};

use super::eth::{Answer, block_by_id};
use super::params::{self, Args};
use super::{RpcContext, json};
use crate::chain::Block;

/// The block `args[0]` names (a number, a tag or a hash), if there is one.
fn block(context: &RpcContext, args: &Args) -> Result<Option<Arc<Block>>, super::RpcError> {
    block_by_id(context.node.chain(), args.required(0, params::block_id)?)
}

/// `debug_getRawHeader(block)`.
pub fn get_raw_header(context: &RpcContext, args: &Args) -> Answer {
    Ok(block(context, args)?.map_or(Value::Null, |block| {
        json!(json::data(&block.header.encode()))
    }))
}

/// `debug_getRawBlock(block)`.
pub fn get_raw_block(context: &RpcContext, args: &Args) -> Answer {
    Ok(block(context, args)?.map_or(Value::Null, |block| {
        json!(json::data(&block.network_encoding()))
    }))
}

/// `debug_getRawTransaction(hash)`: an included transaction's signed bytes.
pub fn get_raw_transaction(context: &RpcContext, args: &Args) -> Answer {
    let hash = args.required(0, params::hash)?;
    Ok(context
        .node
        .chain()
        .transaction(&hash)?
        .map_or(Value::Null, |included| json!(json::data(&included.raw))))
}

/// `debug_getRawReceipts(block)`: each receipt's consensus encoding, in block order.
pub fn get_raw_receipts(context: &RpcContext, args: &Args) -> Answer {
    let Some(block) = block(context, args)? else {
        return Ok(Value::Null);
    };
    let chain = context.node.chain();
    let mut receipts = Vec::with_capacity(block.transactions.len());
    for tx in &block.transactions {
        let receipt = chain.receipt(&tx.hash)?.ok_or_else(|| {
            super::RpcError::internal(format!("no receipt stored for {:?}", tx.hash))
        })?;
        receipts.push(json!(json::data(&receipt.consensus_encoding())));
    }
    Ok(Value::Array(receipts))
}

/// `debug_getBadBlocks`: the blocks this node received and refused. It keeps none (a refused
/// proposal is logged, not stored), so the list is empty.
pub fn get_bad_blocks(_: &RpcContext, _: &Args) -> Answer {
    Ok(Value::Array(Vec::new()))
}
