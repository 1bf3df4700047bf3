//! [`Exclusions`]: addresses and host names never to probe, either on every
//! port or (when written with a port) on that port only. The scope subtracts
//! them from its plan and answers the engine's `is_excluded` questions.

use std::collections::{BTreeMap, HashSet};
use std::net::IpAddr;

use super::forms::normalize_name;
use super::ranges::{
    address_interval, address_number, Interval, IntervalSet, IntervalsByPort, V4, V6,
};
use super::spec::TargetSpec;

/// Everything excluded: whole addresses and names, or only on one port when
/// the exclusion was written with a port.
#[derive(Debug, Default)]
pub(crate) struct Exclusions {
    addresses: [IntervalSet; 2],
    addresses_on_port: [BTreeMap<u16, IntervalSet>; 2],
    names: HashSet<String>,
    names_on_port: HashSet<(String, u16)>,
}

impl Exclusions {
    /// Collects exclusion specs.
    pub(crate) fn from_specs(specs: &[TargetSpec]) -> Self {
        let mut everywhere: [Vec<Interval>; 2] = Default::default();
        let mut on_port: [IntervalsByPort; 2] = Default::default();
        let mut exclusions = Exclusions::default();
        for spec in specs {
            match spec {
                TargetSpec::Addresses { first, last, port } => {
                    let Some((family, interval)) = address_interval(*first, *last) else {
                        continue;
                    };
                    match port {
                        None => everywhere[family].push(interval),
                        Some(port) => on_port[family].entry(*port).or_default().push(interval),
                    }
                }
                // Excluding a pairing leaves out both of its sides: never
                // less than the user may have meant.
                TargetSpec::Paired {
                    name,
                    address,
                    port,
                } => {
                    let (family, number) = address_number(*address);
                    let interval = (number, number);
                    match port {
                        None => {
                            everywhere[family].push(interval);
                            exclusions.names.insert(normalize_name(name));
                        }
                        Some(port) => {
                            on_port[family].entry(*port).or_default().push(interval);
                            exclusions
                                .names_on_port
                                .insert((normalize_name(name), *port));
                        }
                    }
                }
                TargetSpec::Host { name, port: None } => {
                    exclusions.names.insert(normalize_name(name));
                }
                TargetSpec::Host {
                    name,
                    port: Some(port),
                } => {
                    exclusions
                        .names_on_port
                        .insert((normalize_name(name), *port));
                }
            }
        }
        for family in [V4, V6] {
            exclusions.addresses[family] =
                IntervalSet::from_intervals(everywhere[family].drain(..));
            exclusions.addresses_on_port[family] = std::mem::take(&mut on_port[family])
                .into_iter()
                .map(|(port, intervals)| (port, IntervalSet::from_intervals(intervals)))
                .collect();
        }
        exclusions
    }

    /// Whether `address` is excluded on every port. An IPv4-mapped IPv6
    /// address (`::ffff:10.0.0.5`) also matches IPv4 exclusions.
    pub(crate) fn excludes_address(&self, address: IpAddr) -> bool {
        [address, address.to_canonical()]
            .into_iter()
            .any(|candidate| {
                let (family, number) = address_number(candidate);
                self.addresses[family].contains(number)
            })
    }

    /// Whether `address` is excluded on `port` (everywhere or on that port).
    pub(crate) fn excludes_address_on_port(&self, address: IpAddr, port: u16) -> bool {
        self.excludes_address(address)
            || [address, address.to_canonical()]
                .into_iter()
                .any(|candidate| {
                    let (family, number) = address_number(candidate);
                    self.addresses_on_port[family]
                        .get(&port)
                        .is_some_and(|set| set.contains(number))
                })
    }

    /// Addresses of `family` excluded on every port.
    pub(crate) fn addresses(&self, family: usize) -> &IntervalSet {
        &self.addresses[family]
    }

    /// Addresses of `family` excluded on one port only, by port.
    pub(crate) fn addresses_on_port(&self, family: usize) -> &BTreeMap<u16, IntervalSet> {
        &self.addresses_on_port[family]
    }

    /// Ports on which only the (normalized) host `name` is excluded.
    pub(crate) fn ports_excluded_for_name<'a>(
        &'a self,
        name: &'a str,
    ) -> impl Iterator<Item = u16> + 'a {
        self.names_on_port
            .iter()
            .filter(move |(excluded, _)| excluded == name)
            .map(|&(_, port)| port)
    }

    /// Whether the host `name` is excluded on every port.
    pub(crate) fn excludes_name(&self, name: &str) -> bool {
        self.names.contains(&normalize_name(name))
    }

    /// Whether the host `name` is excluded on `port`.
    pub(crate) fn excludes_name_on_port(&self, name: &str, port: u16) -> bool {
        let name = normalize_name(name);
        self.names.contains(&name) || self.names_on_port.contains(&(name, port))
    }
}

#[cfg(test)]
mod tests {
    use super::super::scope::{test_scope, Scope};
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn listed(scope: &Scope) -> Vec<String> {
        scope.iter().map(|target| target.to_string()).collect()
    }

    #[test]
    fn exclusions_with_a_port_remove_only_that_port() {
        let scope = test_scope(
            &["10.0.0.0/31", "h.example"],
            &[443, 8443],
            &["10.0.0.1:8443", "h.example:443"],
            &[],
        );
        assert_eq!(
            listed(&scope),
            [
                "10.0.0.0:443",
                "10.0.0.0:8443",
                "10.0.0.1:443",
                "h.example:8443"
            ]
        );
        assert_eq!(scope.address_count(), 4);
        assert!(!scope.is_excluded(ip("10.0.0.1")));
        assert!(scope.is_excluded_at(ip("10.0.0.1"), 8443));
        assert!(!scope.is_excluded_at(ip("10.0.0.1"), 443));
        assert!(scope.is_name_excluded_at("h.example", 443));
        assert!(!scope.is_name_excluded("h.example"));
    }

    #[test]
    fn port_exclusions_also_cut_explicit_ports_outside_the_list() {
        let scope = test_scope(
            &["10.0.0.1:25", "10.0.0.2:25"],
            &[443],
            &["10.0.0.1:25"],
            &[],
        );
        assert_eq!(listed(&scope), ["10.0.0.2:25"]);
        assert_eq!(scope.address_count(), 1);
    }
}
