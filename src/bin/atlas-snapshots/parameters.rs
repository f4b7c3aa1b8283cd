//! Flags from the operation table's parameters, and the call they make, for both
//! command forms: clap checks types, ranges and required flags; the library then checks
//! every value against the spec's pattern before anything is sent.

use std::io::Read;

use atlas_snapshots::{BodyField, Operation, Parameter};
use clap::{Arg, ArgMatches};

use crate::{
    Failure,
    invoke::{self, Call, Value},
    profile,
};

/// The id of the `api` form's `--version` argument.
pub const API_VERSION: &str = "api-version";
/// The id of `--file`.
pub const FILE: &str = "file";
/// The largest request body `--file` reads.
pub const MAX_BODY_BYTES: u64 = 1024 * 1024;

/// The flag for `parameter`, spelled `long`: the spec's description (its first
/// sentence in `-h`, all of it in `--help`), and its pattern, range and default.
pub fn arg(parameter: &'static Parameter, long: impl Into<clap::builder::Str>) -> Arg {
    let long = long.into();
    let mut facts = Vec::new();
    let arg = Arg::new(parameter.name).long(long.clone());
    let arg = match parameter.rust_type {
        "bool" => arg
            .num_args(0..=1)
            .require_equals(true)
            .default_missing_value("true")
            .value_name("BOOL")
            .value_parser(clap::value_parser!(bool)),
        "u32" => {
            let low = parameter.minimum.unwrap_or(0);
            let high = parameter.maximum.unwrap_or(i64::from(u32::MAX));
            facts.push(match parameter.maximum {
                Some(high) => format!("{low} to {high}"),
                None => format!("at least {low}"),
            });
            arg.value_name("N")
                .value_parser(clap::value_parser!(u32).range(low..=high))
        }
        _ => {
            if let Some(pattern) = parameter.pattern {
                facts.push(format!("matching {pattern}"));
            }
            arg.value_name(value_name(&long))
        }
    };
    // The project may come from the environment or a profile instead.
    let required = parameter.required && !invoke::is_group(parameter);
    if required {
        facts.push("required".to_owned());
    } else if invoke::is_group(parameter) {
        facts.push(format!(
            "default: {}, else the profile's project_id",
            profile::PROJECT_ID
        ));
    }
    let facts = facts.join("; ");
    let name = parameter.name;
    let (help, long_help) = match parameter.description.map(str::trim) {
        Some(text) if !text.is_empty() => {
            let first = first_sentence(text);
            (
                format!("{first} [{facts}]"),
                format!("{text}\n[`{name}`; {facts}]"),
            )
        }
        _ => (format!("`{name}` [{facts}]"), format!("`{name}` [{facts}]")),
    };
    let (help, long_help) = if facts.is_empty() {
        let strip = |t: String| t.replace(" []", "").replace("; ]", "]");
        (strip(help), strip(long_help))
    } else {
        (help, long_help)
    };
    arg.required(required).help(help).long_help(long_help)
}

/// The first sentence of a description, for `-h`, without its full stop.
fn first_sentence(text: &str) -> &str {
    let first = text.split_once(". ").map_or(text, |(first, _)| first);
    first.trim_end_matches('.')
}

/// `--group-id` takes a GROUP_ID, `--clusterName` a CLUSTERNAME.
fn value_name(long: &str) -> String {
    long.to_ascii_uppercase().replace('-', "_")
}

/// `--file`: the request body, which an operation that takes one always requires,
/// unless flags for its fields can give it instead (`fields`).
pub fn file_arg(fields: bool) -> Arg {
    let (required, fact) = match fields {
        true => (false, "the flags above set or replace its fields"),
        false => (true, "required"),
    };
    Arg::new(FILE)
        .long("file")
        .value_name("PATH")
        .required(required)
        .help(format!(
            "The request body (JSON) from a file, or - for stdin; at most {} KiB [{fact}]",
            MAX_BODY_BYTES / 1024
        ))
}

/// The id of a body field's flag, apart from the parameters' (their wire names).
fn body_id(field: &BodyField) -> String {
    format!("body.{}", field.name)
}

/// The flag setting one field of the request body, spelled `long`: typed by the
/// field's JSON type, its closed values offered, the spec's description as help.
pub fn body_arg(field: &'static BodyField, long: String) -> Arg {
    let arg = Arg::new(body_id(field)).long(long.clone());
    let arg = match field.kind {
        "boolean" => arg
            .value_name("BOOL")
            .value_parser(clap::value_parser!(bool)),
        "integer" => arg.value_name("N").value_parser(clap::value_parser!(i64)),
        "number" => arg.value_name("X").value_parser(clap::value_parser!(f64)),
        _ if !field.values.is_empty() => arg
            .value_name(value_name(&long))
            .value_parser(clap::builder::PossibleValuesParser::new(field.values)),
        _ => arg.value_name(value_name(&long)),
    };
    let name = field.name;
    let fact = match field.required {
        true => format!("body field `{name}`; required unless --file gives it"),
        false => format!("body field `{name}`"),
    };
    let text = field.description.map(str::trim).unwrap_or_default();
    let first = first_sentence(text);
    arg.help(format!("{first} [{fact}]"))
        .long_help(format!("{text}\n[{fact}]"))
}

/// The fields `matches` set, as JSON values of their types.
fn body_values(op: &Operation, matches: &ArgMatches) -> Vec<(&'static str, serde_json::Value)> {
    let mut values = Vec::new();
    for field in op.body_fields {
        let id = body_id(field);
        let value = match field.kind {
            "boolean" => get::<bool>(matches, &id).map(serde_json::Value::from),
            "integer" => get::<i64>(matches, &id).map(serde_json::Value::from),
            "number" => get::<f64>(matches, &id).map(serde_json::Value::from),
            _ => get::<String>(matches, &id).map(serde_json::Value::from),
        };
        if let Some(value) = value {
            values.push((field.name, value));
        }
    }
    values
}

/// A flag's value, or `None` when the command has no such flag (the `api` form takes
/// bodies from `--file` only, as the Atlas CLI's does) or it was not given.
fn get<T: Clone + Send + Sync + 'static>(matches: &ArgMatches, id: &str) -> Option<T> {
    matches.try_get_one::<T>(id).ok().flatten().cloned()
}

/// The body `--file` gave (or `{}`), with the fields the flags set put in.
fn with_fields(
    body: Option<Vec<u8>>,
    fields: Vec<(&'static str, serde_json::Value)>,
) -> Result<Vec<u8>, Failure> {
    let mut object = match &body {
        Some(text) => match serde_json::from_slice::<serde_json::Value>(text) {
            Ok(serde_json::Value::Object(object)) => object,
            _ => {
                return Err(Failure::Input(
                    "--file is not a JSON object, so its fields cannot be set by flags".to_owned(),
                ));
            }
        },
        None => serde_json::Map::new(),
    };
    for (name, value) in fields {
        object.insert(name.to_owned(), value);
    }
    serde_json::to_vec(&object).map_err(|e| Failure::Input(format!("the request body: {e}")))
}

/// The call `matches` describe for `op`, over the flags of `parameters`; the body is
/// read here, so a bad one is refused before anything is sent.
pub fn call<'a>(
    op: &'static Operation,
    parameters: impl Iterator<Item = &'a Parameter>,
    matches: &ArgMatches,
) -> Result<Call, Failure> {
    let mut arguments = Vec::new();
    for parameter in parameters {
        let value = match parameter.rust_type {
            "bool" => matches
                .get_one::<bool>(parameter.name)
                .copied()
                .map(Value::Bool),
            "u32" => matches
                .get_one::<u32>(parameter.name)
                .copied()
                .map(Value::Number),
            _ => matches
                .get_one::<String>(parameter.name)
                .cloned()
                .map(Value::Text),
        };
        if let Some(value) = value {
            arguments.push((parameter.name, value));
        }
    }
    let body = match matches.try_get_one::<String>(FILE).ok().flatten() {
        Some(source) => Some(read_body(source)?),
        None => None,
    };
    let fields = body_values(op, matches);
    let body = match fields.is_empty() {
        true => body,
        false => Some(with_fields(body, fields)?),
    };
    if op.request_body.is_some() && body.is_none() {
        let flags: Vec<String> = op
            .body_fields
            .iter()
            .map(|f| format!("--{}", crate::catalog::body_flag(f)))
            .collect();
        return Err(Failure::Input(format!(
            "{} needs a request body: give --file, or its fields ({})",
            op.id,
            flags.join(", ")
        )));
    }
    Ok(Call {
        operation: op,
        arguments,
        body,
    })
}

/// Reads `--file` (a path, or `-` for stdin), at most [`MAX_BODY_BYTES`], as JSON.
fn read_body(source: &str) -> Result<Vec<u8>, Failure> {
    let input = |e: std::io::Error| Failure::Input(format!("--file {source}: {e}"));
    let mut body = Vec::new();
    let limit = MAX_BODY_BYTES + 1;
    if source == "-" {
        std::io::stdin().lock().take(limit).read_to_end(&mut body)
    } else {
        std::fs::File::open(source).and_then(|f| f.take(limit).read_to_end(&mut body))
    }
    .map_err(input)?;
    if body.len() as u64 > MAX_BODY_BYTES {
        return Err(Failure::Input(format!(
            "--file {source}: larger than {} KiB",
            MAX_BODY_BYTES / 1024
        )));
    }
    serde_json::from_slice::<&serde_json::value::RawValue>(&body)
        .map_err(|e| Failure::Input(format!("--file {source}: not JSON: {e}")))?;
    Ok(body)
}
