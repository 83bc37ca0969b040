//! Typed codec errors.

/// Malformed input: names the rule that was broken. (Variants completed by the codec work.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// The packet's total size exceeds the configured maximum.
    PacketTooLarge { size: usize, max: usize },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EncodeError {
    /// A string or binary field is longer than 65535 bytes.
    FieldTooLong { len: usize },
    /// The remaining length would exceed 268,435,455 bytes.
    PacketTooLarge { remaining_length: usize },
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::PacketTooLarge { size, max } => {
                write!(f, "packet of {size} bytes exceeds the maximum of {max}")
            }
        }
    }
}
