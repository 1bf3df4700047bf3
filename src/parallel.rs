//! Splitting CPU-bound work over the cores: the one helper the CA graph's
//! signature checks and rule evaluation share.

/// The most threads [`chunked`] starts.
const MAX_THREADS: usize = 8;

/// Runs `work` on chunks of `items`, one chunk per available core (at most
/// `MAX_THREADS`), and returns each chunk's result in order. With one
/// core, or fewer than `min` items, `work` runs once on all of `items` here.
/// A chunk whose thread panicked panics the caller with that panic (after
/// every thread has finished): a lost chunk never passes for fewer results.
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
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
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

    #[test]
    fn a_panicking_chunk_panics_the_caller() {
        let items: Vec<u32> = (0..10_000).collect();
        // the chunk holding item 7777 panics; with one core there is one
        // chunk, and it panics too: either way no result comes back
        let outcome = std::panic::catch_unwind(|| {
            super::chunked(&items, 16, |part| {
                assert!(!part.contains(&7777), "a chunk failed");
                part.len()
            })
        });
        let panic = outcome.expect_err("the caller panics instead of returning fewer results");
        let message = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied());
        assert_eq!(message, Some("a chunk failed"), "the chunk's own panic");
    }
}
