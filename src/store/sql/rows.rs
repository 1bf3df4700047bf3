//! Writing many rows with few statements: multi-row `INSERT ... VALUES`,
//! `IN (...)` lists, in chunks of fixed sizes ([`CHUNKS`]) so that any
//! number of rows takes few round trips and few distinct statement texts
//! (each is prepared once per connection). What makes a batch cost the same
//! on PostgreSQL, where every statement is a round trip, as on SQLite.

use super::{Session, SqlError, Value};

/// Rows per statement, largest first.
pub const CHUNKS: [usize; 4] = [100, 20, 5, 1];

/// Calls `each` on consecutive chunks of `items`, sized from [`CHUNKS`].
pub fn chunked<T>(
    items: &[T],
    mut each: impl FnMut(&[T]) -> Result<(), SqlError>,
) -> Result<(), SqlError> {
    let mut rest = items;
    for size in CHUNKS {
        while rest.len() >= size {
            let (chunk, tail) = rest.split_at(size);
            each(chunk)?;
            rest = tail;
        }
    }
    Ok(())
}

/// `?first, ?first+1, ...`: `n` numbered placeholders.
pub fn list(n: usize, first: usize) -> String {
    (first..first + n)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `(?1, ?2), (?3, ?4)`: `rows` tuples of `columns` numbered placeholders.
pub fn placeholders(rows: usize, columns: usize) -> String {
    (0..rows)
        .map(|r| format!("({})", list(columns, r * columns + 1)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs `{head} VALUES (...), (...) {tail}` over `rows` (each of `columns`
/// values), in chunks. A statement that may meet a row twice (`ON CONFLICT
/// DO UPDATE`) needs rows with distinct keys: PostgreSQL refuses to update
/// one row twice in one statement.
pub fn insert_rows(
    conn: &dyn Session,
    head: &str,
    tail: &str,
    columns: usize,
    rows: &[Vec<Value>],
) -> Result<(), SqlError> {
    chunked(rows, |chunk| {
        let statement = format!(
            "{head} VALUES {} {tail}",
            placeholders(chunk.len(), columns)
        );
        conn.execute(&statement, &chunk.concat()).map(drop)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn chunks_cover_every_item_once_with_few_sizes() {
        let items: Vec<usize> = (0..537).collect();
        let mut seen = Vec::new();
        let mut sizes = BTreeSet::new();
        chunked(&items, |chunk| {
            sizes.insert(chunk.len());
            seen.extend_from_slice(chunk);
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, items);
        assert!(sizes.iter().all(|s| CHUNKS.contains(s)), "{sizes:?}");
    }

    #[test]
    fn placeholders_number_rows_in_order() {
        assert_eq!(placeholders(2, 3), "(?1, ?2, ?3), (?4, ?5, ?6)");
        assert_eq!(list(2, 3), "?3, ?4");
    }
}
