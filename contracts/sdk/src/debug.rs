//! Printing from a contract during development: [`crate::debug!`].
//!
//! With the SDK's `debug` feature, `debug!("balance {} of {:?}", amount, owner)` formats its
//! arguments (`core::fmt`, as `format!`) and prints the text through the host's module `debug`
//! (`debug.printMem`): `rewasm node --dev` logs it beside the transaction hash, `rewasm run`
//! prints it, and the host-side mock keeps it ([`crate::testing::take_printed`]). Only dev
//! chains (genesis `devMode`) offer module `debug`; every other chain refuses to deploy a
//! contract that imports it, and `rewasm build` says so.
//!
//! Without the feature (the default) `debug!` type-checks its arguments and does nothing else:
//! they are not evaluated, and there is no import, no formatting code and no gas, so the same
//! source builds the contract to deploy. (The macro is defined by the SDK's feature, not the
//! calling crate's.)
//!
//! ```toml
//! # the contract's Cargo.toml
//! [features]
//! debug = ["rewasm-sdk/debug"]
//! ```
//!
//! then `rewasm build --features debug` for a dev chain.

/// Prints `args` as text. Called by [`crate::debug!`] with the `debug` feature.
#[cfg(feature = "debug")]
pub fn print_fmt(args: core::fmt::Arguments<'_>) {
    let text = alloc::fmt::format(args);
    backend::print(&text);
}

#[cfg(all(feature = "debug", target_arch = "wasm32"))]
mod backend {
    pub(super) fn print(text: &str) {
        // A wasm32 slice's length always fits the i32 the host reads as u32.
        let length = text.len() as i32;
        // SAFETY: the pointer and length describe a live string the host only reads; the host
        // bounds-checks the range against the contract's memory.
        unsafe { crate::eei::sys::print_mem(text.as_ptr(), length) }
    }
}

#[cfg(all(feature = "debug", not(target_arch = "wasm32")))]
mod backend {
    pub(super) fn print(text: &str) {
        crate::testing::backend::print(text);
    }
}

/// Prints a formatted line from the contract during development, like `format!`:
/// `debug!("x = {}", x)`. With the SDK's `debug` feature only; see [`crate::debug`].
#[cfg(feature = "debug")]
#[macro_export]
macro_rules! debug {
    ($($arg:tt)*) => {
        $crate::debug::print_fmt(::core::format_args!($($arg)*))
    };
}

/// Prints a formatted line from the contract during development, like `format!`:
/// `debug!("x = {}", x)`. Without the SDK's `debug` feature (this build) it type-checks its
/// arguments and does nothing else: they are not evaluated. See [`crate::debug`].
#[cfg(not(feature = "debug"))]
#[macro_export]
macro_rules! debug {
    ($($arg:tt)*) => {
        if false {
            let _ = ::core::format_args!($($arg)*);
        }
    };
}
