//! Adding an operation is one manifest line: append `createGroupFlexCluster` (a POST
//! with a request body) to a scratch copy of the manifest, run `spec update`'s cut there,
//! run build.rs's generation on the result (no compile), and find a documented,
//! validated, versioned method for it that takes its typed body.

mod common;

use common::{repo, scratch};
use quote::ToTokens;
use xtask::manifest::MANIFEST_PATH;
use xtask::update::{self, FRAGMENT_PATH, PATH_PARAMETERS_PATH, PROVENANCE_PATH, UpdateOptions};
use xtask::{pipeline, transforms};

fn read_json(path: &std::path::Path) -> serde_json::Value {
    serde_yaml_ng::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn one_manifest_line_gives_a_documented_validated_method_with_its_accept_and_body() {
    let root = scratch("add-operation");
    let manifest = std::fs::read_to_string(repo(MANIFEST_PATH)).unwrap();
    let upstream = read_json(&repo("spec/upstream/v2.yaml"));
    let pinned: String =
        serde_yaml_ng::from_str::<serde_json::Value>(&manifest).unwrap()["upstream"]
            .as_str()
            .unwrap()
            .to_owned();
    std::fs::create_dir_all(root.join("spec/upstream")).unwrap();
    std::fs::copy(repo(&pinned), root.join(&pinned)).unwrap();
    // The one line a contributor adds.
    std::fs::write(
        root.join(MANIFEST_PATH),
        format!("{manifest}  - id: createGroupFlexCluster\n"),
    )
    .unwrap();
    // The committed provenance's date, so versions are picked as the real build picks them.
    let today = read_json(&repo(PROVENANCE_PATH))["updated"]
        .as_str()
        .unwrap()
        .to_owned();
    update::update(&UpdateOptions {
        root: root.clone(),
        from: None,
        date: today.clone(),
        accept_versions: false,
    })
    .unwrap();
    // `spec update` filled in the new line's version pin; build.rs reads the manifest.
    let pins = transforms::manifest_operations(&read_json(&root.join(MANIFEST_PATH))).unwrap();

    let patterns = read_json(&root.join(PATH_PARAMETERS_PATH))
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect();
    let generated = pipeline::generate(
        read_json(&root.join(FRAGMENT_PATH)),
        &today,
        &pins,
        &patterns,
    )
    .unwrap();
    assert_eq!(
        generated.unsupported,
        Vec::<String>::new(),
        "build.rs would refuse"
    );

    // The upstream's facts for the operation, read independently of the pipeline.
    let (path, op) = upstream["paths"]
        .as_object()
        .unwrap()
        .iter()
        .find_map(|(path, item)| {
            let op = item.get("post")?;
            (op["operationId"] == "createGroupFlexCluster").then_some((path.clone(), op.clone()))
        })
        .expect("createGroupFlexCluster upstream");
    let media_types: Vec<String> = op["responses"]["201"]["content"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let method = transforms::operation_rows(&upstream_with(&path, &op), &[])
        .unwrap()
        .remove(0)
        .id;
    let method = xtask::emit::snake_case(&method);

    // A public, documented method taking the path's id as a validated `&str`, then the body.
    let f = generated
        .methods
        .items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Impl(imp) => Some(imp),
            _ => None,
        })
        .flat_map(|imp| &imp.items)
        .find_map(|item| match item {
            syn::ImplItem::Fn(f) if f.sig.ident == method => Some(f),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no generated method {method}"));
    assert!(matches!(f.vis, syn::Visibility::Public(_)));
    let docs: String = f
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .map(|a| a.to_token_stream().to_string())
        .collect();
    assert!(docs.contains(op["summary"].as_str().unwrap()), "{docs}");
    assert!(
        docs.contains(op["x-xgen-docs-url"].as_str().unwrap()),
        "links Atlas's page: {docs}"
    );
    let sig = f.sig.to_token_stream().to_string();
    assert!(
        sig.contains("group_id : & str , body : & types ::"),
        "{sig}"
    );
    assert!(docs.contains("`body`: the request body"), "{docs}");
    let body = f.block.to_token_stream().to_string();
    for check in [
        "param :: < types :: GroupId > (\"group_id\" , group_id)",
        ". body (body . clone ())",
    ] {
        assert!(body.contains(check), "validates before sending: {body}");
    }

    // Its row sends the upstream's versioned media type as Accept, and the hooks find it
    // by progenitor's operation id.
    let konst = method.to_ascii_uppercase();
    let table = &generated.operations;
    let row = &table[table
        .find(&format!("pub const {konst}: Operation"))
        .unwrap()..];
    let row = &row[..row.find("};").unwrap()];
    let accept = row
        .lines()
        .find_map(|l| l.trim().strip_prefix("media_type: "))
        .unwrap()
        .trim_end_matches(',')
        .trim_matches('"');
    assert!(
        media_types.iter().any(|m| m == accept),
        "{accept} of {media_types:?}"
    );
    assert!(row.contains(&format!("path: {path:?}")), "{row}");
    let content_type = op["requestBody"]["content"].as_object().unwrap();
    assert!(
        content_type
            .keys()
            .any(|m| row.contains(&format!("content_type: Some({m:?})"))),
        "sends the body's versioned media type: {row}"
    );
    assert!(
        row.contains("success: &[201]"),
        "a 201 is its success: {row}"
    );
    assert!(
        table.contains(&format!("{method:?} => Some(&{konst})")),
        "by_operation_id knows it"
    );
    std::fs::remove_dir_all(&root).unwrap();
}

/// A spec holding just `op` at `path`, for the row's id.
fn upstream_with(path: &str, op: &serde_json::Value) -> serde_json::Value {
    serde_json::json!({ "paths": { path: { "post": op } } })
}
