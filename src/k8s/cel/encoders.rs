//! The encoders library Kubernetes enables (cel-go's `ext.Encoders`): `base64.encode` of
//! bytes and `base64.decode` of a string, standard alphabet, with or without padding.

use std::rc::Rc;

use super::cost::{R, State, err, no_overload};
use super::value::Value;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub(super) fn functions(st: &mut State, name: &str, args: &[Value]) -> Option<R> {
    let out = match (name, args) {
        ("base64.encode", [Value::Bytes(b)]) => st
            .charge_bytes(b.len().saturating_mul(2))
            .map(|_| Value::str(&encode(b))),
        ("base64.decode", [Value::String(s)]) => {
            st.charge_bytes(s.len())
                .and_then(|_| match decode(s.as_bytes()) {
                    Some(b) => Ok(Value::Bytes(Rc::from(b))),
                    None => err("base64.decode: illegal base64 data"),
                })
        }
        ("base64.encode" | "base64.decode", _) => no_overload(name, args),
        _ => return None,
    };
    Some(out)
}

fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn sextet(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|a| *a == c).map(|p| p as u32)
}

/// Standard base64, padded or not (cel-go tries both), line breaks ignored and the bits
/// left over in the last character too, as Go's decoder does; `None` for anything else.
fn decode(text: &[u8]) -> Option<Vec<u8>> {
    let text: Vec<u8> = text
        .iter()
        .copied()
        .filter(|c| *c != b'\r' && *c != b'\n')
        .collect();
    let unpadded = match text.as_slice() {
        [rest @ .., b'=', b'='] if text.len().is_multiple_of(4) => rest,
        [rest @ .., b'='] if text.len().is_multiple_of(4) => rest,
        all => all,
    };
    if unpadded.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(unpadded.len() / 4 * 3 + 2);
    for chunk in unpadded.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= sextet(*c)? << (18 - 6 * i);
        }
        let bytes = chunk.len() - 1;
        out.extend((0..bytes).map(|i| (n >> (16 - 8 * i)) as u8));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_round_trips() {
        for s in [
            "",
            "f",
            "fo",
            "foo",
            "foob",
            "fooba",
            "foobar",
            "\u{0}\u{ff}",
        ] {
            let e = encode(s.as_bytes());
            assert_eq!(decode(e.as_bytes()).as_deref(), Some(s.as_bytes()), "{e}");
            assert_eq!(
                decode(e.trim_end_matches('=').as_bytes()).as_deref(),
                Some(s.as_bytes())
            );
        }
        assert_eq!(encode(b"hello"), "aGVsbG8=");
        assert_eq!(decode(b"aGVsbG9=").as_deref(), Some(&b"hello"[..]));
        assert_eq!(decode(b"a"), None);
        assert_eq!(decode(b"aG=VsbG8"), None);
    }
}
