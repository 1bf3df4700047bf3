//! The digests of each part of the policy an evaluation used: rules,
//! approved anchors, owner rules, exceptions and the maturity profile
//! (thresholds). Recorded with every stored evaluation, so that a later
//! one can tell "the policy changed" from "the network changed" (see
//! [`lifecycle`](super::lifecycle): `withdrawn`).

use serde::{Deserialize, Serialize};

/// SHA-256 digests (lowercase hex) of the parts of a policy. An empty
/// string means unknown (an evaluation recorded before digests were).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PolicyDigests {
    /// The rule set (rule files' texts, disabled ids).
    pub rules: String,
    /// The approved anchors (certificates and SPKI hashes).
    pub anchors: String,
    /// The owner rules.
    pub owners: String,
    /// The declared exceptions.
    pub exceptions: String,
    /// The maturity profile with its thresholds.
    pub profile: String,
}

impl PolicyDigests {
    /// The parts, by name.
    fn parts(&self) -> [(&'static str, &str); 5] {
        [
            ("rules", &self.rules),
            ("anchors", &self.anchors),
            ("owners", &self.owners),
            ("exceptions", &self.exceptions),
            ("profile", &self.profile),
        ]
    }

    /// The names of the parts that differ from `earlier` (a part unknown
    /// on either side counts as changed).
    pub fn changed_since(&self, earlier: &PolicyDigests) -> Vec<String> {
        self.parts()
            .iter()
            .zip(earlier.parts())
            .filter(|((_, now), (_, then))| now.is_empty() || then.is_empty() || now != then)
            .map(|((name, _), _)| name.to_string())
            .collect()
    }

    /// As the store keeps it (a JSON object).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }

    /// From the store's JSON (unknown parts empty).
    pub fn from_json(json: &serde_json::Value) -> PolicyDigests {
        serde_json::from_value(json.clone()).unwrap_or_default()
    }
}

/// SHA-256 over `parts`, each prefixed by its length so that no two lists
/// of parts digest alike; order matters (sort first when it should not).
pub fn digest_parts<I, P>(parts: I) -> String
where
    I: IntoIterator<Item = P>,
    P: AsRef<[u8]>,
{
    let mut bytes = Vec::new();
    for part in parts {
        let part = part.as_ref();
        bytes.extend_from_slice(&(part.len() as u64).to_be_bytes());
        bytes.extend_from_slice(part);
    }
    crate::certs::sha256_hex(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digests(anchors: &str) -> PolicyDigests {
        PolicyDigests {
            rules: "r".into(),
            anchors: anchors.into(),
            owners: "o".into(),
            exceptions: "e".into(),
            profile: "p".into(),
        }
    }

    #[test]
    fn names_what_changed_and_unknown_counts_as_changed() {
        assert!(digests("a").changed_since(&digests("a")).is_empty());
        assert_eq!(digests("b").changed_since(&digests("a")), ["anchors"]);
        let old = PolicyDigests::from_json(&serde_json::json!({}));
        assert_eq!(digests("a").changed_since(&old).len(), 5);
        let back = PolicyDigests::from_json(&digests("a").to_json());
        assert_eq!(back, digests("a"));
    }

    #[test]
    fn parts_are_delimited() {
        assert_ne!(digest_parts(["ab", "c"]), digest_parts(["a", "bc"]));
        assert_eq!(digest_parts(["ab", "c"]), digest_parts(["ab", "c"]));
    }
}
