//! Chain parameters that bound what a module may declare and how deep it may run.
//!
//! Every number here is consensus-critical: two nodes with different limits accept different
//! modules or trap at different points. The limits exist for two reasons. First, a small upload must
//! never turn into a huge compiled artifact or a slow compile (CosmWasm advisory CWA-2023-004: a
//! function type with thousands of parameters blew up singlepass output). Second, the deterministic
//! stack budget ([`crate::instrument::stack`]) needs every native frame to be bounded, which it is only when
//! locals and operand-stack height per function are bounded.
//!
//! The defaults are generous for contracts produced by `rustc` for `wasm32-unknown-unknown`
//! (a size-optimised ERC-20 uses well under a tenth of each) and tight enough that the worst-case
//! native stack ([`ChainLimits::native_stack_bound`]) stays under 20 MiB of address space, of
//! which only the pages a frame touches are ever committed.

use sha3::{Digest, Keccak256};

/// The wasm page size in bytes.
pub const WASM_PAGE_SIZE: u64 = 64 * 1024;

/// Bounds on module shape and execution, part of the chain configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainLimits {
    /// Maximum size of the module binary in bytes. Default 512 KiB.
    pub max_code_size: u32,
    /// Maximum number of types in the type section. Default 512.
    pub max_types: u32,
    /// Maximum number of functions, imported plus defined. Default 4096.
    pub max_functions: u32,
    /// Maximum parameters of one function type. Default 32.
    pub max_params: u32,
    /// Maximum results of one function type. Default 1; several results are multi-value, which
    /// the validator rejects whatever this says (wasmer 5.0.6 singlepass miscompiles it), so only
    /// 0 (no function returns a value) is a meaningful other setting.
    pub max_results: u32,
    /// Maximum locals of one function, parameters included. Default 512.
    pub max_locals: u32,
    /// Maximum operand-stack height any point of a function body may reach. Default 512.
    pub max_operand_stack_height: u32,
    /// Maximum number of globals, imported plus defined. Default 256.
    pub max_globals: u32,
    /// Maximum number of imports. Default 128.
    pub max_imports: u32,
    /// Maximum number of exports. Default 128.
    pub max_exports: u32,
    /// Maximum initial and maximum size of the one table. Default 4096 entries.
    pub max_table_size: u32,
    /// Maximum number of targets of one `br_table`. Default 1024.
    pub max_br_table_targets: u32,
    /// Maximum nesting of blocks, loops and ifs in one function. Default 128.
    pub max_block_nesting: u32,
    /// Maximum number of data segments. Default 256.
    pub max_data_segments: u32,
    /// Maximum number of element segments. Default 256.
    pub max_element_segments: u32,
    /// Maximum initial memory in pages. Default 128 (8 MiB): the eWASM state tests declare 100.
    pub max_initial_pages: u32,
    /// Maximum memory in pages, declared or reached by `memory.grow`. Default 512 (32 MiB).
    pub max_memory_pages: u32,
    /// Maximum nested wasm function calls within one frame, or within a whole transaction
    /// (see [`ChainLimits::call_depth_scope`]). Default 1024.
    pub max_call_depth: u32,
    /// Whose calls count against `max_call_depth`. Default [`CallDepthScope::Transaction`].
    pub call_depth_scope: CallDepthScope,
}

/// Whose wasm calls count against [`ChainLimits::max_call_depth`].
///
/// Every nested contract frame runs on a wasm stack of its own. With a budget per frame, a
/// transaction nesting a few hundred frames, each calling out from deep inside a recursion,
/// holds a few hundred full-depth stacks at once: hundreds of megabytes for a few million gas.
/// Counting the whole transaction's calls against one budget bounds the live stack of all its
/// frames together by [`ChainLimits::native_stack_bound`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallDepthScope {
    /// Each contract frame has the whole budget: the eWASM reference VM's rule, which its state
    /// tests (a 1024-deep chain of contract calls) need.
    Frame,
    /// A nested contract frame starts at its caller's depth (the host call that created it
    /// included): one budget for the whole transaction.
    Transaction,
}

impl Default for ChainLimits {
    fn default() -> Self {
        Self {
            max_code_size: 512 * 1024,
            max_types: 512,
            max_functions: 4096,
            max_params: 32,
            max_results: 1,
            max_locals: 512,
            max_operand_stack_height: 512,
            max_globals: 256,
            max_imports: 128,
            max_exports: 128,
            max_table_size: 4096,
            max_br_table_targets: 1024,
            max_block_nesting: 128,
            max_data_segments: 256,
            max_element_segments: 256,
            max_initial_pages: 128,
            max_memory_pages: 512,
            max_call_depth: 1024,
            call_depth_scope: CallDepthScope::Transaction,
        }
    }
}

/// Native bytes one wasm frame may take beyond its values: return address, saved registers,
/// the vmctx pointer, alignment, and outgoing arguments spilled for a call.
const FRAME_OVERHEAD_BYTES: u64 = 1024;

/// Native bytes per local or operand-stack value. Singlepass gives every local a stack slot and
/// may spill every operand; 16 rather than 8 leaves room for a value held in both places.
const BYTES_PER_VALUE: u64 = 16;

/// Stack the runtime itself may use on the wasm stack below the deepest frame: libcalls
/// (`memory.grow`, bulk memory, table access), trampolines and the trap handler.
const RUNTIME_RESERVE_BYTES: u64 = 256 * 1024;

impl ChainLimits {
    /// Upper bound of the native stack one frame of a valid module can take.
    pub fn native_frame_bound(&self) -> u64 {
        let values = u64::from(self.max_locals) + u64::from(self.max_operand_stack_height);
        FRAME_OVERHEAD_BYTES + BYTES_PER_VALUE * values
    }

    /// Upper bound of the native stack a valid module can use before the counted call-depth
    /// budget traps: the entry frame plus `max_call_depth` nested frames, plus the runtime's
    /// own reserve. The wasm stack is sized at least this large, so the native stack never
    /// overflows first.
    pub fn native_stack_bound(&self) -> u64 {
        let frames = u64::from(self.max_call_depth) + 1;
        frames * self.native_frame_bound() + RUNTIME_RESERVE_BYTES
    }

    /// Keccak-256 over a canonical encoding of every field, in declaration order. Part of the
    /// compiled-artifact cache key, so a changed limit never runs code instrumented for another.
    pub fn hash(&self) -> [u8; 32] {
        let fields = [
            self.max_code_size,
            self.max_types,
            self.max_functions,
            self.max_params,
            self.max_results,
            self.max_locals,
            self.max_operand_stack_height,
            self.max_globals,
            self.max_imports,
            self.max_exports,
            self.max_table_size,
            self.max_br_table_targets,
            self.max_block_nesting,
            self.max_data_segments,
            self.max_element_segments,
            self.max_initial_pages,
            self.max_memory_pages,
            self.max_call_depth,
            self.call_depth_scope as u32,
        ];
        let mut hasher = Keccak256::new();
        hasher.update(b"rewasm-chain-limits-v1");
        for field in fields {
            hasher.update(field.to_le_bytes());
        }
        hasher.finalize().into()
    }
}
