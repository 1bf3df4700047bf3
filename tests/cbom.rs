//! `certatlas cbom` over the demo lab on a fixed clock: the CBOM validates
//! against the official CycloneDX 1.6 and 1.7 JSON schemas (those shipped
//! by the Python `cyclonedx-python-lib`, checked with `jsonschema`; `.ci/run`
//! installs both and the test says SKIPPED without them), holds every leaf,
//! key, algorithm and TLS deployment that `inventory --format json` lists,
//! every reference resolves, the hostile subject survives as a JSON string,
//! and the evidence bundle lists the same BOM as `cbom.json` and verifies.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

const CLOCK: &str = "2026-06-01T12:00:00Z";

/// Validates the file `argv[1]` against CycloneDX `argv[2]` (strict: no
/// unknown properties); prints the first error and exits 1 when invalid.
const VALIDATE: &str = r#"
import sys
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
version = {"1.6": SchemaVersion.V1_6, "1.7": getattr(SchemaVersion, "V1_7", None)}[sys.argv[2]]
if version is None:
    print("SKIPPED: this cyclonedx-python-lib has no 1.7 schema")
    sys.exit(0)
text = open(sys.argv[1], encoding="utf-8").read()
error = JsonStrictValidator(version).validate_str(text)
if error is not None:
    e = error.data
    print(f"{e.message} at {e.json_path}", file=sys.stderr)
    sys.exit(1)
print("valid")
"#;

fn validator_available() -> bool {
    Command::new("python3")
        .args(["-c", "import jsonschema, cyclonedx.validation.json"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn validate(path: &Path, spec: &str) {
    let out = Command::new("python3")
        .args(["-c", VALIDATE, path.to_str().unwrap(), spec])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "CycloneDX {spec} schema refused the CBOM: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    if stdout.contains("SKIPPED") {
        eprintln!("{stdout}");
    } else {
        assert_eq!(stdout.trim(), "valid");
    }
}

fn run(args: &[&str]) -> std::process::Output {
    let out = common::certatlas(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn components<'a>(bom: &'a Value, asset: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(move |c| c["cryptoProperties"]["assetType"] == asset)
}

fn depends_on(bom: &Value, from: &str) -> BTreeSet<String> {
    let all = bom["dependencies"].as_array().unwrap();
    all.iter()
        .filter(|d| d["ref"] == from)
        .flat_map(|d| d["dependsOn"].as_array().unwrap().iter())
        .map(|r| r.as_str().unwrap().to_string())
        .collect()
}

/// Every leaf, key, algorithm and deployment of the inventory is in the BOM.
fn assert_holds_the_inventory(bom: &Value, inventory: &Value) {
    let refs: BTreeSet<&str> = bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["bom-ref"].as_str().unwrap())
        .collect();
    let algorithm_oids: BTreeSet<&str> = components(bom, "algorithm")
        .filter_map(|a| a["cryptoProperties"]["oid"].as_str())
        .collect();
    let rows = inventory["items"].as_array().unwrap();
    assert!(rows.len() > 5, "the lab has leaves");
    let mut deployments = 0;
    for row in rows {
        let sha = row["sha256"].as_str().unwrap();
        let certificate = &row["certificate"];
        let cert_ref = format!("crypto/certificate/{sha}");
        assert!(refs.contains(cert_ref.as_str()), "leaf {sha}");
        let key_ref = format!(
            "crypto/key/{}",
            certificate["spki_sha256"].as_str().unwrap()
        );
        assert!(refs.contains(key_ref.as_str()), "key of {sha}");
        assert!(depends_on(bom, &cert_ref).contains(&key_ref), "{sha} → key");
        let key_algorithms = depends_on(bom, &key_ref);
        assert_eq!(key_algorithms.len(), 1, "key → algorithm");
        assert!(refs.contains(key_algorithms.iter().next().unwrap().as_str()));
        let signature = certificate["signature_algorithm"]["oid"].as_str().unwrap();
        assert!(algorithm_oids.contains(signature), "signature {signature}");
        for endpoint in row["endpoints"].as_array().unwrap() {
            deployments += 1;
            let location = format!(
                "tcp://{}:{}",
                endpoint["address"].as_str().unwrap(),
                endpoint["port"]
            );
            let served = components(bom, "protocol").any(|p| {
                p["evidence"]["occurrences"][0]["location"] == location.as_str()
                    && depends_on(bom, p["bom-ref"].as_str().unwrap()).contains(&cert_ref)
            });
            assert!(served, "deployment of {sha} at {location}");
        }
    }
    assert_eq!(
        components(bom, "protocol").count(),
        deployments,
        "one protocol per deployment"
    );
    for protocol in components(bom, "protocol") {
        let tls = &protocol["cryptoProperties"]["protocolProperties"];
        let name = &protocol["name"];
        assert!(
            tls["version"].is_string(),
            "{name}: a version from its handshakes"
        );
        assert!(
            tls["cipherSuites"][0]["name"].is_string(),
            "{name}: its suite"
        );
    }
}

/// Every reference in the BOM names a component.
fn assert_references_resolve(bom: &Value) {
    let refs: BTreeSet<&str> = bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["bom-ref"].as_str().unwrap())
        .collect();
    assert_eq!(
        refs.len(),
        bom["components"].as_array().unwrap().len(),
        "unique bom-refs"
    );
    for dependency in bom["dependencies"].as_array().unwrap() {
        assert!(refs.contains(dependency["ref"].as_str().unwrap()));
        for target in dependency["dependsOn"].as_array().unwrap() {
            assert!(refs.contains(target.as_str().unwrap()), "dangling {target}");
        }
    }
    let groups: Vec<&Value> = components(bom, "protocol")
        .flat_map(|p| {
            p["cryptoProperties"]["protocolProperties"]["cryptoRefArray"]
                .as_array()
                .into_iter()
                .flatten()
        })
        .collect();
    assert!(
        !groups.is_empty(),
        "the lab's handshakes negotiated key-exchange groups"
    );
    assert!(groups.iter().all(|g| refs.contains(g.as_str().unwrap())));
}

/// The lab's hostile subject (quotes, an ANSI escape, `</script>`, a
/// bidi override) is the same string in the BOM as in the inventory.
fn assert_hostile_subject_round_trips(bom: &Value, inventory: &Value) {
    let rows = inventory["items"].as_array().unwrap();
    let row = rows
        .iter()
        .find(|r| {
            r["certificate"]["subject"]["common_names"]
                .as_array()
                .unwrap()
                .iter()
                .any(|cn| cn == certatlas::demo::HOSTILE_COMMON_NAME)
        })
        .expect("the lab serves the hostile subject");
    let dn = row["certificate"]["subject"]["dn"].as_str().unwrap();
    assert!(dn.contains('\u{1b}') && dn.contains("script") && dn.contains('"'));
    let cert_ref = format!("crypto/certificate/{}", row["sha256"].as_str().unwrap());
    let certificate = components(bom, "certificate")
        .find(|c| c["bom-ref"] == cert_ref.as_str())
        .expect("the hostile leaf");
    assert_eq!(certificate["name"], dn);
    assert_eq!(
        certificate["cryptoProperties"]["certificateProperties"]["subjectName"],
        dn
    );
}

#[test]
fn the_demo_cbom_validates_holds_the_inventory_and_is_in_the_bundle() {
    if !validator_available() {
        eprintln!("SKIPPED: python3 with cyclonedx-python-lib and jsonschema is not installed (pip install cyclonedx-python-lib jsonschema; .ci/run does)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let db = db.to_str().unwrap();
    let report = dir.path().join("report");
    let report = report.to_str().unwrap();
    run(&[
        "--clock", CLOCK, "-q", "demo", "--db", db, "--report", report,
    ]);

    let bom_16 = dir.path().join("cbom-1.6.json");
    let bom_17 = dir.path().join("cbom-1.7.json");
    run(&["cbom", "--db", db, "-o", bom_16.to_str().unwrap()]);
    run(&[
        "cbom",
        "--db",
        db,
        "--spec",
        "1.7",
        "--output",
        bom_17.to_str().unwrap(),
    ]);
    validate(&bom_16, "1.6");
    validate(&bom_17, "1.7");

    let inventory: Value =
        serde_json::from_slice(&run(&["inventory", "--db", db, "--format", "json"]).stdout)
            .unwrap();
    for path in [&bom_16, &bom_17] {
        let bom = read_json(path);
        assert_holds_the_inventory(&bom, &inventory);
        assert_references_resolve(&bom);
        assert_hostile_subject_round_trips(&bom, &inventory);
    }
    assert_eq!(read_json(&bom_16)["specVersion"], "1.6");
    assert_eq!(read_json(&bom_17)["specVersion"], "1.7");

    // The same scan gives the same BOM, on stdout as in a file.
    let stdout = run(&["cbom", "--db", db]).stdout;
    assert_eq!(stdout, std::fs::read(&bom_16).unwrap());

    // The bundle lists the BOM of its scan, and verifies.
    let manifest = read_json(&Path::new(report).join("manifest.json"));
    let listed = manifest["files"].as_array().unwrap();
    assert!(
        listed.iter().any(|f| f["path"] == "cbom.json"),
        "{manifest}"
    );
    let pems = listed
        .iter()
        .filter(|f| f["path"].as_str().unwrap().starts_with("certificates/"))
        .count();
    let bundled = read_json(&Path::new(report).join("cbom.json"));
    assert_eq!(
        components(&bundled, "certificate").count(),
        pems,
        "one certificate component per certificate of the scan"
    );
    let scan = manifest["scans"][0]["id"].to_string();
    let of_scan = run(&["cbom", "--db", db, "--scan", &scan]).stdout;
    assert_eq!(
        of_scan,
        std::fs::read(Path::new(report).join("cbom.json")).unwrap()
    );
    run(&["verify", report]);
}

#[test]
fn a_scan_that_does_not_exist_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("none.db");
    let out_file = dir.path().join("cbom.json");
    let out = common::certatlas(&[
        "cbom",
        "--db",
        db.to_str().unwrap(),
        "-o",
        out_file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("none.db"));
    assert!(!out_file.exists());
    let bad = common::certatlas(&["cbom", "--spec", "1.5"]);
    assert_eq!(bad.status.code(), Some(2));
}
