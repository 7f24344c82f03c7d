//! The durable-ack extension frame: `varuint(100) · buf(state vector v1)`.

use atelier_canvas_sync::yrs::{ClientID, StateVector};
use atelier_canvas_sync::{SyncError, decode_durable_ack, encode_durable_ack};

#[test]
fn durable_ack_frames_have_the_documented_bytes_and_round_trip() {
    // (state vector entries as (client, clock), frame)
    type Case = (&'static [(u64, u32)], &'static [u8]);
    let cases: &[Case] = &[
        (&[], &[100, 1, 0]),
        (&[(7, 5)], &[100, 3, 1, 7, 5]),
        // client 300 and clock 200 are two-byte varints
        (&[(300, 200)], &[100, 5, 1, 0xac, 0x02, 0xc8, 0x01]),
    ];
    for (entries, frame) in cases {
        let sv = StateVector::from_iter(entries.iter().map(|(c, k)| (ClientID::new(*c), *k)));
        assert_eq!(encode_durable_ack(&sv), frame.to_vec(), "{entries:?}");
        assert_eq!(
            decode_durable_ack(frame).expect("decodes"),
            sv,
            "{entries:?}"
        );
    }
}

#[test]
fn decoding_refuses_other_types_truncation_and_trailing_bytes() {
    for frame in [
        &[][..],
        &[0, 0, 1, 0],
        &[100],
        &[100, 3, 1, 7],
        &[100, 1, 0, 0],
        &[100, 2, 1, 0x80],
    ] {
        assert!(
            matches!(decode_durable_ack(frame), Err(SyncError::Malformed { .. })),
            "{frame:?}"
        );
    }
}
