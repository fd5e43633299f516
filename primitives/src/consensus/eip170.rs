//! Deposited code: EIP-170's size limit, and the Yellow Paper's price per deposited byte
//! (`G_codedeposit`).

/// The largest code a create may deposit (EIP-170), in bytes.
pub const MAX_CODE_SIZE: usize = 24_576;

/// Gas per byte of deposited code, paid from the create's gas after the init code returns.
pub const CODE_DEPOSIT_PER_BYTE: u64 = 200;
