#![cfg(feature = "cli")]
//! The friendly commands of the backup domain beyond snapshots, each generated from its
//! row's `command` words: clusters, Serverless instances, restore jobs and downloads,
//! through the binary against the stand-in's migration world.

mod cli_support;

use atlas_snapshots_standin::{StandIn, sample};
use cli_support::{Run, TOKEN, cli, run};
use serde_json::{Value, json};

const GROUP: &str = sample::GROUP_ID;
const MIGRATED: &str = sample::SERVERLESS_NAME;
const FLEX: &str = sample::FLEX_NAME;
const LEGACY: &str = sample::UNMIGRATED_NAME;

async fn world() -> StandIn {
    let standin = StandIn::builder()
        .bearer_token(TOKEN)
        .restore_step(std::time::Duration::ZERO)
        .start()
        .await
        .expect("start the stand-in");
    standin.seed_migration_world();
    standin
}

/// `args` with `body` on stdin for `--file -`.
async fn with_body(standin: &StandIn, args: &str, body: &Value) -> Run {
    let mut cmd = cli(&standin.base_url(), &format!("{args} --file -"));
    cmd.write_stdin(body.to_string());
    run(cmd).await
}

fn names(page: &Value) -> Vec<&str> {
    let results = page["results"].as_array().expect("results");
    results.iter().filter_map(|r| r["name"].as_str()).collect()
}

fn warnings(out: &Run) -> Vec<&str> {
    out.stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn clusters_list_and_get_print_the_flex_clusters() {
    let standin = world().await;

    let out = run(cli(
        &standin.base_url(),
        &format!("clusters list --group-id {GROUP}"),
    ))
    .await;
    out.assert_code(0);
    let page = out.json();
    assert!(
        names(&page).contains(&FLEX) && names(&page).contains(&MIGRATED),
        "{page}"
    );
    assert!(!names(&page).contains(&LEGACY), "never migrated: {page}");
    assert!(warnings(&out).is_empty(), "{out:#?}");

    let out = run(cli(
        &standin.base_url(),
        &format!("clusters get --group-id {GROUP} --cluster {FLEX}"),
    ))
    .await;
    out.assert_code(0);
    assert_eq!(out.json(), sample::flex_cluster_in(GROUP, FLEX));

    let out = run(cli(
        &standin.base_url(),
        &format!("-o table clusters list --all --group-id {GROUP}"),
    ))
    .await;
    out.assert_code(0);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(
        lines[0].starts_with("NAME") && lines[0].contains("STATE"),
        "{out:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(FLEX) && l.contains("IDLE")),
        "{out:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn serverless_instances_are_listed_with_a_deprecation_warning() {
    let standin = world().await;

    let out = run(cli(
        &standin.base_url(),
        &format!("serverless instances list --group-id {GROUP}"),
    ))
    .await;
    out.assert_code(0);
    assert!(names(&out.json()).contains(&LEGACY), "{out:#?}");
    let warned = warnings(&out);
    assert_eq!(warned.len(), 1, "{out:#?}");
    assert!(
        warned[0].contains("use 'atlas-snapshots clusters list' instead"),
        "{out:#?}"
    );

    let out = run(cli(
        &standin.base_url(),
        &format!("serverless instances get --group-id {GROUP} --cluster {LEGACY}"),
    ))
    .await;
    out.assert_code(0);
    assert_eq!(out.json(), sample::serverless_instance_in(GROUP, LEGACY));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flex_restore_job_is_created_read_and_listed() {
    let standin = world().await;
    let snapshot = sample::migrated_flex_snapshot_in(GROUP, MIGRATED, 5);
    let body = json!({"snapshotId": snapshot["id"], "targetDeploymentItemName": FLEX});

    let create = format!("flex restore create --group-id {GROUP} --cluster {MIGRATED}");
    let out = with_body(&standin, &create, &body).await;
    out.assert_code(0);
    let job = out.json();
    assert_eq!(job["snapshotId"], snapshot["id"], "{job}");
    assert_eq!(job["targetDeploymentItemName"], FLEX, "{job}");
    let id = job["id"].as_str().expect("a job id").to_owned();
    let posted = standin.requests();
    let post = posted
        .iter()
        .find(|r| r.method == "POST")
        .expect("the POST");
    assert_eq!(
        post.header("content-type"),
        Some("application/vnd.atlas.2024-11-13+json")
    );
    let sent: Value = serde_json::from_slice(&post.body).expect("a JSON body");
    assert_eq!(sent, body);

    let get =
        format!("flex restore get --group-id {GROUP} --cluster {MIGRATED} --restore-job {id}");
    let out = run(cli(&standin.base_url(), &get)).await;
    out.assert_code(0);
    assert_eq!(out.json()["id"], id.as_str());

    let list = format!("flex restore list --group-id {GROUP} --cluster {MIGRATED}");
    let out = run(cli(&standin.base_url(), &list)).await;
    out.assert_code(0);
    assert_eq!(out.json()["results"][0]["id"], id.as_str());

    let out = run(cli(&standin.base_url(), &format!("-o table {list}"))).await;
    out.assert_code(0);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(
        lines[0].starts_with("ID") && lines[0].contains("SNAPSHOT"),
        "{out:#?}"
    );
    assert!(
        lines[1].starts_with(&id) && lines[1].contains(FLEX),
        "{out:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restore_job_is_created_from_flags_and_flags_override_the_file() {
    let standin = world().await;
    let snapshot = sample::migrated_flex_snapshot_in(GROUP, MIGRATED, 5);
    let id = snapshot["id"].as_str().expect("an id");
    let create = format!("flex restore create --group-id {GROUP} --cluster {MIGRATED}");
    let sent = |standin: &StandIn| -> Value {
        let requests = standin.requests();
        let post = requests
            .iter()
            .rev()
            .find(|r| r.method == "POST")
            .expect("the POST");
        serde_json::from_slice(&post.body).expect("a JSON body")
    };

    // The body from flags alone.
    let flags = format!("{create} --snapshot {id} --target-deployment-item-name {FLEX}");
    run(cli(&standin.base_url(), &flags)).await.assert_code(0);
    assert_eq!(
        sent(&standin),
        json!({"snapshotId": id, "targetDeploymentItemName": FLEX})
    );

    // A flag replaces the field the file gives and keeps the others.
    let file =
        json!({"snapshotId": sample::snapshot_id(0x6571, 5), "targetDeploymentItemName": "Other1"});
    let out = with_body(
        &standin,
        &format!("{create} --target-deployment-item-name {FLEX}"),
        &file,
    )
    .await;
    out.assert_code(0);
    assert_eq!(sent(&standin)["targetDeploymentItemName"], FLEX);
    assert_eq!(sent(&standin)["snapshotId"], file["snapshotId"]);
    let before = standin.request_count();

    // A value off the spec's pattern is refused by the body type, before sending.
    let bad = run(cli(
        &standin.base_url(),
        &format!("{create} --snapshot not-a-snapshot-id --target-deployment-item-name {FLEX}"),
    ))
    .await;
    bad.assert_code(2);
    assert!(bad.stderr.contains("snapshotId"), "{bad:#?}");
    // Fields cannot be set in a body that is not an object.
    let not_object = with_body(&standin, &format!("{create} --snapshot {id}"), &json!([1])).await;
    not_object.assert_code(2);
    assert!(
        not_object.stderr.contains("not a JSON object"),
        "{not_object:#?}"
    );
    // Neither a file nor a field: the message names both ways.
    let none = run(cli(&standin.base_url(), &create)).await;
    none.assert_code(2);
    assert!(
        none.stderr.contains("give --file, or its fields (--snapshot, --target-deployment-item-name, --target-project-id)"),
        "{none:#?}"
    );
    assert_eq!(standin.request_count(), before, "nothing more was sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn flex_download_hands_out_a_link() {
    let standin = world().await;
    let snapshot = sample::migrated_flex_snapshot_in(GROUP, MIGRATED, 4);
    let args = format!("flex download --group-id {GROUP} --cluster {MIGRATED}");

    let out = with_body(&standin, &args, &json!({"snapshotId": snapshot["id"]})).await;

    out.assert_code(0);
    let job = out.json();
    assert_eq!(job["deliveryType"], "DOWNLOAD", "{job}");
    let url = job["snapshotUrl"].as_str().expect("snapshotUrl");
    assert!(url.starts_with(&standin.base_url()), "{url}");
}

#[tokio::test(flavor = "multi_thread")]
async fn serverless_restore_says_it_is_deprecated_and_names_flex_after_the_sunset() {
    let standin = world().await;
    let snapshot = sample::serverless_snapshot_in(GROUP, MIGRATED, 5);
    let body = json!({
        "deliveryType": "automated",
        "snapshotId": snapshot["id"],
        "targetClusterName": LEGACY,
        "targetGroupId": GROUP,
    });
    let create = format!("serverless restore create --group-id {GROUP} --cluster {MIGRATED}");

    let out = with_body(&standin, &create, &body).await;
    out.assert_code(0);
    assert_eq!(out.json()["snapshotId"], snapshot["id"]);
    let warned = warnings(&out);
    assert!(
        warned.len() == 1
            && warned[0].contains("use 'atlas-snapshots flex restore create' instead"),
        "{out:#?}"
    );
    let list = format!("serverless restore list --group-id {GROUP} --cluster {MIGRATED}");
    let out = run(cli(&standin.base_url(), &list)).await;
    out.assert_code(0);
    assert_eq!(out.json()["results"].as_array().map(Vec::len), Some(1));

    let help = run(cli(&standin.base_url(), "serverless restore create --help")).await;
    assert!(
        help.stdout.contains("(deprecated)") && help.stdout.contains("sunset 2026-01-22"),
        "{help:#?}"
    );

    standin.set_today(Some("2026-01-23")).expect("a date");
    let out = with_body(&standin, &create, &body).await;
    out.assert_code(3);
    assert!(
        out.stderr.contains("hint: createServerlessRestoreJob is gone; use 'atlas-snapshots flex restore create' instead"),
        "{out:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unusable_bodies_exit_2_before_anything_is_sent() {
    let standin = world().await;
    let create = format!("flex restore create --group-id {GROUP} --cluster {MIGRATED}");
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let big = dir.join(format!("cli-domain-big-{}.json", std::process::id()));
    std::fs::write(&big, vec![b' '; 1024 * 1024 + 1]).expect("write the big body");

    let cases: Vec<(Run, &str)> = vec![
        (with_body(&standin, &create, &json!("not an object")).await, "invalid --file"),
        (
            {
                let mut cmd = cli(&standin.base_url(), &format!("{create} --file -"));
                cmd.write_stdin("{\"snapshotId\": ");
                run(cmd).await
            },
            "not JSON",
        ),
        (
            run(cli(&standin.base_url(), &format!("{create} --file {}", big.display()))).await,
            "larger than 1024 KiB",
        ),
        (
            run(cli(&standin.base_url(), &format!("{create} --file {}/missing.json", dir.display()))).await,
            "missing.json",
        ),
        // A field the body type does not have (request bodies are strict).
        (
            with_body(&standin, &create, &json!({"snapshotId": sample::snapshot_id(0x6571, 5), "targetDeploymentItemName": FLEX, "extra": 1})).await,
            "extra",
        ),
        (run(cli(&standin.base_url(), &create)).await, "give --file"),
    ];
    let _ = std::fs::remove_file(&big);
    for (out, named) in cases {
        out.assert_code(2);
        assert!(out.stderr.contains(named), "{named:?}: {out:#?}");
    }
    assert_eq!(standin.request_count(), 0, "{:#?}", standin.requests());
}
