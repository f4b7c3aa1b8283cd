//! `atlas-snapshots api <tag> <operationId>`: every operation of the table, named and
//! flagged as the Atlas CLI's `atlas api` names it, built when the program starts.

use atlas_snapshots::{Operation, operations};
use clap::{Arg, ArgMatches, Command};

use crate::{Failure, catalog, invoke::Call, parameters};

/// Parameters the `api` form does not offer per operation: `--envelope` is the global
/// flag of the same name, so every command spells it alike.
const GLOBAL: [&str; 1] = ["envelope"];

/// The `api` command with one subcommand per tag, one per operation under it.
pub fn command() -> Command {
    let mut tags: Vec<String> = operations::ALL.iter().map(|op| catalog::tag(op)).collect();
    tags.sort();
    tags.dedup();
    let mut api = Command::new("api")
        .about("Call any operation as the Atlas CLI's `atlas api` does: api <tag> <operationId>")
        .long_about(
            "Call any operation as the Atlas CLI's `atlas api` does: `api <tag> <operationId>`, \
             with the spec's parameter names as flags (--groupId, --clusterName, ...). \
             Operation ids are Atlas's short ids (getServerlessBackupSnapshot); the spec's \
             current ids (getGroupServerlessBackupSnapshot) are accepted too. \
             The output is the body as Atlas sent it.",
        )
        .subcommand_required(true);
    for tag in tags {
        let mut group = Command::new(tag.clone())
            .about(format!("Operations tagged {tag}"))
            .subcommand_required(true);
        for op in operations::ALL.iter().filter(|op| catalog::tag(op) == tag) {
            group = group.subcommand(operation(op));
        }
        api = api.subcommand(group);
    }
    api
}

fn operation(op: &'static Operation) -> Command {
    let mut command = Command::new(op.id)
        .alias(op.spec_id)
        .about(about(op))
        .long_about(long_about(op));
    for parameter in op.parameters.iter().filter(|p| !GLOBAL.contains(&p.name)) {
        let mut arg = parameters::arg(parameter, parameter.name);
        if parameter.name == "pretty" {
            // The library never sends it (it changes only whitespace).
            let help = "Accepted for the Atlas CLI's command lines; the JSON output is indented either way";
            arg = arg.help(help).long_help(help);
        }
        command = command.arg(arg);
    }
    command = command.arg(
        Arg::new(parameters::API_VERSION)
            .long("version")
            .value_name("YYYY-MM-DD")
            .value_parser(op.versions.to_vec())
            .default_value(op.version)
            .help("The API version (only the operation's known versions)"),
    );
    if op.request_body.is_some() {
        command = command.arg(parameters::file_arg(false));
    }
    command
}

fn about(op: &Operation) -> String {
    if op.deprecated {
        format!("{} (deprecated)", op.summary)
    } else {
        op.summary.to_owned()
    }
}

/// The operation's `--help` text, from the spec.
fn long_about(op: &Operation) -> String {
    let mut text = format!("{}\n\n", op.summary);
    if let Some(description) = op.description {
        text.push_str(description.trim());
        text.push_str("\n\n");
    }
    text.push_str(&format!(
        "{} {} (API version {}; spec id {})\n",
        op.http_method, op.path, op.version, op.spec_id
    ));
    if !op.roles.is_empty() {
        text.push_str(&format!(
            "Required role (any one): {}\n",
            op.roles.join(", ")
        ));
    }
    if let Some(words) = catalog::friendly_command(op) {
        text.push_str(&format!("The same as `{words}`.\n"));
    }
    if let Some(lifecycle) = lifecycle(op) {
        text.push('\n');
        text.push_str(&lifecycle);
        text.push('\n');
    }
    if let Some(url) = op.docs_url {
        text.push_str(&format!("\nDocumentation: {url}"));
    }
    text
}

/// "Deprecated; sunset ...; after the sunset, use ... instead", for any command's help.
pub fn lifecycle(op: &Operation) -> Option<String> {
    if !op.deprecated && op.sunset.is_none() {
        return None;
    }
    let mut text = String::from(if op.deprecated {
        "Deprecated by Atlas"
    } else {
        "Atlas ends this version"
    });
    if let Some(date) = op.sunset {
        text.push_str(&format!("; sunset {date}: after it Atlas answers 410 Gone"));
    }
    if let Some(successor) = op.successor_operation() {
        text.push_str(&format!(
            ". Use `{}` (`atlas-snapshots api {} {}`) instead",
            catalog::command_line(successor),
            catalog::tag(successor),
            successor.id
        ));
    }
    text.push('.');
    Some(text)
}

/// The operation an `api <tag> <operationId>` command line names, and its call.
pub fn call(matches: &ArgMatches) -> Option<Result<Call, Failure>> {
    let (tag, tag_matches) = matches.subcommand()?;
    let (id, op_matches) = tag_matches.subcommand()?;
    let op = operations::ALL
        .iter()
        .copied()
        .find(|op| op.id == id && catalog::tag(op) == tag)?;
    if let Some(version) = op_matches.get_one::<String>(parameters::API_VERSION)
        && version != op.version
    {
        return Some(Err(Failure::Input(format!(
            "--version {version}: this build calls {} at version {} only",
            op.id, op.version
        ))));
    }
    let parameters = op.parameters.iter().filter(|p| !GLOBAL.contains(&p.name));
    Some(parameters::call(op, parameters, op_matches))
}
