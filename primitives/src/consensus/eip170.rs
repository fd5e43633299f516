//! Deposited code: EIP-170's size limit, and its price: the Yellow Paper's per deposited byte
//! (`G_codedeposit`), or, under the `v2` gas schedule, per byte of the code compressed, which is
//! what the node stores (its store compresses every column) and what wasm's size overstates.

/// The largest code a create may deposit (EIP-170), in bytes.
pub const MAX_CODE_SIZE: usize = 24_576;

/// Gas per byte of deposited code, paid from the create's gas after the init code returns.
pub const CODE_DEPOSIT_PER_BYTE: u64 = 200;

/// How a create pays for the code it deposits (part of the gas schedule).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CodeDeposit {
    /// Gas per byte of code.
    PerByte(u64),
    /// Gas per byte of the code's raw deflate stream at level 9 ([`compressed_len`]).
    PerCompressedByte(u64),
}

impl CodeDeposit {
    /// The Yellow Paper's: [`CODE_DEPOSIT_PER_BYTE`] per byte.
    pub const YELLOW_PAPER: Self = Self::PerByte(CODE_DEPOSIT_PER_BYTE);

    /// The gas for depositing `code`; `None` on overflow (no create can pay it).
    pub fn price(&self, code: &[u8]) -> Option<u64> {
        let (per_byte, bytes) = match self {
            Self::PerByte(per_byte) => (*per_byte, code.len()),
            Self::PerCompressedByte(per_byte) => (*per_byte, compressed_len(code)),
        };
        per_byte.checked_mul(u64::try_from(bytes).ok()?)
    }
}

/// The length of `code`'s raw deflate stream at level 9, as `miniz_oxide` 0.8.9 (pinned: its
/// exact output is consensus) makes it.
pub fn compressed_len(code: &[u8]) -> usize {
    miniz_oxide::deflate::compress_to_vec(code, 9).len()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pinned: a change of compressor, level or version changes what every create pays.
    #[test]
    fn the_compressed_length_is_pinned() {
        let text: Vec<u8> = (0..200u32)
            .flat_map(|i| {
                format!(
                    "{:08x} transfer(address,uint256) ",
                    i.wrapping_mul(2_654_435_761)
                )
                .into_bytes()
            })
            .collect();
        let lengths = [
            compressed_len(&text),
            compressed_len(&[0; 1000]),
            compressed_len(&[]),
        ];
        assert_eq!(lengths, [1_217, 17, 2]);
    }

    #[test]
    fn deposits_price_bytes_or_compressed_bytes() {
        let code = [0u8; 1000];
        assert_eq!(CodeDeposit::YELLOW_PAPER.price(&code), Some(200_000));
        assert_eq!(
            CodeDeposit::PerCompressedByte(200).price(&code),
            Some(200 * 17)
        );
        assert_eq!(CodeDeposit::PerByte(u64::MAX).price(&code), None);
    }
}
