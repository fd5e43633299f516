//! The wasm32 panic handler (feature `panic-handler`, on by default).
//!
//! A panic in a contract (an explicit `panic!`, an `unwrap` on `None`, an out-of-bounds index,
//! an arithmetic overflow in a build with overflow checks) reverts the frame with Solidity's
//! `Error(string)` carrying the panic message, so the caller sees why and keeps its unused gas —
//! rather than trapping, which consumes all the gas and says nothing. A message with formatting
//! arguments is formatted, which links `core::fmt` (a few KiB) into contracts that can panic
//! that way.

#[cfg(all(target_arch = "wasm32", feature = "panic-handler"))]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    let message = info.message();
    if let Some(text) = message.as_str() {
        crate::revert_with(text)
    }
    #[cfg(feature = "panic-fmt")]
    {
        use core::fmt::Write;
        let mut text = alloc::string::String::new();
        if write!(text, "{message}").is_ok() {
            crate::revert_with(&text)
        }
    }
    crate::revert_with("panic")
}
