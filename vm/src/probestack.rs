//! `__rust_probestack` for wasmer-vm 5.0.6.
//!
//! wasmer-vm 5.0.6 takes the address of `__rust_probestack` (its `PROBESTACK` libcall, which
//! singlepass code calls before allocating a frame larger than a page). rustc ≥ 1.89 stopped
//! exporting that symbol from compiler-builtins, so the link fails (wasmer issue #5610). The fix
//! upstream only shipped in wasmer 6.1, whose singlepass is BUSL-licensed, so we provide the
//! symbol here. Remove this module when wasmer is upgraded to an MIT release that no longer
//! needs it, or when rustc exports the symbol again.
//!
//! Contract of the routine (the x86_64 stack-probe ABI LLVM uses): on entry `rax` holds the
//! number of bytes the caller is about to subtract from `rsp`. Touch each 4 KiB page below
//! `rsp` down to `rsp - rax`, in order, so a guard page is hit before any page beyond it is
//! skipped; leave `rsp` and every register but `r11` as they were. This is the algorithm of
//! compiler-builtins' `probestack.rs`.

#[cfg(all(
    target_arch = "x86_64",
    not(target_os = "windows"),
    not(target_os = "macos")
))]
std::arch::global_asm!(
    ".globl __rust_probestack",
    ".type __rust_probestack, @function",
    ".p2align 4",
    "__rust_probestack:",
    ".cfi_startproc",
    "push rbp",
    ".cfi_adjust_cfa_offset 8",
    ".cfi_offset rbp, -16",
    "mov rbp, rsp",
    ".cfi_def_cfa_register rbp",
    // r11 counts down the bytes still to probe; rax keeps the total for the final restore.
    "mov r11, rax",
    "cmp r11, 0x1000",
    "jna 3f",
    "2:",
    "sub rsp, 0x1000",
    // 8(%rsp) accounts for the return address pushed by the caller's `call`.
    "test qword ptr [rsp + 8], rsp",
    "sub r11, 0x1000",
    "cmp r11, 0x1000",
    "ja 2b",
    "3:",
    "sub rsp, r11",
    "test qword ptr [rsp + 8], rsp",
    "add rsp, rax",
    "leave",
    ".cfi_def_cfa_register rsp",
    ".cfi_adjust_cfa_offset -8",
    "ret",
    ".cfi_endproc",
    ".size __rust_probestack, . - __rust_probestack",
);

#[cfg(test)]
mod tests {
    unsafe extern "C" {
        fn __rust_probestack();
    }

    /// Calls the routine the way LLVM does (size in rax) and checks it preserves the stack
    /// pointer and every register the ABI says it must.
    #[test]
    fn probestack_preserves_rsp_and_rax() {
        for size in [0u64, 8, 4095, 4096, 4097, 3 * 4096 + 100, 64 * 1024] {
            let (rsp_before, rsp_after, rax_after): (u64, u64, u64);
            // SAFETY: the routine only reads pages below rsp (the test thread's stack has far more
            // than 64 KiB free) and clobbers r11, which is declared as clobbered.
            unsafe {
                std::arch::asm!(
                    "mov {before}, rsp",
                    "call {probe}",
                    "mov {after}, rsp",
                    probe = sym __rust_probestack,
                    before = out(reg) rsp_before,
                    after = out(reg) rsp_after,
                    inout("rax") size => rax_after,
                    out("r11") _,
                );
            }
            assert_eq!(rsp_before, rsp_after, "rsp moved for size {size}");
            assert_eq!(rax_after, size, "rax clobbered for size {size}");
        }
    }
}
