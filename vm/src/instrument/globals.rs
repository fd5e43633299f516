//! Every mutable global exported, so that a warm instance can be reset.
//!
//! wasmer gives the host no handle on a global the module does not export, yet a reused
//! instance must start with every mutable global at its initial value (`__stack_pointer` of a
//! Rust contract, the instrumentation's counters). This middleware adds nothing to the code: it
//! only exports each mutable global that is not exported yet, under
//! [`GLOBAL_EXPORT_PREFIX`] and its index. It runs last, so it sees the globals the other
//! middlewares added. The validator reserves the prefix (rule `reserved-export`).

use wasmer::{
    ExportIndex, FunctionMiddleware, LocalFunctionIndex, MiddlewareError, ModuleMiddleware,
    Mutability,
};
use wasmer_types::ModuleInfo;

use super::GLOBAL_EXPORT_PREFIX;

/// The module-level middleware.
#[derive(Debug, Default)]
pub struct ExportMutableGlobals;

/// A function middleware that changes nothing.
#[derive(Debug)]
struct Unchanged;

impl FunctionMiddleware for Unchanged {}

impl ModuleMiddleware for ExportMutableGlobals {
    fn generate_function_middleware(&self, _: LocalFunctionIndex) -> Box<dyn FunctionMiddleware> {
        Box::new(Unchanged)
    }

    fn transform_module_info(&self, info: &mut ModuleInfo) -> Result<(), MiddlewareError> {
        let exported: Vec<_> = info
            .exports
            .values()
            .filter_map(|export| match export {
                ExportIndex::Global(index) => Some(*index),
                _ => None,
            })
            .collect();
        let unexported: Vec<_> = info
            .globals
            .iter()
            .filter(|(index, ty)| ty.mutability == Mutability::Var && !exported.contains(index))
            .map(|(index, _)| index)
            .collect();
        for index in unexported {
            info.exports.insert(
                format!("{GLOBAL_EXPORT_PREFIX}{}", index.as_u32()),
                ExportIndex::Global(index),
            );
        }
        Ok(())
    }
}
