//! wasmi: the interpreter baseline, running the same plain kernel module as rewasm's VM.

use anyhow::anyhow;
use wasmi::{Engine, Instance, Linker, Module, Store, TypedFunc};

/// A compiled module and a live instance.
pub struct Wasmi {
    engine: Engine,
    module: Module,
    store: Store<()>,
    instance: Instance,
}

impl std::fmt::Debug for Wasmi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wasmi").finish_non_exhaustive()
    }
}

impl Wasmi {
    /// Compiles and instantiates `code` (no imports).
    pub fn new(code: &[u8]) -> anyhow::Result<Self> {
        let engine = Engine::default();
        let module = Module::new(&engine, code).map_err(|e| anyhow!("wasmi: {e}"))?;
        let mut store = Store::new(&engine, ());
        let instance = Linker::<()>::new(&engine)
            .instantiate_and_start(&mut store, &module)
            .map_err(|e| anyhow!("wasmi: {e}"))?;
        Ok(Self {
            engine,
            module,
            store,
            instance,
        })
    }

    /// Calls `export(arg) -> i64` on the live instance.
    pub fn call_u64(&mut self, export: &str, arg: u32) -> anyhow::Result<u64> {
        let f: TypedFunc<i32, i64> = self
            .instance
            .get_typed_func(&self.store, export)
            .map_err(|e| anyhow!("wasmi {export}: {e}"))?;
        let v = f
            .call(&mut self.store, arg as i32)
            .map_err(|e| anyhow!("wasmi {export}: {e}"))?;
        Ok(v as u64)
    }

    /// Calls `export() -> ()` on the live instance.
    pub fn call_empty(&mut self, export: &str) -> anyhow::Result<()> {
        let f: TypedFunc<(), ()> = self
            .instance
            .get_typed_func(&self.store, export)
            .map_err(|e| anyhow!("wasmi {export}: {e}"))?;
        f.call(&mut self.store, ())
            .map_err(|e| anyhow!("wasmi {export}: {e}"))
    }

    /// A fresh store and instance of the compiled module (what a per-call instantiation costs).
    pub fn instantiate(&self) -> anyhow::Result<(Store<()>, Instance)> {
        let mut store = Store::new(&self.engine, ());
        let instance = Linker::<()>::new(&self.engine)
            .instantiate_and_start(&mut store, &self.module)
            .map_err(|e| anyhow!("wasmi: {e}"))?;
        Ok((store, instance))
    }
}
