//! The building blocks every packet shares: variable byte integers (the remaining length, and in MQTT 5
//! property lengths and subscription identifiers), two- and four-byte integers, length-prefixed UTF-8
//! strings and binary data (MQTT 3.1.1 §1.5, §2.2.3; MQTT 5.0 §1.5).
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
pub fn write_remaining_length(remaining_length: usize, out: &mut Vec<u8>) {
    write_varint(remaining_length, out);
}

/// How many bytes [`write_varint`] writes for `value`: 1 to 4 for values the protocol can express, more
/// for larger ones (which the decoder then rejects).
pub fn varint_size(mut value: usize) -> usize {
    let mut size = 1;
    while value >= 128 {
        value /= 128;
        size += 1;
    }
    size
}

/// Appends the minimal variable byte integer encoding of `value`, least significant 7 bits first. Values
/// above 268,435,455 take more than 4 bytes: the encoder writes what it is given.
pub fn write_varint(mut value: usize, out: &mut Vec<u8>) {
    loop {
        let low_bits = (value % 128) as u8;
        value /= 128;
        if value == 0 {
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
    write_fixed_header_reserving(first_byte, remaining_length, remaining_length, out)
}

/// [`write_fixed_header`], reserving room for only `reserve` bytes after the fixed header (a PUBLISH
/// whose payload is not appended to `out`).
pub fn write_fixed_header_reserving(
    first_byte: u8,
    remaining_length: usize,
    reserve: usize,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    if remaining_length > MAX_REMAINING_LENGTH {
        return Err(EncodeError::PacketTooLarge { remaining_length });
    }
    out.reserve((1 + remaining_length_size(remaining_length)).saturating_add(reserve));
    out.push(first_byte);
    write_remaining_length(remaining_length, out);
    Ok(())
}

pub fn write_u16(value: u16, out: &mut Vec<u8>) {
    out.extend_from_slice(&value.to_be_bytes());
}

pub fn write_u32(value: u32, out: &mut Vec<u8>) {
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

    /// The packet whose body this is (named in errors).
    pub fn packet(&self) -> PacketType {
        self.packet
    }

    /// How many bytes are left.
    pub fn remaining(&self) -> usize {
        self.rest.len()
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

    pub fn read_u32(&mut self, field: Field) -> Result<u32, DecodeError> {
        let (bytes, rest) = self
            .rest
            .split_first_chunk::<4>()
            .ok_or(self.too_short(field))?;
        self.rest = rest;
        Ok(u32::from_be_bytes(*bytes))
    }

    /// A variable byte integer inside the body (MQTT 5.0 §1.5.5): at most 4 bytes, so at most
    /// 268,435,455. Non-minimal encodings are accepted, as for the remaining length.
    pub fn read_varint(&mut self, field: Field) -> Result<u32, DecodeError> {
        let mut value = 0u32;
        for index in 0..MAX_REMAINING_LENGTH_BYTES {
            let byte = self.read_u8(field)?;
            // index <= 3: the shift is at most 21 and the value stays below 2^28.
            value |= u32::from(byte & !CONTINUATION_BIT) << (7 * index);
            if byte & CONTINUATION_BIT == 0 {
                return Ok(value);
            }
        }
        Err(DecodeError::VariableByteIntegerTooLong {
            packet: self.packet,
            field,
        })
    }

    /// The next `length` bytes as a reader of their own (a property list), or `None` if fewer remain.
    pub fn split_off(&mut self, length: usize) -> Option<Reader<'a>> {
        let (bytes, rest) = self.rest.split_at_checked(length)?;
        self.rest = rest;
        Some(Reader {
            rest: bytes,
            packet: self.packet,
        })
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

    /// MQTT 5.0 §1.5.5 uses the same table for every variable byte integer, not only the remaining
    /// length: property lengths and subscription identifiers inside a body.
    #[test]
    fn variable_byte_integers_in_a_body() {
        for (value, bytes) in SPEC_REMAINING_LENGTHS {
            let mut out = Vec::new();
            write_varint(value, &mut out);
            assert_eq!(out, bytes);
            assert_eq!(varint_size(value), bytes.len());
            let mut followed = bytes.to_vec();
            followed.push(0xAA);
            let mut reader = Reader::new(&followed, PacketType::Publish);
            assert_eq!(reader.read_varint(Field::PropertyLength), Ok(value as u32));
            assert_eq!(reader.remaining(), 1);
            for cut in 0..bytes.len() {
                assert_eq!(
                    Reader::new(&bytes[..cut], PacketType::Publish)
                        .read_varint(Field::PropertyLength),
                    Err(DecodeError::BodyTooShort {
                        packet: PacketType::Publish,
                        field: Field::PropertyLength
                    })
                );
            }
        }
        // The encoder writes values past the 4-byte range as given; the decoder refuses a fifth byte.
        let mut out = Vec::new();
        write_varint(MAX_REMAINING_LENGTH + 1, &mut out);
        assert_eq!(out, [0x80, 0x80, 0x80, 0x80, 0x01]);
        assert_eq!(varint_size(MAX_REMAINING_LENGTH + 1), 5);
        assert_eq!(
            Reader::new(&out, PacketType::SubAck).read_varint(Field::PropertyLength),
            Err(DecodeError::VariableByteIntegerTooLong {
                packet: PacketType::SubAck,
                field: Field::PropertyLength
            })
        );
    }

    #[test]
    fn four_byte_integers_and_split_off() {
        let mut out = Vec::new();
        write_u32(0x0102_0304, &mut out);
        assert_eq!(out, [0x01, 0x02, 0x03, 0x04]);
        let mut reader = Reader::new(&[0x01, 0x02, 0x03, 0x04, 0x05, 0x06], PacketType::ConnAck);
        assert_eq!(reader.read_u32(Field::KeepAlive), Ok(0x0102_0304));
        assert!(reader.split_off(3).is_none(), "only 2 bytes left");
        let mut part = reader.split_off(1).expect("1 byte");
        assert_eq!(part.read_u8(Field::ReasonCode), Ok(0x05));
        assert!(part.is_empty());
        assert_eq!(reader.remaining(), 1);
        assert_eq!(
            Reader::new(&[0x00, 0x00, 0x00], PacketType::ConnAck).read_u32(Field::KeepAlive),
            Err(DecodeError::BodyTooShort {
                packet: PacketType::ConnAck,
                field: Field::KeepAlive
            })
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
