//! wasmer `Tunables` that enforce the chain's memory ceiling and the wasm stack size.
//!
//! - Memory: a module may omit its memory maximum; the chain's `max_memory_pages` is then its
//!   maximum, and any declared maximum is capped to it. `memory.grow` beyond it returns -1 on
//!   every machine (determinism rule 5) instead of depending on how much the host can map.
//!   Memories below 4 GiB get wasmer's static style: the whole bound is reserved up front, so a
//!   grow within the maximum only changes protection and never fails for lack of address space.
//! - Stack: every entry into wasm runs on a wasm stack of `wasm_stack_size` bytes, which the
//!   engine checks is at least [`crate::ChainLimits::native_stack_bound`].
//! - Host failures: every memory is wrapped in a [`GuardedMemory`], which tells a grow refused
//!   by the maximum (a deterministic -1) from one the host could not carry out (a refused
//!   `mprotect`), and records the latter in [`crate::host_failure`] so the transaction aborts
//!   instead of the contract seeing -1.

use std::ptr::NonNull;

use wasmer::sys::BaseTunables;
use wasmer::vm::{
    LinearMemory, MemoryError, MemoryStyle, TableStyle, VMConfig, VMMemory, VMMemoryDefinition,
    VMTable, VMTableDefinition,
};
use wasmer::{MemoryType, Pages, TableType, Target, Tunables};

/// Base tunables plus the chain's memory cap and the configured wasm stack size.
#[derive(Clone)]
pub struct ChainTunables {
    base: BaseTunables,
    max_pages: Pages,
    wasm_stack_size: usize,
    vmconfig: std::sync::Arc<VMConfig>,
}

impl std::fmt::Debug for ChainTunables {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChainTunables")
            .field("max_pages", &self.max_pages)
            .field("wasm_stack_size", &self.wasm_stack_size)
            .finish()
    }
}

impl ChainTunables {
    /// Tunables for the host target with `max_pages` of memory and a `wasm_stack_size` stack.
    pub fn new(max_pages: u32, wasm_stack_size: usize) -> Self {
        Self {
            base: BaseTunables::for_target(&Target::default()),
            max_pages: Pages(max_pages),
            wasm_stack_size,
            vmconfig: std::sync::Arc::new(VMConfig {
                wasm_stack_size: Some(wasm_stack_size),
            }),
        }
    }

    fn capped(&self, ty: &MemoryType) -> MemoryType {
        let maximum = ty.maximum.map_or(self.max_pages, |m| m.min(self.max_pages));
        MemoryType {
            maximum: Some(maximum),
            ..*ty
        }
    }
}

impl Tunables for ChainTunables {
    fn memory_style(&self, memory: &MemoryType) -> MemoryStyle {
        self.base.memory_style(&self.capped(memory))
    }

    fn table_style(&self, table: &TableType) -> TableStyle {
        self.base.table_style(table)
    }

    fn create_host_memory(
        &self,
        ty: &MemoryType,
        style: &MemoryStyle,
    ) -> Result<VMMemory, MemoryError> {
        self.base
            .create_host_memory(&self.capped(ty), style)
            .map(GuardedMemory::wrap)
    }

    unsafe fn create_vm_memory(
        &self,
        ty: &MemoryType,
        style: &MemoryStyle,
        vm_definition_location: NonNull<VMMemoryDefinition>,
    ) -> Result<VMMemory, MemoryError> {
        // SAFETY: forwarded unchanged; the caller upholds the contract on the location.
        unsafe {
            self.base
                .create_vm_memory(&self.capped(ty), style, vm_definition_location)
        }
        .map(GuardedMemory::wrap)
    }

    fn create_host_table(&self, ty: &TableType, style: &TableStyle) -> Result<VMTable, String> {
        self.base.create_host_table(ty, style)
    }

    unsafe fn create_vm_table(
        &self,
        ty: &TableType,
        style: &TableStyle,
        vm_definition_location: NonNull<VMTableDefinition>,
    ) -> Result<VMTable, String> {
        // SAFETY: forwarded unchanged; the caller upholds the contract on the location.
        unsafe { self.base.create_vm_table(ty, style, vm_definition_location) }
    }

    fn vmconfig(&self) -> &VMConfig {
        &self.vmconfig
    }
}

/// A linear memory whose failed grows within the maximum are recorded as host failures.
#[derive(Debug)]
pub struct GuardedMemory(VMMemory);

impl GuardedMemory {
    fn wrap(memory: VMMemory) -> VMMemory {
        VMMemory(Box::new(Self(memory)))
    }

    /// Whether growing by `delta` stays within the memory's maximum and the index range, so
    /// that only the host can refuse it.
    fn within_limits(&self, delta: Pages) -> bool {
        let maximum = self.0.ty().maximum.unwrap_or(Pages::max_value());
        self.0
            .size()
            .0
            .checked_add(delta.0)
            .is_some_and(|pages| pages <= maximum.0 && pages < Pages::max_value().0)
    }
}

impl LinearMemory for GuardedMemory {
    fn ty(&self) -> MemoryType {
        self.0.ty()
    }

    fn size(&self) -> Pages {
        self.0.size()
    }

    fn style(&self) -> MemoryStyle {
        self.0.style()
    }

    fn grow(&mut self, delta: Pages) -> Result<Pages, MemoryError> {
        let within_limits = self.within_limits(delta);
        let from = self.0.size();
        self.0.grow(delta).inspect_err(|error| {
            if within_limits {
                crate::host_failure::record(format!(
                    "memory.grow by {} pages from {} failed in the host: {error}",
                    delta.0, from.0
                ));
            }
        })
    }

    fn grow_at_least(&mut self, min_size: u64) -> Result<(), MemoryError> {
        self.0.grow_at_least(min_size)
    }

    fn reset(&mut self) -> Result<(), MemoryError> {
        self.0.reset()
    }

    fn vmmemory(&self) -> NonNull<VMMemoryDefinition> {
        self.0.vmmemory()
    }

    fn try_clone(&self) -> Result<Box<dyn LinearMemory + 'static>, MemoryError> {
        self.0.try_clone()
    }

    fn copy(&mut self) -> Result<Box<dyn LinearMemory + 'static>, MemoryError> {
        self.0.copy()
    }
}
