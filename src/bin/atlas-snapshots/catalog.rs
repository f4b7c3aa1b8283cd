//! The operation table (`atlas_snapshots::operations::ALL`) as the command line names
//! it: Atlas CLI tags and ids for `api`, command words for the friendly commands, flag
//! spellings derived from the parameters' shared types. Nothing here names an operation.

use atlas_snapshots::{BodyField, Operation, Parameter, ParameterLocation, operations};
use clap::ArgMatches;

/// The words of `op`'s friendly command (the manifest's `cli:`), if it has one.
pub fn command_words(op: &Operation) -> Option<&'static [&'static str]> {
    op.command
}

/// Every operation with a friendly command, in table order.
pub fn friendly() -> impl Iterator<Item = (&'static Operation, &'static [&'static str])> {
    operations::ALL
        .iter()
        .filter_map(|op| Some((*op, command_words(op)?)))
}

/// The friendly command line of `op`, e.g. `atlas-snapshots flex get`.
pub fn friendly_command(op: &Operation) -> Option<String> {
    command_words(op).map(|words| format!("atlas-snapshots {}", words.join(" ")))
}

/// The command that calls `op` as a user should type it: its friendly command, else
/// its `api` form.
pub fn command_line(op: &Operation) -> String {
    friendly_command(op).unwrap_or_else(|| format!("atlas-snapshots api {} {}", tag(op), op.id))
}

/// The operation's tag as the Atlas CLI writes it (`cloudBackups`, `flexSnapshots`):
/// the spec's tag in lower camel case.
pub fn tag(op: &Operation) -> String {
    camel(op.tag)
}

/// `Cloud-Backups` or `Cloud Backups` as `cloudBackups`.
fn camel(words: &str) -> String {
    let mut out = String::with_capacity(words.len());
    for (i, word) in words
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .enumerate()
    {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            if i == 0 {
                out.push(first.to_ascii_lowercase());
            } else {
                out.push(first.to_ascii_uppercase());
            }
            out.extend(chars);
        }
    }
    out
}

/// Query parameters every call takes, which the friendly commands set otherwise
/// (`--envelope` is global, and the output is indented anyway) or never need.
const NOT_FRIENDLY: [&str; 3] = ["envelope", "pretty", "includeCount"];

/// The parameters a friendly command offers as flags.
pub fn friendly_parameters(op: &Operation) -> impl Iterator<Item = &'static Parameter> {
    op.parameters
        .iter()
        .filter(|p| !NOT_FRIENDLY.contains(&p.name))
}

/// A friendly flag's long name: by the parameter's shared type for path parameters
/// (one spelling for a group id wherever it appears), else the wire name in kebab case.
pub fn friendly_flag(parameter: &Parameter) -> String {
    let by_type = match (parameter.location, parameter.rust_type) {
        (ParameterLocation::Path, "GroupId") => Some("group-id"),
        // A Serverless instance's name is spelled like a cluster's in the snapshot
        // commands already, so `serverless instances get` takes `--cluster` too.
        (ParameterLocation::Path, "ClusterName" | "ServerlessName") => Some("cluster"),
        (ParameterLocation::Path, "SnapshotId") => Some("snapshot"),
        (ParameterLocation::Path, "RestoreJobId") => Some("restore-job"),
        (ParameterLocation::Query, _) if parameter.name == "itemsPerPage" => Some("page-size"),
        _ => None,
    };
    by_type.map_or_else(|| kebab(parameter.name), str::to_owned)
}

/// A body field's long flag: the spelling a path parameter of the same name has
/// (`snapshotId` is `--snapshot` wherever it appears), else the wire name in kebab case.
pub fn body_flag(field: &BodyField) -> String {
    operations::ALL
        .iter()
        .flat_map(|op| op.parameters)
        .find(|p| p.location == ParameterLocation::Path && p.name == field.name)
        .map_or_else(|| kebab(field.name), friendly_flag)
}

/// `pageNum` as `page-num`, `pointInTimeUTCSeconds` as `point-in-time-utc-seconds`; a
/// trailing `Id` stays (`restoreJobId` as `restore-job-id`).
fn kebab(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let after_lower = i > 0 && !chars[i - 1].is_ascii_uppercase();
            // The last capital of a run starts the next word: `UTCSeconds`.
            let ends_run = i > 0
                && chars[i - 1].is_ascii_uppercase()
                && chars.get(i + 1).is_some_and(char::is_ascii_lowercase);
            if after_lower || ends_run {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether the operation lists pages that `--all` can walk.
pub fn is_list(op: &Operation) -> bool {
    op.page_item.is_some()
}

/// The words of the subcommand `name` + `matches` named (`flex restore get`), and the
/// matches of its last word, where its flags are.
pub fn typed_words<'a>(name: &'a str, matches: &'a ArgMatches) -> (Vec<&'a str>, &'a ArgMatches) {
    let mut words = vec![name];
    let mut leaf = matches;
    while let Some((word, sub)) = leaf.subcommand() {
        words.push(word);
        leaf = sub;
    }
    (words, leaf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_lower_camel_case() {
        assert_eq!(camel("Cloud-Backups"), "cloudBackups");
        assert_eq!(camel("Cloud Backups"), "cloudBackups");
        assert_eq!(camel("Flex-Snapshots"), "flexSnapshots");
        assert_eq!(
            tag(&operations::GET_SERVERLESS_BACKUP_SNAPSHOT),
            "cloudBackups"
        );
    }

    #[test]
    fn flags_follow_the_shared_types() {
        let op = &operations::LIST_FLEX_BACKUP_SNAPSHOTS;
        let flags: Vec<String> = friendly_parameters(op).map(friendly_flag).collect();
        assert_eq!(flags, ["group-id", "cluster", "page-size", "page-num"]);
        assert_eq!(kebab("restoreJobId"), "restore-job-id");
        assert_eq!(kebab("pointInTimeUTCSeconds"), "point-in-time-utc-seconds");
        assert_eq!(kebab("mongoDBVersion"), "mongo-db-version");
    }

    #[test]
    fn body_flags_spell_an_id_as_its_path_parameter_does() {
        let create = &operations::CREATE_SERVERLESS_RESTORE_JOB;
        let flags: Vec<String> = create.body_fields.iter().map(body_flag).collect();
        assert_eq!(
            flags,
            [
                "delivery-type",
                "oplog-inc",
                "oplog-ts",
                "point-in-time-utc-seconds",
                "snapshot",
                "target-cluster-name",
                "target-group-id",
            ]
        );
    }
}
