//! [`ScopeBuilder`] and [`Scope`]: everything to probe (targets × ports ×
//! SNI names, minus exclusions, each probed once) in a compact, shareable
//! form, with exclusion checks and counts for the engine and progress bar.

use std::net::IpAddr;
use std::sync::Arc;

use super::exclusions::Exclusions;
use super::forms::normalize_name;
use super::plan::{build_host_plans, FamilyPlan, ScopeData};
use super::ports::DEFAULT_PORTS;
use super::ranges::{V4, V6};
use super::resolve::{Pairing, Pairings};
use super::shard::Shard;
use super::spec::TargetSpec;
use super::walk::TargetIter;

/// Collects targets, ports, exclusions and extra SNI names, then builds a
/// [`Scope`]. Starts with [`DEFAULT_PORTS`] and nothing else.
#[derive(Debug, Clone)]
pub struct ScopeBuilder {
    targets: Vec<TargetSpec>,
    ports: Vec<u16>,
    exclusions: Vec<TargetSpec>,
    extra_sni: Vec<String>,
    pairings: Vec<Pairing>,
    shard: Option<Shard>,
}

impl Default for ScopeBuilder {
    fn default() -> Self {
        ScopeBuilder::new()
    }
}

impl ScopeBuilder {
    /// An empty builder whose port list is [`DEFAULT_PORTS`].
    pub fn new() -> Self {
        ScopeBuilder {
            targets: Vec::new(),
            ports: DEFAULT_PORTS.to_vec(),
            exclusions: Vec::new(),
            extra_sni: Vec::new(),
            pairings: Vec::new(),
            shard: None,
        }
    }

    /// Adds `--resolve` pairings (appends): every connection to a paired
    /// name uses its paired addresses instead of DNS. `name@address`
    /// targets add their own pairing when the scope is built.
    pub fn resolve(mut self, pairings: Vec<Pairing>) -> Self {
        self.pairings.extend(pairings);
        self
    }

    /// Keeps only the endpoints of one part of N (`--shard K/N`).
    pub fn shard(mut self, shard: Option<Shard>) -> Self {
        self.shard = shard;
        self
    }

    /// Adds targets (appends; call once per source).
    pub fn targets(mut self, specs: Vec<TargetSpec>) -> Self {
        self.targets.extend(specs);
        self
    }

    /// Replaces the port list used for targets written without a port.
    /// Port 0 is dropped; order and duplicates do not matter.
    pub fn ports(mut self, ports: Vec<u16>) -> Self {
        self.ports = ports;
        self
    }

    /// Adds exclusions (appends). An exclusion without a port removes the
    /// address or name on every port; with a port, only on that port.
    pub fn exclude(mut self, specs: Vec<TargetSpec>) -> Self {
        self.exclusions.extend(specs);
        self
    }

    /// Adds extra SNI names (appends): every target is also probed once with
    /// each of them. Names are trimmed, lowercased and deduplicated.
    pub fn extra_sni(mut self, names: Vec<String>) -> Self {
        self.extra_sni.extend(names);
        self
    }

    /// Merges everything into a [`Scope`]. Address specs whose `first` and
    /// `last` are of different families (impossible from `parse_spec`) are
    /// ignored; a reversed range is taken as written the other way round.
    pub fn build(self) -> Scope {
        let mut ports = self.ports;
        ports.retain(|&port| port != 0);
        ports.sort_unstable();
        ports.dedup();
        let exclusions = Exclusions::from_specs(&self.exclusions);
        let families =
            [V4, V6].map(|family| FamilyPlan::build(family, &self.targets, &ports, &exclusions));
        let hosts = build_host_plans(&self.targets, &ports, &exclusions);
        let mut extra_sni: Vec<String> = Vec::new();
        for name in self.extra_sni.iter().map(|name| normalize_name(name)) {
            if !name.is_empty() && !extra_sni.contains(&name) {
                extra_sni.push(name);
            }
        }
        let pairings = Pairings::new(
            self.pairings
                .into_iter()
                .chain(target_pairings(&self.targets)),
        );
        let data = ScopeData {
            ports,
            families,
            hosts,
            extra_sni,
            exclusions,
            pairings: Arc::new(pairings),
            shard: self.shard,
        };
        Scope {
            data: Arc::new(data),
        }
    }
}

/// The pairings written as `name@address[:port]` targets.
fn target_pairings(targets: &[TargetSpec]) -> impl Iterator<Item = Pairing> + '_ {
    targets.iter().filter_map(|spec| match spec {
        TargetSpec::Paired {
            name,
            address,
            port,
        } => Some(Pairing {
            name: normalize_name(name),
            port: *port,
            address: *address,
        }),
        _ => None,
    })
}

/// Everything to probe, deduplicated, with exclusions applied. Cloning is
/// cheap (an `Arc`).
#[derive(Debug, Clone)]
pub struct Scope {
    data: Arc<ScopeData>,
}

impl Scope {
    /// A lazy iterator over every target: IPv4 addresses ascending, then IPv6
    /// ascending, then host names in order of first appearance; per address
    /// or name its ports ascending; per port first no SNI (addresses) or the
    /// name itself (host names), then each extra SNI name.
    pub fn iter(&self) -> TargetIter {
        TargetIter::new(Arc::clone(&self.data))
    }

    /// Whether `ip` is excluded on every port (for addresses host names
    /// resolve to). Port-specific exclusions are checked by
    /// [`Scope::is_excluded_at`].
    pub fn is_excluded(&self, ip: IpAddr) -> bool {
        self.data.exclusions.excludes_address(ip)
    }

    /// Whether `ip` is excluded on `port`, everywhere or on that port only.
    pub fn is_excluded_at(&self, ip: IpAddr, port: u16) -> bool {
        self.data.exclusions.excludes_address_on_port(ip, port)
    }

    /// Whether the host `name` (any case, trailing dot allowed) is excluded
    /// on every port.
    pub fn is_name_excluded(&self, name: &str) -> bool {
        self.data.exclusions.excludes_name(name)
    }

    /// Whether the host `name` is excluded on `port`.
    pub fn is_name_excluded_at(&self, name: &str, port: u16) -> bool {
        self.data.exclusions.excludes_name_on_port(name, port)
    }

    /// Distinct (address or host name, port) pairs to probe, after
    /// deduplication and exclusions, not counting extra-SNI repeats; a host
    /// name counts once per port. Saturates at `u128::MAX` (only possible
    /// with `::/0`).
    pub fn address_count(&self) -> u128 {
        let addresses = self.data.families.iter().fold(0u128, |total, plan| {
            total.saturating_add(plan.endpoint_count())
        });
        let hosts: u128 = self.host_port_counts().map(|(_, ports)| ports).sum();
        addresses.saturating_add(hosts)
    }

    /// The part of the scope probed, when split with [`ScopeBuilder::shard`].
    pub fn shard(&self) -> Option<Shard> {
        self.data.shard
    }

    /// How many [`crate::targets::Target`]s [`Scope::iter`] yields: like
    /// [`Scope::address_count`] but counting each SNI variant. Saturates.
    /// With a shard of N parts, the whole scope's count divided by N
    /// (an estimate: parts differ by a little).
    pub fn target_count(&self) -> u128 {
        let whole = self.whole_target_count();
        match self.data.shard {
            Some(shard) => whole.div_ceil(u128::from(shard.count())),
            None => whole,
        }
    }

    fn whole_target_count(&self) -> u128 {
        let extra = self.data.extra_sni.len() as u128;
        let addresses = self.data.families.iter().fold(0u128, |total, plan| {
            total.saturating_add(plan.endpoint_count().saturating_mul(1 + extra))
        });
        let hosts: u128 = self
            .host_port_counts()
            .map(|(name, ports)| {
                let name_is_extra = self.data.extra_sni.iter().any(|sni| sni == name);
                ports * (1 + extra - u128::from(name_is_extra))
            })
            .sum();
        addresses.saturating_add(hosts)
    }

    /// The sorted port list used for targets written without a port.
    pub fn ports(&self) -> &[u16] {
        &self.data.ports
    }

    /// The pairing table (`--resolve` and `name@address` targets): the
    /// one place any connection to a name looks before DNS.
    pub fn pairings(&self) -> &Arc<Pairings> {
        &self.data.pairings
    }

    /// The normalized extra SNI names, in the order given.
    pub fn extra_sni(&self) -> &[String] {
        &self.data.extra_sni
    }

    /// Each host plan's name with its port count.
    fn host_port_counts(&self) -> impl Iterator<Item = (&str, u128)> + '_ {
        let list = &self.data.ports;
        self.data
            .hosts
            .iter()
            .map(move |plan| (plan.name.as_str(), plan.port_count(list) as u128))
    }
}

/// Builds a scope from text specs, for tests in this module's files.
#[cfg(test)]
pub(crate) fn test_scope(
    targets: &[&str],
    ports: &[u16],
    excludes: &[&str],
    sni: &[&str],
) -> Scope {
    let parse = |texts: &[&str]| -> Vec<TargetSpec> {
        texts
            .iter()
            .map(|text| super::spec::parse_spec(text).unwrap())
            .collect()
    };
    ScopeBuilder::new()
        .targets(parse(targets))
        .ports(ports.to_vec())
        .exclude(parse(excludes))
        .extra_sni(sni.iter().map(|name| name.to_string()).collect())
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observation::SniSource;

    fn listed(scope: &Scope) -> Vec<String> {
        scope.iter().map(|target| target.to_string()).collect()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn overlapping_specs_are_probed_once() {
        let scope = test_scope(
            &["10.0.0.0/24", "10.0.0.5", "10.0.0.5:443", "10.0.0.0/25"],
            &[443],
            &[],
            &[],
        );
        let targets = listed(&scope);
        assert_eq!(targets.iter().filter(|t| *t == "10.0.0.5:443").count(), 1);
        assert_eq!(targets.len(), 256);
        assert_eq!(scope.address_count(), 256);
    }

    #[test]
    fn explicit_ports_apply_only_to_their_targets() {
        let scope = test_scope(
            &["10.0.0.0/31", "10.0.0.1:8443", "10.0.0.9:443"],
            &[443, 993],
            &[],
            &[],
        );
        assert_eq!(
            listed(&scope),
            [
                "10.0.0.0:443",
                "10.0.0.0:993",
                "10.0.0.1:443",
                "10.0.0.1:993",
                "10.0.0.1:8443",
                "10.0.0.9:443"
            ]
        );
        assert_eq!(scope.address_count(), 6);
    }

    #[test]
    fn excluding_a_cidr_from_a_larger_one_leaves_a_hole() {
        let scope = test_scope(&["10.0.0.0/16"], &[443], &["10.0.1.0/24"], &[]);
        assert_eq!(scope.address_count(), 65536 - 256);
        let targets = listed(&scope);
        assert!(!targets.iter().any(|t| t.starts_with("10.0.1.")));
        let gap = targets.iter().position(|t| t == "10.0.0.255:443").unwrap();
        assert_eq!(targets[gap + 1], "10.0.2.0:443");
        assert!(scope.is_excluded(ip("10.0.1.7")));
        assert!(!scope.is_excluded(ip("10.0.2.7")));
        assert!(scope.is_excluded(ip("::ffff:10.0.1.7")));
    }

    #[test]
    fn excluding_ipv6_ranges_and_addresses() {
        let scope = test_scope(
            &["2001:db8::/120", "::1"],
            &[443],
            &["2001:db8::10-2001:db8::1f", "::1"],
            &[],
        );
        assert_eq!(scope.address_count(), 256 - 16);
        assert!(!listed(&scope).contains(&"[2001:db8::10]:443".to_string()));
        assert!(listed(&scope).contains(&"[2001:db8::20]:443".to_string()));
        assert!(scope.is_excluded(ip("::1")));
    }

    #[test]
    fn excluding_host_names_ignores_case_and_trailing_dot() {
        let scope = test_scope(
            &["a.example", "B.example.", "10.0.0.1"],
            &[443],
            &["b.example"],
            &[],
        );
        assert_eq!(listed(&scope), ["10.0.0.1:443", "a.example:443"]);
        assert!(scope.is_name_excluded("B.EXAMPLE."));
        assert!(!scope.is_name_excluded("a.example"));
        assert!(!scope.is_excluded(ip("10.0.0.1")));
    }

    #[test]
    fn host_names_are_deduplicated_by_name_and_port() {
        let scope = test_scope(
            &[
                "example.com",
                "example.com:443",
                "EXAMPLE.com:9999",
                "example.com.:9999",
                "other.test:25",
            ],
            &[443, 8443],
            &[],
            &[],
        );
        assert_eq!(
            listed(&scope),
            [
                "example.com:443",
                "example.com:8443",
                "example.com:9999",
                "other.test:25"
            ]
        );
        assert_eq!(scope.address_count(), 4);
    }

    #[test]
    fn counts_include_or_leave_out_sni_variants() {
        let scope = test_scope(
            &["10.0.0.0/30", "a.test"],
            &[443, 993],
            &[],
            &["x.test", "A.TEST."],
        );
        assert_eq!(scope.extra_sni(), ["x.test", "a.test"]);
        assert_eq!(scope.address_count(), 4 * 2 + 2);
        assert_eq!(scope.target_count(), 4 * 2 * 3 + 2 * 2);
        assert_eq!(scope.target_count(), scope.iter().count() as u128);
    }

    #[test]
    fn pairings_become_host_targets_and_fill_the_table() {
        let resolve = super::super::resolve::parse_resolve_in(
            "b.test:25:[::1]",
            &super::super::Origin::Unspecified,
        )
        .unwrap();
        let scope = ScopeBuilder::new()
            .targets(
                ["a.test@10.0.0.2:8443", "10.0.0.1", "b.test:25"]
                    .map(|text| super::super::spec::parse_spec(text).unwrap())
                    .to_vec(),
            )
            .ports(vec![443])
            .extra_sni(vec!["x.test".into()])
            .resolve(vec![resolve])
            .build();
        let probes: Vec<(String, Option<String>, SniSource)> = scope
            .iter()
            .map(|t| (t.to_string(), t.sni, t.sni_source))
            .collect();
        let named =
            |text: &str, sni: &str, source| (text.to_string(), Some(sni.to_string()), source);
        assert_eq!(
            probes,
            [
                ("10.0.0.1:443".to_string(), None, SniSource::None),
                named("10.0.0.1:443 (SNI x.test)", "x.test", SniSource::Broadcast),
                named("a.test:8443", "a.test", SniSource::Target),
                named("a.test:8443 (SNI x.test)", "x.test", SniSource::Broadcast),
                named("b.test:25", "b.test", SniSource::Target),
                named("b.test:25 (SNI x.test)", "x.test", SniSource::Broadcast),
            ]
        );
        let table = scope.pairings();
        assert_eq!(table.addresses("a.test", 8443), Some(vec![ip("10.0.0.2")]));
        assert_eq!(table.addresses("a.test", 443), None, "paired on 8443 only");
        assert_eq!(table.addresses("b.test", 25), Some(vec![ip("::1")]));
    }

    #[test]
    fn excluding_either_side_of_a_pairing_drops_it() {
        let by_name = test_scope(
            &["a.test@10.0.0.2", "b.test@10.0.0.3"],
            &[443],
            &["a.test"],
            &[],
        );
        assert_eq!(listed(&by_name), ["b.test:443"]);
        let pair = test_scope(&["a.test", "10.0.0.9"], &[443], &["a.test@10.0.0.9"], &[]);
        assert!(listed(&pair).is_empty());
        assert!(pair.is_excluded(ip("10.0.0.9")));
    }

    #[test]
    fn builder_defaults_and_port_cleanup() {
        let spec = super::super::spec::parse_spec("10.0.0.1").unwrap();
        let default_scope = ScopeBuilder::new().targets(vec![spec.clone()]).build();
        assert_eq!(default_scope.ports(), DEFAULT_PORTS);
        assert_eq!(default_scope.address_count(), DEFAULT_PORTS.len() as u128);
        let cleaned = ScopeBuilder::default()
            .targets(vec![spec])
            .ports(vec![8443, 0, 443, 443])
            .build();
        assert_eq!(cleaned.ports(), [443, 8443]);
    }
}
