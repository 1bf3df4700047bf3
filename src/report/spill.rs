//! A sort too large to hold: each item's rendered bytes go to an unnamed
//! temporary file as the item comes, and only its sort key and where its
//! bytes are stay in memory; the items are then read back in key order,
//! items with equal keys in the order they came. What the outputs that
//! order a whole scan (the `inventory` listing, the `findings` table, the
//! audit bundle's files) use, so that a million certificates cost their
//! keys, not their rows. The file is gone when the spill is dropped, even
//! if the process is killed (it never had a name).
//!
//! [`ExternalSort`] is for items whose keys are too many to hold as well
//! (the CBOM's components, occurrences and dependencies): a merge sort
//! over sorted runs written to temporary files.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};

use serde::de::DeserializeOwned;
use serde::Serialize;

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

/// A merge sort of items too many to hold: items are held until about
/// `run_bytes` of them (as their pushers weigh them) are, then sorted and
/// written as one run to an unnamed temporary file, one JSON line each;
/// [`ExternalSort::drain`] merges the runs. Equal items come out in the
/// order they were pushed. Memory: one run, then one item per run.
pub struct ExternalSort<T> {
    held: Vec<T>,
    held_bytes: usize,
    run_bytes: usize,
    runs: Vec<File>,
}

impl<T: Ord + Serialize + DeserializeOwned> ExternalSort<T> {
    /// An empty sort that writes a run every `run_bytes`.
    pub fn new(run_bytes: usize) -> Self {
        ExternalSort {
            held: Vec::new(),
            held_bytes: 0,
            run_bytes,
            runs: Vec::new(),
        }
    }

    /// Adds `item`, which weighs about `bytes`.
    pub fn push(&mut self, item: T, bytes: usize) -> io::Result<()> {
        self.held.push(item);
        self.held_bytes += bytes + std::mem::size_of::<T>();
        if self.held_bytes >= self.run_bytes {
            self.write_run()?;
        }
        Ok(())
    }

    /// Sorts the held items and writes them as a run.
    fn write_run(&mut self) -> io::Result<()> {
        self.held.sort(); // stable: equal items keep their order
        let mut out = BufWriter::new(tempfile::tempfile()?);
        for item in self.held.drain(..) {
            serde_json::to_writer(&mut out, &item)?;
            out.write_all(b"\n")?;
        }
        let mut file = out.into_inner().map_err(|e| e.into_error())?;
        file.seek(SeekFrom::Start(0))?;
        self.runs.push(file);
        self.held_bytes = 0;
        Ok(())
    }

    /// Hands every item to `each` in order, then removes the runs.
    pub fn drain(mut self, mut each: impl FnMut(T) -> io::Result<()>) -> io::Result<()> {
        if self.runs.is_empty() {
            self.held.sort();
            return self.held.into_iter().try_for_each(each);
        }
        if !self.held.is_empty() {
            self.write_run()?;
        }
        let mut runs: Vec<Run> = self.runs.into_iter().map(Run::new).collect();
        // the next item of each run; ties go to the earlier run
        let mut next = BinaryHeap::new();
        for (n, run) in runs.iter_mut().enumerate() {
            if let Some(item) = run.next::<T>()? {
                next.push(Reverse((item, n)));
            }
        }
        while let Some(Reverse((item, n))) = next.pop() {
            if let Some(following) = runs[n].next::<T>()? {
                next.push(Reverse((following, n)));
            }
            each(item)?;
        }
        Ok(())
    }
}

/// One sorted run being read back.
struct Run {
    lines: BufReader<File>,
    line: String,
}

impl Run {
    fn new(file: File) -> Run {
        Run {
            lines: BufReader::new(file),
            line: String::new(),
        }
    }

    /// The run's next item, if any.
    fn next<T: DeserializeOwned>(&mut self) -> io::Result<Option<T>> {
        self.line.clear();
        if self.lines.read_line(&mut self.line)? == 0 {
            return Ok(None);
        }
        Ok(Some(serde_json::from_str(&self.line)?))
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

    #[test]
    fn an_external_sort_is_a_stable_sort_whatever_the_run_size() {
        use super::ExternalSort;
        use std::cmp::Ordering;
        /// (key, arrival), ordered by key alone
        #[derive(Debug, serde::Serialize, serde::Deserialize)]
        struct Item(u32, u32);
        impl PartialEq for Item {
            fn eq(&self, other: &Self) -> bool {
                self.0 == other.0
            }
        }
        impl Eq for Item {}
        impl PartialOrd for Item {
            fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
                Some(self.cmp(other))
            }
        }
        impl Ord for Item {
            fn cmp(&self, other: &Self) -> Ordering {
                self.0.cmp(&other.0)
            }
        }
        let items: Vec<(u32, u32)> = (0..500).map(|n| ((n * 7919) % 37, n)).collect();
        let mut want = items.clone();
        want.sort_by_key(|&(key, _)| key); // stable
        for run_bytes in [1, 40, 1000, usize::MAX] {
            let mut sort = ExternalSort::new(run_bytes);
            for &(key, n) in &items {
                sort.push(Item(key, n), 8).expect("pushed");
            }
            let mut got = Vec::new();
            sort.drain(|Item(key, n)| {
                got.push((key, n));
                Ok(())
            })
            .expect("drained");
            assert_eq!(got, want, "runs of {run_bytes} bytes");
        }
    }
}
