//! The compact, deduplicated plan a [`super::Scope`] holds and shares with
//! its iterators ([`ScopeData`]): one [`FamilyPlan`] per address family
//! (interval sets per port) and one [`HostPlan`] per host name. Building it merges duplicates and subtracts
//! exclusions once, so the iterator only walks what is left.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use super::exclusions::Exclusions;
use super::forms::normalize_name;
use super::ranges::{address_interval, Interval, IntervalSet, IntervalsByPort};
use super::resolve::Pairings;
use super::shard::Shard;
use super::spec::TargetSpec;

/// The plan a [`super::Scope`] shares with its iterators.
#[derive(Debug)]
pub(crate) struct ScopeData {
    /// The sorted port list for targets without a port.
    pub(crate) ports: Vec<u16>,
    pub(crate) families: [FamilyPlan; 2],
    pub(crate) hosts: Vec<HostPlan>,
    pub(crate) extra_sni: Vec<String>,
    pub(crate) exclusions: Exclusions,
    /// Names paired with addresses (`--resolve`, `name@address`).
    pub(crate) pairings: Arc<Pairings>,
    /// The part of the scope this scanner probes, if split.
    pub(crate) shard: Option<Shard>,
}

/// What one address family probes. An address is probed on every port of
/// `uniform_ports` when it is in `uniform`, and on each `special` port whose
/// set holds it. Ports with explicit targets or port-only exclusions are
/// special; the others share one set, so `0.0.0.0/0` on 65535 ports is one
/// interval.
#[derive(Debug, Default)]
pub(crate) struct FamilyPlan {
    /// Addresses probed on every uniform port (empty when there is none).
    pub(crate) uniform: IntervalSet,
    /// The list ports that are not special (sorted).
    pub(crate) uniform_ports: Vec<u16>,
    /// Each special port with the addresses probed on it, sorted by port.
    pub(crate) special: Vec<(u16, IntervalSet)>,
    /// Every address probed on at least one port.
    pub(crate) union: IntervalSet,
}

impl FamilyPlan {
    /// Merges the `family` address specs of `targets` against the port list
    /// `list` (sorted) and subtracts `exclusions`.
    pub(crate) fn build(
        family: usize,
        targets: &[TargetSpec],
        list: &[u16],
        exclusions: &Exclusions,
    ) -> Self {
        let (portless, by_port) = collect_intervals(family, targets);
        let excluded = exclusions.addresses(family);
        let uniform = IntervalSet::from_intervals(portless).subtract(excluded);
        let port_exclusions = exclusions.addresses_on_port(family);
        let in_list = |port: &u16| list.binary_search(port).is_ok();
        let mut candidates: BTreeSet<u16> = by_port.keys().copied().collect();
        candidates.extend(port_exclusions.keys().filter(|port| in_list(port)));
        let mut plan = FamilyPlan::default();
        let mut taken_from_list = Vec::new();
        for port in candidates {
            let written = by_port.get(&port).into_iter().flatten().copied();
            let explicit = IntervalSet::from_intervals(written).subtract(excluded);
            let shared = in_list(&port).then_some(&uniform);
            let Some(set) = special_set(shared, explicit, port_exclusions.get(&port)) else {
                continue;
            };
            if in_list(&port) {
                taken_from_list.push(port);
            }
            if !set.is_empty() {
                plan.special.push((port, set));
            }
        }
        plan.finish(list, uniform, &taken_from_list);
        plan
    }

    /// Sets the uniform ports (the list less `taken_from_list`), the uniform
    /// set (empty when no uniform port is left) and the union.
    fn finish(&mut self, list: &[u16], uniform: IntervalSet, taken_from_list: &[u16]) {
        self.uniform_ports = list
            .iter()
            .copied()
            .filter(|port| !taken_from_list.contains(port))
            .collect();
        if !self.uniform_ports.is_empty() {
            self.uniform = uniform;
        }
        self.union = self
            .special
            .iter()
            .fold(self.uniform.clone(), |all, (_, set)| all.union(set));
    }

    /// (address, port) pairs this family yields, saturating at `u128::MAX`.
    pub(crate) fn endpoint_count(&self) -> u128 {
        let uniform = self
            .uniform
            .count()
            .saturating_mul(self.uniform_ports.len() as u128);
        self.special
            .iter()
            .fold(uniform, |total, (_, set)| total.saturating_add(set.count()))
    }
}

/// The address set of one port that needs its own: the uniform set (when
/// the port is in the list) plus addresses written with this port, less the
/// port's own exclusions. `None` when the uniform set already covers the port
/// exactly, so it can stay uniform.
fn special_set(
    uniform: Option<&IntervalSet>,
    explicit: IntervalSet,
    port_excluded: Option<&IntervalSet>,
) -> Option<IntervalSet> {
    let set = match uniform {
        Some(uniform) if port_excluded.is_none() && explicit.subtract(uniform).is_empty() => {
            return None;
        }
        Some(uniform) => uniform.union(&explicit),
        None => explicit,
    };
    Some(match port_excluded {
        Some(cut) => set.subtract(cut),
        None => set,
    })
}

/// Intervals of the `family` specs without a port, and per explicit port.
fn collect_intervals(family: usize, targets: &[TargetSpec]) -> (Vec<Interval>, IntervalsByPort) {
    let mut portless = Vec::new();
    let mut by_port = IntervalsByPort::new();
    for spec in targets {
        let TargetSpec::Addresses { first, last, port } = spec else {
            continue;
        };
        match (address_interval(*first, *last), port) {
            (Some((spec_family, interval)), None) if spec_family == family => {
                portless.push(interval)
            }
            (Some((spec_family, interval)), Some(port)) if spec_family == family && *port != 0 => {
                by_port.entry(*port).or_default().push(interval)
            }
            _ => {}
        }
    }
    (portless, by_port)
}

/// What one host name probes: every list port unless skipped (when
/// `uses_list`), plus `extra_ports` (sorted, none of them in the list when
/// `uses_list`).
#[derive(Debug)]
pub(crate) struct HostPlan {
    /// The normalized host name.
    pub(crate) name: String,
    /// Whether the name was written without a port (probe the port list).
    pub(crate) uses_list: bool,
    /// Ports written with the name, sorted.
    pub(crate) extra_ports: Vec<u16>,
    /// List ports excluded for this name only (sorted).
    pub(crate) skipped_list_ports: Vec<u16>,
}

impl HostPlan {
    /// How many ports this host is probed on.
    pub(crate) fn port_count(&self, list: &[u16]) -> usize {
        let from_list = if self.uses_list {
            list.len() - self.skipped_list_ports.len()
        } else {
            0
        };
        from_list + self.extra_ports.len()
    }

    /// Sorts and deduplicates ports once all specs for the name are in.
    fn finish(&mut self, list: &[u16], exclusions: &Exclusions) {
        let name = self.name.clone();
        let in_list = |port: &u16| list.binary_search(port).is_ok();
        self.extra_ports.sort_unstable();
        self.extra_ports.dedup();
        self.extra_ports
            .retain(|&port| !exclusions.excludes_name_on_port(&name, port));
        if self.uses_list {
            self.extra_ports.retain(|port| !in_list(port));
            let excluded_here = exclusions.ports_excluded_for_name(&name);
            self.skipped_list_ports = excluded_here.filter(in_list).collect();
            self.skipped_list_ports.sort_unstable();
        }
    }
}

/// One plan per distinct, non-excluded host name in `targets`, in order of
/// first appearance; `(name, port)` duplicates collapse.
pub(crate) fn build_host_plans(
    targets: &[TargetSpec],
    list: &[u16],
    exclusions: &Exclusions,
) -> Vec<HostPlan> {
    let mut plans: Vec<HostPlan> = Vec::new();
    let mut index_of: HashMap<String, usize> = HashMap::new();
    for spec in targets {
        // A pairing probes its name like a host name; the address it is
        // paired with comes from the scope's pairing table.
        let (TargetSpec::Host { name, port } | TargetSpec::Paired { name, port, .. }) = spec else {
            continue;
        };
        let name = normalize_name(name);
        if name.is_empty() || exclusions.excludes_name(&name) {
            continue;
        }
        let index = *index_of.entry(name.clone()).or_insert_with(|| {
            plans.push(HostPlan {
                name,
                uses_list: false,
                extra_ports: Vec::new(),
                skipped_list_ports: Vec::new(),
            });
            plans.len() - 1
        });
        match port {
            None => plans[index].uses_list = true,
            Some(0) => {}
            Some(port) => plans[index].extra_ports.push(*port),
        }
    }
    for plan in &mut plans {
        plan.finish(list, exclusions);
    }
    plans.retain(|plan| plan.port_count(list) > 0);
    plans
}

#[cfg(test)]
mod tests {
    use super::super::ranges::V4;
    use super::super::scope::{Scope, ScopeBuilder};
    use super::super::spec::parse_spec;
    use super::*;
    use std::net::IpAddr;

    fn specs(texts: &[&str]) -> Vec<TargetSpec> {
        texts.iter().map(|text| parse_spec(text).unwrap()).collect()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn listed(scope: &Scope) -> Vec<String> {
        scope.iter().map(|target| target.to_string()).collect()
    }

    fn v4_plan(targets: &[&str], list: &[u16], excludes: &[&str]) -> FamilyPlan {
        let exclusions = Exclusions::from_specs(&specs(excludes));
        FamilyPlan::build(V4, &specs(targets), list, &exclusions)
    }

    #[test]
    fn explicit_port_inside_the_uniform_set_adds_no_special_port() {
        let plan = v4_plan(&["10.0.0.0/24", "10.0.0.5:443"], &[443, 8443], &[]);
        assert!(plan.special.is_empty());
        assert_eq!(plan.uniform_ports, [443, 8443]);
        assert_eq!(plan.endpoint_count(), 512);
    }

    #[test]
    fn explicit_port_outside_the_uniform_set_becomes_special() {
        let plan = v4_plan(
            &["10.0.0.0/24", "10.0.9.9:443", "10.0.0.7:25"],
            &[443, 8443],
            &[],
        );
        assert_eq!(plan.uniform_ports, [8443]);
        let special_ports: Vec<u16> = plan.special.iter().map(|(port, _)| *port).collect();
        assert_eq!(special_ports, [25, 443]);
        assert_eq!(plan.special[1].1.count(), 257);
        assert_eq!(plan.endpoint_count(), 256 + 1 + 257);
        assert!(plan
            .union
            .contains(u128::from(u32::from(std::net::Ipv4Addr::new(10, 0, 9, 9)))));
    }

    #[test]
    fn other_family_specs_do_not_leak_into_a_plan() {
        let plan = v4_plan(&["::1", "[2001:db8::/64]:443", "host.example"], &[443], &[]);
        assert!(plan.union.is_empty());
        assert_eq!(plan.endpoint_count(), 0);
    }

    #[test]
    fn host_plans_group_ports_per_name() {
        let exclusions = Exclusions::from_specs(&specs(&["x.test:8443", "gone.test"]));
        let targets = specs(&[
            "x.test:25",
            "X.test",
            "gone.test",
            "y.test:443",
            "x.test:443",
        ]);
        let plans = build_host_plans(&targets, &[443, 8443], &exclusions);
        let names: Vec<&str> = plans.iter().map(|plan| plan.name.as_str()).collect();
        assert_eq!(names, ["x.test", "y.test"]);
        assert!(plans[0].uses_list);
        assert_eq!(plans[0].extra_ports, [25]);
        assert_eq!(plans[0].skipped_list_ports, [8443]);
        assert_eq!(plans[0].port_count(&[443, 8443]), 2);
        assert!(!plans[1].uses_list);
        assert_eq!(plans[1].port_count(&[443, 8443]), 1);
    }
    #[test]
    fn odd_hand_made_specs_are_handled() {
        let mixed = TargetSpec::Addresses {
            first: ip("10.0.0.1"),
            last: ip("::1"),
            port: None,
        };
        let reversed = TargetSpec::Addresses {
            first: ip("10.0.0.3"),
            last: ip("10.0.0.2"),
            port: None,
        };
        let scope = ScopeBuilder::new()
            .targets(vec![mixed, reversed])
            .ports(vec![443])
            .build();
        assert_eq!(listed(&scope), ["10.0.0.2:443", "10.0.0.3:443"]);
    }
}
