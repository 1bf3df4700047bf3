//! Cursors for the lazy walk: [`FamilyWalk`] steps through one address
//! family's addresses ascending and finds each address's ports;
//! [`PortWalk`] merges the shared port list with per-target extra ports.
//! Both hold only indices, so memory stays flat whatever the range size.

use super::plan::FamilyPlan;

/// Walks one family's addresses ascending, with each address's ports.
#[derive(Debug)]
pub(crate) struct FamilyWalk {
    interval_index: usize,
    last_visited: Option<u128>,
    uniform_cursor: usize,
    special_cursors: Vec<usize>,
    /// The address being walked, its special ports and its port position.
    current: Option<u128>,
    special_ports: Vec<u16>,
    ports: PortWalk,
}

impl FamilyWalk {
    pub(crate) fn new(plan: &FamilyPlan) -> Self {
        FamilyWalk {
            interval_index: 0,
            last_visited: None,
            uniform_cursor: 0,
            special_cursors: vec![0; plan.special.len()],
            current: None,
            special_ports: Vec::new(),
            ports: PortWalk::new(false),
        }
    }

    /// The next (address number, port) of this family.
    pub(crate) fn next(&mut self, plan: &FamilyPlan) -> Option<(u128, u16)> {
        loop {
            if let Some(address) = self.current {
                if let Some(port) = self
                    .ports
                    .next(&plan.uniform_ports, &self.special_ports, &[])
                {
                    return Some((address, port));
                }
            }
            let address = self.next_address(plan)?;
            self.enter(plan, address);
        }
    }

    /// The next address of the plan's union set, ascending.
    fn next_address(&mut self, plan: &FamilyPlan) -> Option<u128> {
        loop {
            let &(first, last) = plan.union.intervals().get(self.interval_index)?;
            let candidate = match self.last_visited {
                None => first,
                Some(previous) if previous < last => previous + 1,
                Some(_) => {
                    self.interval_index += 1;
                    self.last_visited = None;
                    continue;
                }
            };
            self.last_visited = Some(candidate);
            return Some(candidate);
        }
    }

    /// Makes `address` current: finds which of the plan's sets hold it.
    fn enter(&mut self, plan: &FamilyPlan, address: u128) {
        let in_uniform = plan
            .uniform
            .contains_ascending(&mut self.uniform_cursor, address);
        self.special_ports.clear();
        for ((port, set), cursor) in plan.special.iter().zip(&mut self.special_cursors) {
            if set.contains_ascending(cursor, address) {
                self.special_ports.push(*port);
            }
        }
        self.current = Some(address);
        self.ports = PortWalk::new(in_uniform);
    }
}

/// Merges two sorted port lists (the port list, when used, and extra ports)
/// into one ascending, duplicate-free sequence, leaving out `skip` ports.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PortWalk {
    uses_list: bool,
    list_index: usize,
    extra_index: usize,
}

impl PortWalk {
    pub(crate) fn new(uses_list: bool) -> Self {
        PortWalk {
            uses_list,
            list_index: 0,
            extra_index: 0,
        }
    }

    /// The next port; the same slices must be passed on every call.
    pub(crate) fn next(&mut self, list: &[u16], extra: &[u16], skip: &[u16]) -> Option<u16> {
        loop {
            let from_list = list
                .get(self.list_index)
                .filter(|_| self.uses_list)
                .copied();
            let from_extra = extra.get(self.extra_index).copied();
            let port = match (from_list, from_extra) {
                (None, None) => return None,
                (Some(listed), Some(extra)) if listed <= extra => {
                    self.list_index += 1;
                    self.extra_index += usize::from(listed == extra);
                    listed
                }
                (Some(listed), None) => {
                    self.list_index += 1;
                    listed
                }
                (_, Some(extra)) => {
                    self.extra_index += 1;
                    extra
                }
            };
            if skip.binary_search(&port).is_err() {
                return Some(port);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk_all(uses_list: bool, list: &[u16], extra: &[u16], skip: &[u16]) -> Vec<u16> {
        let mut walk = PortWalk::new(uses_list);
        std::iter::from_fn(|| walk.next(list, extra, skip)).collect()
    }

    #[test]
    fn port_walk_merges_sorted_lists_without_duplicates() {
        assert_eq!(
            walk_all(true, &[1, 5, 9], &[2, 5, 10], &[]),
            vec![1, 2, 5, 9, 10]
        );
        assert_eq!(walk_all(false, &[1, 5, 9], &[2, 5], &[]), vec![2, 5]);
        assert_eq!(walk_all(true, &[1, 5, 9], &[], &[5]), vec![1, 9]);
        assert!(walk_all(true, &[], &[], &[]).is_empty());
    }
}
