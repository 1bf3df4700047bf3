//! A sort too large to hold: each item's rendered bytes go to an unnamed
//! temporary file as the item comes, and only its sort key and where its
//! bytes are stay in memory; the items are then read back in key order,
//! items with equal keys in the order they came. What the outputs that
//! order a whole scan (the `inventory` listing, the `findings` table, the
//! audit bundle's files) use, so that a million certificates cost their
//! keys, not their rows. The file is gone when the spill is dropped, even
//! if the process is killed (it never had a name).

use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};

/// Items spilled to a temporary file, with their keys in memory.
pub struct SortedSpill<K> {
    file: BufWriter<File>,
    /// (key, offset, length) of each item, in the order pushed.
    index: Vec<(K, u64, u32)>,
    /// Bytes written so far.
    end: u64,
}

impl<K: Ord> SortedSpill<K> {
    /// An empty spill over a new unnamed temporary file.
    pub fn new() -> io::Result<Self> {
        Ok(SortedSpill {
            file: BufWriter::new(tempfile::tempfile()?),
            index: Vec::new(),
            end: 0,
        })
    }

    /// Adds an item: its key and its bytes.
    pub fn push(&mut self, key: K, bytes: &[u8]) -> io::Result<()> {
        let len = u32::try_from(bytes.len()).map_err(|_| io::ErrorKind::InvalidInput)?;
        self.file.write_all(bytes)?;
        self.index.push((key, self.end, len));
        self.end += u64::from(len);
        Ok(())
    }

    /// How many items were pushed.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// No item was pushed.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Hands every item to `each` in key order (a stable sort: equal keys
    /// keep the order they were pushed in), then removes the file.
    pub fn drain(self, mut each: impl FnMut(&K, &[u8]) -> io::Result<()>) -> io::Result<()> {
        let mut file = self.file.into_inner().map_err(|e| e.into_error())?;
        let mut index = self.index;
        index.sort_by(|a, b| a.0.cmp(&b.0));
        let mut bytes = Vec::new();
        let mut at = self.end; // where the file's cursor is
        for (key, offset, len) in &index {
            if *offset != at {
                file.seek(SeekFrom::Start(*offset))?;
            }
            bytes.resize(*len as usize, 0);
            file.read_exact(&mut bytes)?;
            at = offset + u64::from(*len);
            each(key, &bytes)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::SortedSpill;

    fn drained(spill: SortedSpill<u32>) -> Vec<(u32, String)> {
        let mut out = Vec::new();
        spill
            .drain(|key, bytes| {
                out.push((*key, String::from_utf8(bytes.to_vec()).expect("utf-8")));
                Ok(())
            })
            .expect("drained");
        out
    }

    #[test]
    fn items_come_back_in_key_order_and_equal_keys_in_push_order() {
        let mut spill = SortedSpill::new().expect("spill");
        for (key, text) in [(3, "c"), (1, "a1"), (2, ""), (1, "a2"), (0, "first")] {
            spill.push(key, text.as_bytes()).expect("pushed");
        }
        assert_eq!(spill.len(), 5);
        let out = drained(spill);
        let want = [(0, "first"), (1, "a1"), (1, "a2"), (2, ""), (3, "c")];
        let want: Vec<(u32, String)> = want.iter().map(|(k, t)| (*k, t.to_string())).collect();
        assert_eq!(out, want);
    }

    #[test]
    fn many_items_larger_than_the_write_buffer_survive_the_round_trip() {
        let mut spill = SortedSpill::new().expect("spill");
        let text = |n: u32| format!("{n}:{}", "x".repeat((n % 97) as usize * 131));
        for n in (0..3000).rev() {
            spill.push(n, text(n).as_bytes()).expect("pushed");
        }
        let out = drained(spill);
        assert_eq!(out.len(), 3000);
        for (n, (key, item)) in out.into_iter().enumerate() {
            assert_eq!(key, n as u32);
            assert_eq!(item, text(n as u32));
        }
    }

    #[test]
    fn an_empty_spill_drains_nothing() {
        let spill = SortedSpill::<u32>::new().expect("spill");
        assert!(spill.is_empty());
        assert!(drained(spill).is_empty());
    }
}
