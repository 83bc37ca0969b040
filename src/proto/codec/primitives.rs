//! The building blocks every packet shares: the remaining-length variable byte integer, two-byte
//! integers, length-prefixed UTF-8 strings and binary data (MQTT 3.1.1 §1.5, §2.2.3).
//!
//! Decoding goes through [`Reader`], a cursor over one packet body that never indexes out of bounds and
//! turns every shortfall into a [`DecodeError`] naming the field. Encoding is two-phase: the packet
//! modules first add up field sizes with [`field_size`] (which is where over-long fields are rejected),
//! then [`write_fixed_header`] validates the total and reserves it once, and only then are bytes written.
//! That order is what guarantees "on error nothing is appended".

use super::{DecodeError, EncodeError, Field, MAX_REMAINING_LENGTH, PacketType};

/// The longest string or binary field: its length prefix is a two-byte integer.
pub const MAX_FIELD_LEN: usize = u16::MAX as usize;

/// The remaining length field never uses more than this many bytes.
const MAX_REMAINING_LENGTH_BYTES: usize = 4;

/// Bit 7 of each remaining-length byte says another byte follows.
const CONTINUATION_BIT: u8 = 0x80;

/// Reads the remaining length from the bytes after the first byte of a packet.
///
/// `Ok(None)` while the field is incomplete; `Ok(Some((value, bytes_used)))` once its last byte (the one
/// without the continuation bit) is there. Non-minimal encodings (`0x80 0x00`) are accepted: 3.1.1 does not
/// forbid them, only a fifth byte.
pub fn decode_remaining_length(bytes: &[u8]) -> Result<Option<(usize, usize)>, DecodeError> {
    let mut value = 0usize;
    for (index, &byte) in bytes.iter().take(MAX_REMAINING_LENGTH_BYTES).enumerate() {
        // index <= 3, so the shift is at most 21 and the value stays below 2^28.
        value |= usize::from(byte & !CONTINUATION_BIT) << (7 * index);
        if byte & CONTINUATION_BIT == 0 {
            return Ok(Some((value, index + 1)));
        }
    }
    if bytes.len() >= MAX_REMAINING_LENGTH_BYTES {
        Err(DecodeError::RemainingLengthTooLong)
    } else {
        Ok(None)
    }
}

/// How many bytes the minimal encoding of `remaining_length` takes (at most 4 for valid lengths).
pub fn remaining_length_size(remaining_length: usize) -> usize {
    match remaining_length {
        0..=127 => 1,
        128..=16_383 => 2,
        16_384..=2_097_151 => 3,
        _ => 4,
    }
}

/// Appends the minimal encoding of `remaining_length`, least significant 7 bits first.
/// The caller has checked `remaining_length <= MAX_REMAINING_LENGTH`.
pub fn write_remaining_length(mut remaining_length: usize, out: &mut Vec<u8>) {
    loop {
        let low_bits = (remaining_length % 128) as u8;
        remaining_length /= 128;
        if remaining_length == 0 {
            out.push(low_bits);
            return;
        }
        out.push(low_bits | CONTINUATION_BIT);
    }
}

/// The encoded size of a length-prefixed field holding `len` bytes, or `FieldTooLong`.
pub fn field_size(len: usize) -> Result<usize, EncodeError> {
    if len > MAX_FIELD_LEN {
        return Err(EncodeError::FieldTooLong { len });
    }
    Ok(2 + len)
}

/// Validates `remaining_length`, reserves room for the whole packet in one go (so large payloads are
/// copied once, never regrown), then writes the first byte and the remaining length.
pub fn write_fixed_header(
    first_byte: u8,
    remaining_length: usize,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    if remaining_length > MAX_REMAINING_LENGTH {
        return Err(EncodeError::PacketTooLarge { remaining_length });
    }
    out.reserve(1 + remaining_length_size(remaining_length) + remaining_length);
    out.push(first_byte);
    write_remaining_length(remaining_length, out);
    Ok(())
}

pub fn write_u16(value: u16, out: &mut Vec<u8>) {
    out.extend_from_slice(&value.to_be_bytes());
}

/// Writes a two-byte length and the bytes. The caller has checked the length with [`field_size`].
pub fn write_binary(bytes: &[u8], out: &mut Vec<u8>) {
    debug_assert!(bytes.len() <= MAX_FIELD_LEN);
    write_u16(bytes.len() as u16, out);
    out.extend_from_slice(bytes);
}

/// Cursor over one packet body (the bytes after the fixed header).
pub struct Reader<'a> {
    rest: &'a [u8],
    packet: PacketType,
}

impl<'a> Reader<'a> {
    pub fn new(body: &'a [u8], packet: PacketType) -> Reader<'a> {
        Reader { rest: body, packet }
    }

    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    fn too_short(&self, field: Field) -> DecodeError {
        DecodeError::BodyTooShort {
            packet: self.packet,
            field,
        }
    }

    pub fn read_u8(&mut self, field: Field) -> Result<u8, DecodeError> {
        let (&byte, rest) = self.rest.split_first().ok_or(self.too_short(field))?;
        self.rest = rest;
        Ok(byte)
    }

    pub fn read_u16(&mut self, field: Field) -> Result<u16, DecodeError> {
        let (bytes, rest) = self
            .rest
            .split_first_chunk::<2>()
            .ok_or(self.too_short(field))?;
        self.rest = rest;
        Ok(u16::from_be_bytes(*bytes))
    }

    /// A packet identifier, which is never 0 in MQTT 3.1.1 §2.3.1.
    pub fn read_packet_id(&mut self) -> Result<u16, DecodeError> {
        match self.read_u16(Field::PacketId)? {
            0 => Err(DecodeError::ZeroPacketId {
                packet: self.packet,
            }),
            packet_id => Ok(packet_id),
        }
    }

    /// Two-byte length, then that many bytes (binary data, or a string before validation).
    pub fn read_binary(&mut self, field: Field) -> Result<&'a [u8], DecodeError> {
        let length = self.read_u16(field)?;
        let (bytes, rest) =
            self.rest
                .split_at_checked(usize::from(length))
                .ok_or(DecodeError::StringPastEnd {
                    field,
                    length,
                    available: self.rest.len(),
                })?;
        self.rest = rest;
        Ok(bytes)
    }

    /// A UTF-8 string field: well-formed UTF-8 (which already excludes surrogates) without U+0000.
    pub fn read_str(&mut self, field: Field) -> Result<&'a str, DecodeError> {
        let bytes = self.read_binary(field)?;
        let text = std::str::from_utf8(bytes).map_err(|_| DecodeError::InvalidUtf8 { field })?;
        // In UTF-8 the byte 0 only ever encodes U+0000, so a byte search is enough.
        if bytes.contains(&0) {
            return Err(DecodeError::NullCharacter { field });
        }
        Ok(text)
    }

    /// Everything not read yet (PUBLISH payload, SUBACK return codes).
    pub fn take_rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.rest)
    }

    /// Ends decoding: every byte of the body must have been used.
    pub fn finish(self) -> Result<(), DecodeError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::TrailingBytes {
                packet: self.packet,
                extra: self.rest.len(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// MQTT 3.1.1 §2.2.3, the "Size of Remaining Length field" table: the bounds of each field size.
    const SPEC_REMAINING_LENGTHS: [(usize, &[u8]); 8] = [
        (0, &[0x00]),
        (127, &[0x7F]),
        (128, &[0x80, 0x01]),
        (16_383, &[0xFF, 0x7F]),
        (16_384, &[0x80, 0x80, 0x01]),
        (2_097_151, &[0xFF, 0xFF, 0x7F]),
        (2_097_152, &[0x80, 0x80, 0x80, 0x01]),
        (268_435_455, &[0xFF, 0xFF, 0xFF, 0x7F]),
    ];

    #[test]
    fn remaining_length_spec_table_encodes() {
        for (value, bytes) in SPEC_REMAINING_LENGTHS {
            let mut out = Vec::new();
            write_remaining_length(value, &mut out);
            assert_eq!(out, bytes, "encoding {value}");
            assert_eq!(remaining_length_size(value), bytes.len(), "size of {value}");
        }
    }

    #[test]
    fn remaining_length_spec_table_decodes() {
        for (value, bytes) in SPEC_REMAINING_LENGTHS {
            assert_eq!(
                decode_remaining_length(bytes),
                Ok(Some((value, bytes.len()))),
                "decoding {bytes:02X?}"
            );
            // Bytes after the field are not part of it.
            let mut followed = bytes.to_vec();
            followed.extend_from_slice(&[0xFF, 0x01]);
            assert_eq!(
                decode_remaining_length(&followed),
                Ok(Some((value, bytes.len())))
            );
            for cut in 0..bytes.len() {
                assert_eq!(decode_remaining_length(&bytes[..cut]), Ok(None));
            }
        }
    }

    #[test]
    fn remaining_length_fifth_byte_is_an_error() {
        assert_eq!(
            decode_remaining_length(&[0xFF, 0xFF, 0xFF, 0xFF]),
            Err(DecodeError::RemainingLengthTooLong)
        );
        assert_eq!(
            decode_remaining_length(&[0x80, 0x80, 0x80, 0x80, 0x01]),
            Err(DecodeError::RemainingLengthTooLong)
        );
        assert_eq!(decode_remaining_length(&[0xFF, 0xFF, 0xFF]), Ok(None));
    }

    #[test]
    fn remaining_length_non_minimal_encoding_is_accepted() {
        assert_eq!(decode_remaining_length(&[0x80, 0x00]), Ok(Some((0, 2))));
        assert_eq!(
            decode_remaining_length(&[0x81, 0x80, 0x00]),
            Ok(Some((1, 3)))
        );
    }

    /// MQTT 3.1.1 §1.5.3, the UTF-8 encoded string non normative example: "A𪛔" (U+0041, U+2A6D4).
    const SPEC_UTF8_EXAMPLE: [u8; 7] = [0x00, 0x05, 0x41, 0xF0, 0xAA, 0x9B, 0x94];

    #[test]
    fn utf8_string_spec_example() {
        let mut out = Vec::new();
        write_binary("A\u{2A6D4}".as_bytes(), &mut out);
        assert_eq!(out, SPEC_UTF8_EXAMPLE);

        let mut reader = Reader::new(&SPEC_UTF8_EXAMPLE, PacketType::Publish);
        assert_eq!(reader.read_str(Field::TopicName), Ok("A\u{2A6D4}"));
        assert_eq!(reader.finish(), Ok(()));
    }

    #[test]
    fn string_rules() {
        fn read(bytes: &[u8]) -> Result<&str, DecodeError> {
            Reader::new(bytes, PacketType::Publish).read_str(Field::TopicName)
        }
        assert_eq!(read(&[0x00, 0x00]), Ok(""));
        // U+D800 encoded as if it were a scalar value: ill-formed UTF-8.
        assert_eq!(
            read(&[0x00, 0x03, 0xED, 0xA0, 0x80]),
            Err(DecodeError::InvalidUtf8 {
                field: Field::TopicName
            })
        );
        assert_eq!(
            read(&[0x00, 0x03, b'a', 0x00, b'b']),
            Err(DecodeError::NullCharacter {
                field: Field::TopicName
            })
        );
        assert_eq!(
            read(&[0x00, 0x04, b'a', b'b']),
            Err(DecodeError::StringPastEnd {
                field: Field::TopicName,
                length: 4,
                available: 2
            })
        );
        assert_eq!(
            read(&[0x00]),
            Err(DecodeError::BodyTooShort {
                packet: PacketType::Publish,
                field: Field::TopicName
            })
        );
        // U+FEFF must be kept, not stripped (§1.5.3).
        assert_eq!(read(&[0x00, 0x03, 0xEF, 0xBB, 0xBF]), Ok("\u{FEFF}"));
    }

    #[test]
    fn field_size_limit() {
        assert_eq!(field_size(0), Ok(2));
        assert_eq!(field_size(65_535), Ok(65_537));
        assert_eq!(
            field_size(65_536),
            Err(EncodeError::FieldTooLong { len: 65_536 })
        );
    }

    #[test]
    fn fixed_header_rejects_oversized_remaining_length_without_writing() {
        let mut out = vec![0xAB];
        assert_eq!(
            write_fixed_header(0x30, MAX_REMAINING_LENGTH + 1, &mut out),
            Err(EncodeError::PacketTooLarge {
                remaining_length: MAX_REMAINING_LENGTH + 1
            })
        );
        assert_eq!(out, [0xAB]);
    }
}
