//! The packet decoder on arbitrary bytes, for MQTT 3.1, 3.1.1 and 5: never a panic, never a read
//! past the input, and a packet it accepts encodes again and decodes to the same packet.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rpubsub::proto::codec::{self, ReasonCodes, Version};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, input)) = data.split_first() else {
        return;
    };
    let version = match selector % 3 {
        0 => Version::V31,
        1 => Version::V311,
        _ => Version::V5,
    };
    let reasons = if selector & 0x80 != 0 {
        ReasonCodes::AnyInAcks
    } else {
        ReasonCodes::Listed
    };
    let mut rest = input;
    while let Ok(Some((packet, used))) = codec::decode_with(rest, version, 1 << 20, reasons) {
        assert!(
            used > 0 && used <= rest.len(),
            "a decoded packet uses bytes of the input"
        );
        let mut encoded = Vec::new();
        if codec::encode(&packet, version, &mut encoded).is_ok() {
            let again = codec::decode_with(&encoded, version, usize::MAX, ReasonCodes::AnyInAcks);
            match again {
                Ok(Some((decoded, length))) => {
                    assert_eq!(length, encoded.len(), "the encoding is one whole packet");
                    assert_eq!(decoded, packet, "a packet survives encode + decode");
                }
                other => panic!("the encoding of {packet:?} does not decode: {other:?}"),
            }
        }
        rest = &rest[used..];
    }
});
