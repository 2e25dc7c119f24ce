//! The layers as a check, not a convention: reads the workspace's dependency graph from
//! `cargo metadata` and fails on an arrow the architecture forbids (see
//! `docs/ARCHITECTURE.md` and `CONTRIBUTING.md`). Dev-dependencies are exempt: a test may
//! drive a layer from above.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use serde_json::Value;

/// Each workspace crate and the workspace crates it may depend on (normal and build
/// dependencies). A crate missing here is a failure too: a new crate takes its place in
/// the layers on purpose.
const MAY_USE: &[(&str, &[&str])] = &[
    ("emporium-domain", &[]),
    ("emporium-search", &[]),
    ("emporium-payments", &[]),
    ("emporium-recommend", &[]),
    ("emporium-demo", &[]),
    ("emporium-store", &["emporium-domain"]),
    (
        "emporium-app",
        &[
            "emporium-domain",
            "emporium-store",
            "emporium-search",
            "emporium-payments",
            "emporium-recommend",
        ],
    ),
    // The API and the pages translate to the application layer; they read records (and
    // plain reads) from the store, and never import each other.
    (
        "emporium-api",
        &["emporium-app", "emporium-domain", "emporium-store", "emporium-payments"],
    ),
    ("emporium-web", &["emporium-app", "emporium-domain", "emporium-store"]),
    ("emporium-server", &["emporium-app", "emporium-api", "emporium-web"]),
    (
        "emporium-cli",
        &[
            "emporium-server",
            "emporium-app",
            "emporium-domain",
            "emporium-store",
            "emporium-search",
            "emporium-recommend",
            "emporium-demo",
            // The demo history pays refunds back under the provider's own key.
            "emporium-payments",
        ],
    ),
    // Test support: fresh databases, and fakes of the payment providers that sign and
    // verify with the adapters' own helpers (as the providers' SDKs would).
    ("emporium-testkit", &["emporium-store", "emporium-payments"]),
    // The load harness measures through HTTP; it seeds through the store and signs
    // notifications as the sandbox provider would.
    (
        "emporium-bench",
        &[
            "emporium-app",
            "emporium-domain",
            "emporium-store",
            "emporium-payments",
            "emporium-demo",
        ],
    ),
];

/// Outside crates a layer must not use: the application layer and everything below it
/// know no HTTP, the API compiles no templates, the pages describe no OpenAPI.
const MUST_NOT_USE: &[(&str, &[&str])] = &[
    ("emporium-domain", &["tokio", "sqlx", "axum", "tantivy", "reqwest"]),
    (
        "emporium-store",
        &["axum", "askama", "utoipa", "tower", "tower-http", "reqwest"],
    ),
    // It may use `image`: checking and resizing an upload is a use case's work, and knows
    // no HTTP.
    (
        "emporium-app",
        &[
            "axum",
            "askama",
            "utoipa",
            "utoipa-axum",
            "tower",
            "tower-http",
            "axum-server",
        ],
    ),
    ("emporium-api", &["askama"]),
    ("emporium-web", &["utoipa", "utoipa-axum"]),
];

/// The workspace's crates and their normal and build dependencies' names.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("cargo metadata is JSON");
    let mut graph = BTreeMap::new();
    for package in metadata["packages"].as_array().expect("packages") {
        let name = package["name"].as_str().expect("name").to_owned();
        let deps = package["dependencies"]
            .as_array()
            .expect("dependencies")
            .iter()
            .filter(|d| d["kind"].as_str() != Some("dev"))
            .map(|d| d["name"].as_str().expect("dependency name").to_owned())
            .collect();
        graph.insert(name, deps);
    }
    graph
}

/// Every arrow of `graph` that the tables above forbid, as readable lines.
fn violations(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let allowed: BTreeMap<&str, &[&str]> = MAY_USE.iter().copied().collect();
    let forbidden: BTreeMap<&str, &[&str]> = MUST_NOT_USE.iter().copied().collect();
    let mut found = Vec::new();
    for (krate, deps) in graph {
        let Some(may) = allowed.get(krate.as_str()) else {
            found.push(format!("{krate} has no place in the layers (add it to MAY_USE)"));
            continue;
        };
        for dep in deps {
            if graph.contains_key(dep) && !may.contains(&dep.as_str()) {
                found.push(format!("{krate} → {dep} points the wrong way"));
            }
            if forbidden
                .get(krate.as_str())
                .is_some_and(|never| never.contains(&dep.as_str()))
            {
                found.push(format!("{krate} uses {dep}, which its layer must not know"));
            }
        }
    }
    found
}

#[test]
fn every_crate_depends_only_on_the_layers_below_it() {
    let graph = graph();
    assert!(
        graph.contains_key("emporium-app"),
        "the workspace is read: {:?}",
        graph.keys()
    );
    let found = violations(&graph);
    assert!(found.is_empty(), "the architecture forbids:\n{}", found.join("\n"));
}

#[test]
fn the_check_catches_an_arrow_the_wrong_way() {
    // Guards the check itself: the pages importing the API, or the application layer
    // learning HTTP, must be reported.
    let mut graph = graph();
    graph
        .get_mut("emporium-web")
        .expect("web")
        .insert("emporium-api".into());
    graph.get_mut("emporium-app").expect("app").insert("axum".into());
    let found = violations(&graph);
    assert!(
        found.iter().any(|v| v.contains("emporium-web → emporium-api")),
        "{found:?}"
    );
    assert!(found.iter().any(|v| v.contains("emporium-app uses axum")), "{found:?}");
}
