//! [`TargetIter`]: the lazy walk over a scope's plan. It owns an `Arc` of the
//! plan plus a few cursors, so it is `Send + 'static`, starts at once and
//! uses flat memory even for `::/0`. Order: IPv4 addresses ascending, then
//! IPv6 ascending, then host names in order of first appearance; for each
//! address or name its ports ascending; for each port the SNI variants
//! (none or the host name first, then each extra name).

use std::iter::FusedIterator;
use std::sync::Arc;

use super::address_walk::{FamilyWalk, PortWalk};
use super::plan::ScopeData;
use super::ranges::{number_address, V4, V6};
use super::target::{Host, Target};
use crate::observation::SniSource;

/// Lazy iterator over every [`Target`] of a [`super::Scope`].
#[derive(Debug)]
pub struct TargetIter {
    data: Arc<ScopeData>,
    families: [FamilyWalk; 2],
    family_index: usize,
    host_index: usize,
    host_ports: PortWalk,
    endpoint: Option<(Host, u16)>,
    sni_index: usize,
}

impl TargetIter {
    pub(crate) fn new(data: Arc<ScopeData>) -> Self {
        let families = [
            FamilyWalk::new(&data.families[V4]),
            FamilyWalk::new(&data.families[V6]),
        ];
        let uses_list = data.hosts.first().is_some_and(|plan| plan.uses_list);
        TargetIter {
            data,
            families,
            family_index: V4,
            host_index: 0,
            host_ports: PortWalk::new(uses_list),
            endpoint: None,
            sni_index: 0,
        }
    }

    /// The next (host, port) pair of this scanner's shard, before SNI
    /// fan-out.
    fn next_endpoint(&mut self) -> Option<(Host, u16)> {
        loop {
            let (host, port) = self.next_scope_endpoint()?;
            if self.data.shard.is_none_or(|shard| shard.owns(&host, port)) {
                return Some((host, port));
            }
        }
    }

    /// The next (host, port) pair of the whole scope.
    fn next_scope_endpoint(&mut self) -> Option<(Host, u16)> {
        while self.family_index <= V6 {
            let family = self.family_index;
            let plan = &self.data.families[family];
            if let Some((number, port)) = self.families[family].next(plan) {
                return Some((Host::Ip(number_address(family, number)), port));
            }
            self.family_index += 1;
        }
        self.next_host_endpoint()
    }

    fn next_host_endpoint(&mut self) -> Option<(Host, u16)> {
        loop {
            let plan = self.data.hosts.get(self.host_index)?;
            let port = self.host_ports.next(
                &self.data.ports,
                &plan.extra_ports,
                &plan.skipped_list_ports,
            );
            if let Some(port) = port {
                return Some((Host::Name(plan.name.clone()), port));
            }
            self.host_index += 1;
            let uses_list = self
                .data
                .hosts
                .get(self.host_index)
                .is_some_and(|plan| plan.uses_list);
            self.host_ports = PortWalk::new(uses_list);
        }
    }
}

impl Iterator for TargetIter {
    type Item = Target;

    fn next(&mut self) -> Option<Target> {
        loop {
            if let Some((host, port)) = &self.endpoint {
                if let Some((sni, sni_source)) =
                    next_sni(&self.data.extra_sni, host, &mut self.sni_index)
                {
                    return Some(Target {
                        host: host.clone(),
                        port: *port,
                        sni,
                        sni_source,
                    });
                }
            }
            self.endpoint = Some(self.next_endpoint()?);
            self.sni_index = 0;
        }
    }
}

impl FusedIterator for TargetIter {}

/// The SNI variant number `*index` for `host` (then advances `*index`) with
/// its source: first no SNI (addresses, `none`) or the name itself (host
/// names, `target`), then each extra name (`broadcast`), skipping one equal
/// to the host name. `None` when all are done.
fn next_sni(
    extra_sni: &[String],
    host: &Host,
    index: &mut usize,
) -> Option<(Option<String>, SniSource)> {
    let current = *index;
    *index += 1;
    if current == 0 {
        return Some(match host {
            Host::Ip(_) => (None, SniSource::None),
            Host::Name(name) => (Some(name.clone()), SniSource::Target),
        });
    }
    let mut extra = extra_sni.get(current - 1)?;
    if matches!(host, Host::Name(name) if name == extra) {
        extra = extra_sni.get(current)?;
        *index += 1;
    }
    Some((Some(extra.clone()), SniSource::Broadcast))
}

#[cfg(test)]
mod tests {
    use super::super::scope::test_scope;
    use super::*;
    use std::net::IpAddr;

    #[test]
    fn sni_variants_skip_an_extra_equal_to_the_host_name() {
        let extras = vec!["a.test".to_string(), "b.test".to_string()];
        let variants = |host: Host| {
            let mut index = 0;
            std::iter::from_fn(|| next_sni(&extras, &host, &mut index)).collect::<Vec<_>>()
        };
        let (none, target, broadcast) = (SniSource::None, SniSource::Target, SniSource::Broadcast);
        let named = |name: &str, source| (Some(name.to_string()), source);
        let address = Host::Ip("10.0.0.1".parse().unwrap());
        assert_eq!(
            variants(address),
            vec![
                (None, none),
                named("a.test", broadcast),
                named("b.test", broadcast)
            ]
        );
        let name = Host::Name("a.test".to_string());
        assert_eq!(
            variants(name),
            vec![named("a.test", target), named("b.test", broadcast)]
        );
        let last = Host::Name("b.test".to_string());
        assert_eq!(
            variants(last),
            vec![named("b.test", target), named("a.test", broadcast)]
        );
    }

    fn listed(iter: impl Iterator<Item = Target>) -> Vec<String> {
        iter.map(|target| target.to_string()).collect()
    }

    fn all_ports() -> Vec<u16> {
        (1..=65535).collect()
    }

    #[test]
    fn order_is_ipv4_then_ipv6_then_names_ports_ascending() {
        let scope = test_scope(
            &["host.b", "::1", "10.0.0.2", "10.0.0.1", "host.a"],
            &[993, 443],
            &[],
            &[],
        );
        assert_eq!(
            listed(scope.iter()),
            [
                "10.0.0.1:443",
                "10.0.0.1:993",
                "10.0.0.2:443",
                "10.0.0.2:993",
                "[::1]:443",
                "[::1]:993",
                "host.b:443",
                "host.b:993",
                "host.a:443",
                "host.a:993",
            ]
        );
    }

    #[test]
    fn extra_sni_fans_out_every_target() {
        let scope = test_scope(&["10.0.0.1", "a.test"], &[443], &[], &["x.test", "a.test"]);
        let snis: Vec<(String, Option<String>)> = scope
            .iter()
            .map(|target| (target.host.to_string(), target.sni))
            .collect();
        let some = |name: &str| Some(name.to_string());
        assert_eq!(
            snis,
            [
                ("10.0.0.1".to_string(), None),
                ("10.0.0.1".to_string(), some("x.test")),
                ("10.0.0.1".to_string(), some("a.test")),
                ("a.test".to_string(), some("a.test")),
                ("a.test".to_string(), some("x.test")),
            ]
        );
    }

    #[test]
    fn whole_ipv4_space_on_all_ports_starts_at_once() {
        let scope = test_scope(&["0.0.0.0/0"], &all_ports(), &[], &[]);
        assert_eq!(scope.address_count(), (1u128 << 32) * 65535);
        let first: Vec<(IpAddr, u16)> = scope
            .iter()
            .take(5)
            .map(|t| (t.host_ip(), t.port))
            .collect();
        let zero: IpAddr = "0.0.0.0".parse().unwrap();
        assert_eq!(first, (1..=5).map(|port| (zero, port)).collect::<Vec<_>>());
        let skip_one_address = scope.iter().nth(65535).unwrap();
        assert_eq!(skip_one_address.to_string(), "0.0.0.1:1");
    }

    #[test]
    fn whole_ipv6_space_on_all_ports_starts_at_once() {
        let everything = test_scope(&["::/0"], &all_ports(), &[], &[]);
        assert_eq!(everything.address_count(), u128::MAX);
        assert_eq!(
            listed(everything.iter().take(5)),
            ["[::]:1", "[::]:2", "[::]:3", "[::]:4", "[::]:5"]
        );
        let half = test_scope(&["2001:db8::/64"], &all_ports(), &[], &[]);
        assert_eq!(half.address_count(), (1u128 << 64) * 65535);
        assert_eq!(
            listed(half.iter().take(2)),
            ["[2001:db8::]:1", "[2001:db8::]:2"]
        );
    }

    #[test]
    fn exclusions_apply_lazily_to_huge_ranges() {
        let scope = test_scope(&["0.0.0.0/0"], &[443], &["0.0.0.0/8", "1.0.0.0"], &[]);
        assert_eq!(scope.address_count(), (1u128 << 32) - (1 << 24) - 1);
        assert_eq!(listed(scope.iter().take(2)), ["1.0.0.1:443", "1.0.0.2:443"]);
    }

    #[test]
    fn iterator_is_send_static_and_outlives_its_scope() {
        fn assert_send_static<T: Send + 'static>(_: &T) {}
        let iter = test_scope(&["10.0.0.0/8"], &[443], &[], &[]).iter();
        assert_send_static(&iter);
        let handle = std::thread::spawn(move || listed(iter.take(2)));
        assert_eq!(handle.join().unwrap(), ["10.0.0.0:443", "10.0.0.1:443"]);
    }

    #[test]
    fn full_walk_matches_count_and_is_ascending() {
        let scope = test_scope(&["10.1.0.0/16", "10.1.200.7:8443"], &[443], &[], &[]);
        let endpoints: Vec<(IpAddr, u16)> = scope.iter().map(|t| (t.host_ip(), t.port)).collect();
        assert_eq!(endpoints.len() as u128, scope.address_count());
        assert_eq!(endpoints.len(), 65537);
        assert!(endpoints.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn top_of_each_address_space_ends_cleanly() {
        let scope = test_scope(
            &[
                "255.255.255.254/31",
                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127",
            ],
            &[443],
            &[],
            &[],
        );
        assert_eq!(
            listed(scope.iter()),
            [
                "255.255.255.254:443",
                "255.255.255.255:443",
                "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe]:443",
                "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:443",
            ]
        );
        let mut iter = scope.iter();
        iter.by_ref().for_each(drop);
        assert!(iter.next().is_none());
    }

    impl Target {
        fn host_ip(&self) -> IpAddr {
            match self.host {
                Host::Ip(address) => address,
                Host::Name(_) => panic!("not an address: {self}"),
            }
        }
    }
}
