//! Compact columns for holding a fact per certificate of a million-leaf
//! scan: a certificate's SHA-256 as 32 bytes ([`Sha`]) rather than as its
//! 64-character hex text in a `String` of its own (88 bytes and an
//! allocation), the rare text that is not such hex kept aside to be given
//! back unchanged ([`OddShas`]), and many short texts one after another in
//! one `String` with a 4-byte end each ([`TextColumn`]) rather than a
//! `String` each. Shared by the store's reads and the models' building.

use std::collections::HashMap;

/// A SHA-256 as 32 bytes: a certificate's (or a key's) fingerprint
/// decoded from the lowercase hex text the store writes. Text that is not
/// such hex (never written by the store) is named by the SHA-256 of the
/// text itself, which no hex fingerprint can equal without a preimage of
/// SHA-256; [`OddShas`] keeps such text to give it back.
///
/// Ordered as the hex texts are: by bytes, which for lowercase hex is the
/// order of the texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sha([u8; 32]);

impl Sha {
    /// The SHA-256 named by `text`.
    pub fn of(text: &str) -> Sha {
        Sha::decode(text).unwrap_or_else(|| Sha(crate::certs::sha256(text.as_bytes())))
    }

    /// The bytes of `text` when it is 64 lowercase hex digits.
    pub fn decode(text: &str) -> Option<Sha> {
        let digit = |c: u8| match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            _ => None,
        };
        let text = text.as_bytes();
        if text.len() != 64 {
            return None;
        }
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(text.chunks_exact(2)) {
            *byte = digit(pair[0])? << 4 | digit(pair[1])?;
        }
        Some(Sha(bytes))
    }

    /// The text `self` was made of, when it was lowercase hex.
    pub fn hex(&self) -> String {
        crate::certs::hex_lower(&self.0)
    }

    /// The first half: enough to tell two keys apart (two distinct keys
    /// share it with a chance of about 2⁻¹²⁸ per pair).
    pub fn half(&self) -> u128 {
        let mut half = [0u8; 16];
        half.copy_from_slice(&self.0[..16]);
        u128::from_be_bytes(half)
    }
}

/// The texts of the SHA-256s noted that were not lowercase hex, so that
/// [`Sha::of`] can be undone for every text.
#[derive(Debug, Default)]
pub struct OddShas(HashMap<Sha, Box<str>>);

impl OddShas {
    /// The [`Sha`] of `text`, its text kept when it is not lowercase hex.
    pub fn note(&mut self, text: &str) -> Sha {
        match Sha::decode(text) {
            Some(sha) => sha,
            None => {
                let sha = Sha::of(text);
                self.0.insert(sha, text.into());
                sha
            }
        }
    }

    /// The text of `sha`, if it was noted here or is hex.
    pub fn text_of(&self, sha: Sha) -> String {
        self.0
            .get(&sha)
            .map_or_else(|| sha.hex(), |t| t.to_string())
    }
}

/// Short texts one after another in one `String`, each a piece named by
/// its number, with a 4-byte end each. At most 4 GiB and 2³² pieces in
/// all: more than any one scan holds, and a panic naming what overflowed
/// past that.
#[derive(Debug, Default)]
pub struct TextColumn {
    text: String,
    ends: Vec<u32>,
}

impl TextColumn {
    /// How many pieces there are: the number the next piece gets.
    pub fn len(&self) -> u32 {
        u32::try_from(self.ends.len()).expect("fewer than 2^32 pieces of text in one column")
    }

    /// No piece yet.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Appends `piece`, returning its number.
    pub fn push(&mut self, piece: &str) -> u32 {
        let n = self.len();
        self.text.push_str(piece);
        let end = u32::try_from(self.text.len()).expect("less than 4 GiB of text in one column");
        self.ends.push(end);
        n
    }

    /// Piece `n`.
    pub fn get(&self, n: u32) -> &str {
        let n = n as usize;
        let start = if n == 0 { 0 } else { self.ends[n - 1] as usize };
        &self.text[start..self.ends[n] as usize]
    }

    /// Gives back the room reserved beyond what is held.
    pub fn shrink_to_fit(&mut self) {
        self.text.shrink_to_fit();
        self.ends.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "00aa000000000000000000000000000000000000000000000000000000000001";

    #[test]
    fn hex_text_is_named_by_its_bytes_and_other_text_by_its_digest() {
        assert_eq!(Sha::of(A).hex(), A);
        let upper = A.to_uppercase();
        assert_ne!(Sha::of(&upper), Sha::of(A), "upper case is other text");
        assert_ne!(Sha::of(&A[..63]), Sha::of(A), "a prefix is other text");
        assert_ne!(Sha::of(&A[..62]), Sha::of(&A[..63]));
    }

    #[test]
    fn odd_text_is_given_back_and_hex_needs_no_note() {
        let mut odd = OddShas::default();
        let sha = odd.note("not hex");
        assert_eq!(odd.text_of(sha), "not hex");
        let hex = odd.note(A);
        assert_eq!(odd.text_of(hex), A);
        assert!(odd.0.len() == 1, "hex text is not kept");
        assert_ne!(OddShas::default().text_of(sha), "not hex");
    }

    #[test]
    fn ordered_as_the_texts() {
        let b = "00ab000000000000000000000000000000000000000000000000000000000000";
        assert!(A < b && Sha::of(A) < Sha::of(b));
    }

    #[test]
    fn pieces_come_back_whole_and_in_their_numbers() {
        let mut column = TextColumn::default();
        assert!(column.is_empty());
        let pieces = ["", "a", "", "bé", "ccc"];
        let numbers: Vec<u32> = pieces.iter().map(|p| column.push(p)).collect();
        assert_eq!(numbers, [0, 1, 2, 3, 4]);
        for (n, piece) in numbers.iter().zip(pieces) {
            assert_eq!(column.get(*n), piece);
        }
        assert_eq!(column.len(), 5);
    }
}
