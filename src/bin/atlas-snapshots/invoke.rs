//! One call of any operation from its arguments, as both command forms (`api` and the
//! friendly commands) build it, made through the library's `Client::invoke`.

use atlas_snapshots::{
    Client, Invocation, JsonPage, Operation, Paginated, Parameter, ParameterLocation, Response,
};

use crate::Failure;

/// A parameter's value, typed as the operation table declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Text(String),
    Bool(bool),
    Number(u32),
}

/// What to call and with what. No `Debug`: the body is the user's data, and has no
/// business in a log.
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

    /// The library's invocation of it. `pretty` is not passed on: it changes only the
    /// whitespace, and the output is indented anyway.
    fn invocation(&self) -> Invocation {
        let mut invocation = Invocation::new(self.operation);
        for (name, value) in self.arguments.iter().filter(|(name, _)| *name != "pretty") {
            let text = match value {
                Value::Text(text) => text.clone(),
                Value::Bool(b) => b.to_string(),
                Value::Number(n) => n.to_string(),
            };
            invocation = invocation.argument(name, text);
        }
        match &self.body {
            Some(body) => invocation.body(body.clone()),
            None => invocation,
        }
    }
}

/// Whether `parameter` is the project: optional on the command line, since the
/// environment or a profile can name it.
pub fn is_group(parameter: &Parameter) -> bool {
    parameter.location == ParameterLocation::Path && parameter.rust_type == "GroupId"
}

/// Calls the operation once; the answer's body is Atlas's text (envelope unwrapped).
/// Every value is checked by the library (patterns, ranges, the body's type) before
/// anything is sent.
pub async fn send(client: &Client, call: &Call) -> Result<Response<()>, Failure> {
    Ok(client.invoke(call.invocation()).await?)
}

/// Every page of a list operation through the library's paging (which decides when to
/// stop, and fails on a repeated page or after its page limit).
pub fn pages(client: &Client, call: &Call, page_size: u32) -> Paginated<JsonPage> {
    client.invoke_pages(call.invocation()).page_size(page_size)
}
