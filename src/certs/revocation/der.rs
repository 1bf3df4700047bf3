//! A minimal, bounds-checked reader and writer of DER TLVs, for the
//! structures x509-parser does not parse (OCSP requests and responses).
//! Definite lengths only, single-byte tags (every OCSP tag is one); never
//! panics on malformed input.

/// One DER element: its tag byte, contents and whole encoding.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tlv<'a> {
    /// The identifier octet (class, constructed bit and tag number).
    pub tag: u8,
    /// The contents octets.
    pub content: &'a [u8],
    /// Tag, length and contents.
    pub whole: &'a [u8],
}

/// The first element of `input` and what follows it; `None` when `input`
/// does not start with a complete element.
pub(crate) fn read(input: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    let (&tag, rest) = input.split_first()?;
    if tag & 0x1f == 0x1f {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    let (length, rest) = match first {
        0..=0x7f => (usize::from(first), rest),
        0x81..=0x84 => {
            let count = usize::from(first & 0x7f);
            let bytes = rest.get(..count)?;
            let length = bytes.iter().fold(0usize, |n, b| (n << 8) | usize::from(*b));
            (length, &rest[count..])
        }
        _ => return None,
    };
    let content = rest.get(..length)?;
    let header = input.len() - rest.len();
    let whole = &input[..header + length];
    Some((
        Tlv {
            tag,
            content,
            whole,
        },
        &rest[length..],
    ))
}

/// The first element of `input` if it has `tag`, and what follows.
pub(crate) fn expect(input: &[u8], tag: u8) -> Option<(Tlv<'_>, &[u8])> {
    read(input).filter(|(tlv, _)| tlv.tag == tag)
}

/// Every element of `input` in order; `None` when any is malformed.
pub(crate) fn elements(mut input: &[u8]) -> Option<Vec<Tlv<'_>>> {
    let mut out = Vec::new();
    while !input.is_empty() {
        let (tlv, rest) = read(input)?;
        out.push(tlv);
        input = rest;
    }
    Some(out)
}

/// One element with a definite, minimal length.
pub(crate) fn write(tag: u8, content: &[u8]) -> Vec<u8> {
    crate::certs::signed_by::der_tlv(tag, content)
}

/// A GeneralizedTime (`YYYYMMDDHHMMSS[.f]Z`) as a UTC instant.
pub(crate) fn generalized_time(tlv: &Tlv<'_>) -> Option<time::OffsetDateTime> {
    if tlv.tag != 0x18 {
        return None;
    }
    let text = std::str::from_utf8(tlv.content).ok()?;
    let text = text.strip_suffix('Z')?;
    let whole = text.split('.').next()?;
    if whole.len() != 14 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number = |range: std::ops::Range<usize>| whole[range].parse::<u32>().ok();
    let month = time::Month::try_from(u8::try_from(number(4..6)?).ok()?).ok()?;
    let date = time::Date::from_calendar_date(
        i32::try_from(number(0..4)?).ok()?,
        month,
        u8::try_from(number(6..8)?).ok()?,
    )
    .ok()?;
    let clock = time::Time::from_hms(
        u8::try_from(number(8..10)?).ok()?,
        u8::try_from(number(10..12)?).ok()?,
        u8::try_from(number(12..14)?).ok()?,
    )
    .ok()?;
    Some(time::PrimitiveDateTime::new(date, clock).assume_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_short_and_long_lengths_and_refuses_truncation() {
        let long = write(0x04, &[7u8; 300]);
        let (tlv, rest) = read(&long).unwrap();
        assert_eq!((tlv.tag, tlv.content.len(), rest.len()), (0x04, 300, 0));
        assert!(read(&long[..long.len() - 1]).is_none());
        assert!(read(&[0x30, 0x80, 0, 0]).is_none(), "indefinite length");
        let short = write(0x02, &[1]);
        assert_eq!(read(&short).unwrap().0.whole, &short[..]);
    }

    #[test]
    fn generalized_time_parses_with_and_without_fraction() {
        let at = |text: &str| generalized_time(&read(&write(0x18, text.as_bytes())).unwrap().0);
        let expected = time::macros::datetime!(2026-03-01 12:30:05 UTC);
        assert_eq!(at("20260301123005Z"), Some(expected));
        assert_eq!(at("20260301123005.25Z"), Some(expected));
        assert_eq!(at("20261301123005Z"), None);
        assert_eq!(at("20260301123005"), None);
    }
}
