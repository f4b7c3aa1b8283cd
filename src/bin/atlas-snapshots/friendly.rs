//! The friendly commands (`flex get`, `serverless list`, ...), one per operation that
//! has command words (`catalog::command_words`), with flags spelled by the parameters'
//! shared types (`--group-id`, `--cluster`, `--snapshot`) and, for lists, `--page-size`,
//! `--page-num` and `--all`.

use atlas_snapshots::Operation;
use clap::{Arg, ArgAction, ArgMatches, Command};

use crate::{Failure, api, catalog, invoke::Value, parameters};

/// What each group of commands is about: curated docs, by the words that lead to it.
const GROUPS: &[(&[&str], &str)] = &[
    (
        &["serverless"],
        "Snapshots of a Serverless instance (deprecated by Atlas: use `flex`).",
    ),
    (
        &["serverless", "instances"],
        "Serverless instances (deprecated by Atlas: use `clusters`).",
    ),
    (
        &["serverless", "restore"],
        "Restore jobs of a Serverless instance (deprecated by Atlas: use `flex restore`).",
    ),
    (&["flex"], "Snapshots of a Flex cluster."),
    (&["flex", "restore"], "Restore jobs of a Flex cluster."),
    (&["clusters"], "Flex clusters."),
];

const ALL: &str = "all";
/// Items per page when none is asked for: one page of 100, or `--all` in pages of 500
/// (fewest round trips).
const PAGE_SIZE: u32 = 100;
const ALL_PAGE_SIZE: u32 = 500;

/// Adds every friendly command to `root`, grouped by their leading words, in table order.
pub fn add(root: Command) -> Command {
    let mut tree = Node::default();
    for (op, words) in catalog::friendly() {
        let mut node = &mut tree;
        for word in words {
            let at = match node.children.iter().position(|(w, _)| w == word) {
                Some(at) => at,
                None => {
                    node.children.push((word, Node::default()));
                    node.children.len() - 1
                }
            };
            node = &mut node.children[at].1;
        }
        node.operation = Some(op);
    }
    tree.children.iter().fold(root, |root, (word, node)| {
        root.subcommand(node.command(word, &[]))
    })
}

#[derive(Default)]
struct Node {
    operation: Option<&'static Operation>,
    children: Vec<(&'static str, Node)>,
}

impl Node {
    fn command(&self, word: &'static str, path: &[&'static str]) -> Command {
        if let Some(op) = self.operation {
            return leaf(word, op);
        }
        let mut here = path.to_vec();
        here.push(word);
        let about = GROUPS
            .iter()
            .find(|(words, _)| *words == here.as_slice())
            .map_or("", |(_, about)| about);
        let group = Command::new(word).about(about).subcommand_required(true);
        self.children.iter().fold(group, |group, (w, node)| {
            group.subcommand(node.command(w, &here))
        })
    }
}

fn leaf(word: &'static str, op: &'static Operation) -> Command {
    let mut about = op.summary.to_owned();
    if catalog::is_list(op) {
        about.push_str(": one page, or every page with --all");
    }
    if op.deprecated {
        about.push_str(" (deprecated)");
    }
    let mut long_about = format!(
        "{about}.\n\nThe same as `atlas-snapshots api {} {}`.",
        catalog::tag(op),
        op.id
    );
    if let Some(lifecycle) = api::lifecycle(op) {
        long_about.push_str("\n\n");
        long_about.push_str(&lifecycle);
    }
    let mut command = Command::new(word).about(about).long_about(long_about);
    for parameter in catalog::friendly_parameters(op) {
        let mut arg = parameters::arg(parameter, catalog::friendly_flag(parameter));
        if parameter.name == "itemsPerPage" {
            let help = format!(
                "Items per request, 1 to 500 (default {PAGE_SIZE}, or {ALL_PAGE_SIZE} with --all)"
            );
            arg = arg.help(help.clone()).long_help(help);
        }
        if parameter.name == "pageNum" {
            arg = arg.conflicts_with(ALL);
        }
        command = command.arg(arg);
    }
    if catalog::is_list(op) {
        command = command.arg(
            Arg::new(ALL)
                .long(ALL)
                .action(ArgAction::SetTrue)
                .help("Fetch every page and print all items as one list"),
        );
    }
    if op.request_body.is_some() {
        for field in op.body_fields {
            command = command.arg(parameters::body_arg(field, catalog::body_flag(field)));
        }
        command = command.arg(parameters::file_arg(!op.body_fields.is_empty()));
    }
    command
}

/// What a friendly command line asks for.
pub struct Request {
    pub call: crate::invoke::Call,
    /// `--all`, with its page size.
    pub all: Option<u32>,
}

/// The friendly command `name` + `matches` lead to, if any.
pub fn request(name: &str, matches: &ArgMatches) -> Option<Result<Request, Failure>> {
    let (words, leaf) = catalog::typed_words(name, matches);
    let (op, _) = catalog::friendly().find(|(_, w)| *w == words.as_slice())?;
    let mut call = match parameters::call(op, catalog::friendly_parameters(op), leaf) {
        Ok(call) => call,
        Err(failure) => return Some(Err(failure)),
    };
    let all = leaf
        .try_get_one::<bool>(ALL)
        .ok()
        .flatten()
        .copied()
        .unwrap_or(false);
    let size = call.arguments.iter().find_map(|(name, value)| match value {
        Value::Number(n) if *name == "itemsPerPage" => Some(*n),
        _ => None,
    });
    let all = all.then(|| size.unwrap_or(ALL_PAGE_SIZE));
    // One page is the first unless --page-num says otherwise, of the default size.
    if catalog::is_list(op) && all.is_none() {
        if size.is_none() {
            call.arguments
                .push(("itemsPerPage", Value::Number(PAGE_SIZE)));
        }
        if !call.arguments.iter().any(|(name, _)| *name == "pageNum") {
            call.arguments.push(("pageNum", Value::Number(1)));
        }
    }
    Some(Ok(Request { call, all }))
}
