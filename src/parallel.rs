//! Splitting CPU-bound work over the cores: the one helper the CA graph's
//! signature checks and rule evaluation share.

/// The most threads [`chunked`] starts.
const MAX_THREADS: usize = 8;

/// Runs `work` on chunks of `items`, one chunk per available core (at most
/// `MAX_THREADS`), and returns each chunk's result in order. With one
/// core, or fewer than `min` items, `work` runs once on all of `items` here.
/// A chunk whose thread panicked gives no result.
pub fn chunked<T: Sync, R: Send>(
    items: &[T],
    min: usize,
    work: impl Fn(&[T]) -> R + Sync,
) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(MAX_THREADS);
    if threads < 2 || items.len() < min {
        return vec![work(items)];
    }
    let chunk = items.len().div_ceil(threads);
    let work = &work;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || work(part)))
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn chunks_cover_every_item_once_in_order() {
        let items: Vec<u32> = (0..10_000).collect();
        let parts = super::chunked(&items, 16, |part| part.to_vec());
        assert_eq!(parts.concat(), items);
        let small = super::chunked(&items[..3], 16, |part| part.len());
        assert_eq!(small, vec![3], "below the minimum: one run");
    }
}
