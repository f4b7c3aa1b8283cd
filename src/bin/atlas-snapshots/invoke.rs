//! One call of any operation from its arguments, as both command forms (`api` and the
//! friendly commands) build it.
//!
//! `send` and `pages` are the only places that reach the library per operation: they
//! call the generated typed methods (which check every value against the spec), so
//! this is where the library's generic `Client::invoke` takes over once it exists.

use atlas_snapshots::{
    Client, Operation, Page, Parameter, ParameterLocation, Response, Result as AtlasResult,
    operations,
};
use futures::{Stream, StreamExt, TryStreamExt, stream::BoxStream};

use crate::Failure;

/// A parameter's value, typed as the operation table declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Text(String),
    Bool(bool),
    Number(u32),
}

/// What to call and with what.
#[derive(Debug)]
pub struct Call {
    pub operation: &'static Operation,
    /// By wire name, in the operation's parameter order.
    pub arguments: Vec<(&'static str, Value)>,
    /// A request body (JSON) read from `--file`.
    pub body: Option<Vec<u8>>,
}

impl Call {
    fn value(&self, name: &str) -> Option<&Value> {
        self.arguments
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
    }

    /// The path arguments in path order (clap requires each, so none is missing).
    fn path(&self) -> Vec<&str> {
        self.operation
            .parameters
            .iter()
            .filter(|p| p.location == ParameterLocation::Path)
            .map(|p| match self.value(p.name) {
                Some(Value::Text(text)) => text.as_str(),
                _ => "",
            })
            .collect()
    }

    /// Fills in the project (the operation's `GroupId` path parameter) through
    /// `resolve`, which gets the flag's value if one was given and otherwise finds the
    /// default (`MONGODB_ATLAS_PROJECT_ID`, the profile's `project_id`).
    pub fn default_group(
        &mut self,
        resolve: impl FnOnce(Option<&str>) -> Result<String, atlas_snapshots::Error>,
    ) -> Result<(), Failure> {
        let Some(parameter) = self.operation.parameters.iter().find(|p| is_group(p)) else {
            return Ok(());
        };
        let given = match self.value(parameter.name) {
            Some(Value::Text(text)) => Some(text.as_str()),
            _ => None,
        };
        let group = resolve(given)?;
        self.arguments.retain(|(name, _)| *name != parameter.name);
        self.arguments.push((parameter.name, Value::Text(group)));
        Ok(())
    }

    fn number(&self, name: &str) -> Option<u32> {
        match self.value(name) {
            Some(Value::Number(n)) => Some(*n),
            _ => None,
        }
    }

    fn flag(&self, name: &str) -> Option<bool> {
        match self.value(name) {
            Some(Value::Bool(b)) => Some(*b),
            _ => None,
        }
    }
}

/// Whether `parameter` is the project: optional on the command line, since the
/// environment or a profile can name it.
pub fn is_group(parameter: &Parameter) -> bool {
    parameter.location == ParameterLocation::Path && parameter.rust_type == "GroupId"
}

/// One fetched page as the output needs it.
pub struct RawPage {
    pub page_num: u32,
    pub items: usize,
    pub total_count: Option<i64>,
    pub body: bytes::Bytes,
}

fn raw<T>(page: Page<T>) -> RawPage {
    RawPage {
        page_num: page.page_num,
        items: page.items.len(),
        total_count: page.total_count,
        body: page.body,
    }
}

fn meta<T>(result: AtlasResult<Response<T>>) -> Result<Response<()>, Failure> {
    Ok(result?.into_parts().1)
}

macro_rules! list_options {
    ($options:ty, $call:expr) => {{
        let mut options = <$options>::default();
        if let Some(v) = $call.flag("includeCount") {
            options = options.include_count(v);
        }
        if let Some(v) = $call.number("itemsPerPage") {
            options = options.items_per_page(v);
        }
        if let Some(v) = $call.number("pageNum") {
            options = options.page_num(v);
        }
        options
    }};
}

/// Calls the operation once; the answer's body is Atlas's text (envelope unwrapped).
// Calling deprecated operations is what the Serverless commands are for.
#[allow(deprecated)]
pub async fn send(client: &Client, call: &Call) -> Result<Response<()>, Failure> {
    use atlas_snapshots::options::{
        ListFlexBackupSnapshotsOptions, ListServerlessBackupSnapshotsOptions,
    };
    let op = call.operation;
    // No typed method here takes a body; a create goes through `Client::invoke`.
    if call.body.is_some() {
        return Err(Failure::Unsupported(op.id));
    }
    let path = call.path();
    if op == &operations::GET_SERVERLESS_BACKUP_SNAPSHOT {
        meta(
            client
                .get_serverless_backup_snapshot(path[0], path[1], path[2])
                .await,
        )
    } else if op == &operations::LIST_SERVERLESS_BACKUP_SNAPSHOTS {
        let options = list_options!(ListServerlessBackupSnapshotsOptions, call);
        meta(
            client
                .list_serverless_backup_snapshots(path[0], path[1], options)
                .await,
        )
    } else if op == &operations::GET_FLEX_BACKUP_SNAPSHOT {
        meta(
            client
                .get_flex_backup_snapshot(path[0], path[1], path[2])
                .await,
        )
    } else if op == &operations::LIST_FLEX_BACKUP_SNAPSHOTS {
        let options = list_options!(ListFlexBackupSnapshotsOptions, call);
        meta(
            client
                .list_flex_backup_snapshots(path[0], path[1], options)
                .await,
        )
    } else {
        Err(Failure::Unsupported(op.id))
    }
}

/// Every page of a list operation through the library's paging stream (which decides
/// when to stop, and fails on a repeated page or after its page limit).
#[allow(deprecated)]
pub fn pages(
    client: &Client,
    call: &Call,
    page_size: u32,
) -> Result<BoxStream<'static, AtlasResult<RawPage>>, Failure> {
    fn boxed<T: Send + 'static>(
        pages: impl Stream<Item = AtlasResult<Page<T>>> + Send + 'static,
    ) -> BoxStream<'static, AtlasResult<RawPage>> {
        pages.map_ok(raw).boxed()
    }
    let op = call.operation;
    let path = call.path();
    if op == &operations::LIST_SERVERLESS_BACKUP_SNAPSHOTS {
        let pages = client.serverless_backup_snapshots(path[0], path[1]);
        Ok(boxed(pages.page_size(page_size).pages()))
    } else if op == &operations::LIST_FLEX_BACKUP_SNAPSHOTS {
        let pages = client.flex_backup_snapshots(path[0], path[1]);
        Ok(boxed(pages.page_size(page_size).pages()))
    } else {
        Err(Failure::Unsupported(op.id))
    }
}
