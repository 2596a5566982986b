//! The pass-through operations, expanded from the core's table
//! ([`colonykit::for_each_operation!`]): [`NativeClient::call`] runs one by name, with one JSON
//! text per argument in the row's order (`null` for an optional one left out, which takes the
//! row's default), and resolves to the result as JSON text (see [`crate::output`]).
//! [`operations`] describes the rows to the JS layer (`index.js`), which builds one `Client`
//! method per row from it, with the argument checks that fit each row's types.

use napi::bindgen_prelude::PromiseRaw;
use napi::Env;
use napi_derive::napi;
use serde::Serialize;

use colonykit::operations::prelude::*;
use colonykit::operations::OPERATIONS;

use crate::convert::{count_u32, process_state};
use crate::error::{invalid_argument, IntoNapi};
use crate::json::{from_json, to_json};
use crate::output::Output;
use crate::{call_promise, NativeClient};

/// An argument of the table, from the JSON text the JS layer made of it.
trait FromArg: Sized {
    fn from_arg(text: &str, what: &str) -> napi::Result<Self>;
}

/// Types that are read as serde reads them.
macro_rules! serde_args {
    ($($type:ty),*) => {$(
        impl FromArg for $type {
            fn from_arg(text: &str, what: &str) -> napi::Result<Self> {
                from_json(text, what)
            }
        }
    )*};
}

serde_args!(String, bool, i64, Value, Vec<Value>, Vec<String>);
colonykit::for_each_record_argument!(serde_args);

/// Counts and limits: a non-negative integer.
impl FromArg for u32 {
    fn from_arg(text: &str, what: &str) -> napi::Result<Self> {
        count_u32(from_json(text, what)?, what)
    }
}

/// A state by name, in any case.
impl FromArg for ProcessState {
    fn from_arg(text: &str, what: &str) -> napi::Result<Self> {
        process_state(&from_json::<String>(text, what)?)
    }
}

/// A state, or `null` (every state but running).
impl FromArg for Option<ProcessState> {
    fn from_arg(text: &str, what: &str) -> napi::Result<Self> {
        from_json::<Option<String>>(text, what)?
            .as_deref()
            .map(process_state)
            .transpose()
    }
}

fn required<T: FromArg>(arg: Option<&String>, what: &str) -> napi::Result<T> {
    match arg {
        Some(text) => T::from_arg(text, what),
        None => Err(invalid_argument(format!("{what} is required"))),
    }
}

/// An optional argument: `None` when left out (`null`), so that the row's default applies.
fn optional<T: FromArg>(arg: Option<&String>, what: &str) -> napi::Result<Option<T>> {
    match arg.map(String::as_str) {
        None | Some("null") => Ok(None),
        Some(text) => T::from_arg(text, what).map(Some),
    }
}

macro_rules! node_dispatch {
    ($(
        $(#[doc = $doc:literal])*
        fn $name:ident(
            $($arg:ident: $ty:ty),* $(; $($opt:ident: $oty:ty = $default:expr),*)?
        ) -> $reply:ty;
    )*) => {
        /// Runs the operation `name` with `args`; its result as a JSON value.
        #[allow(unused_mut, unused_variables)]
        async fn dispatch(
            client: colonykit::Client,
            name: String,
            args: Vec<String>,
        ) -> napi::Result<Value> {
            match name.as_str() {
                $(stringify!($name) => {
                    let mut args = args.iter();
                    $(let $arg: $ty = required(args.next(), stringify!($arg))?;)*
                    $($(
                        let $opt: $oty = optional(args.next(), stringify!($opt))?
                            .unwrap_or_else(|| $default);
                    )*)?
                    client.$name($($arg.pass(),)* $($($opt.pass()),*)?).await.napi()?.wire()
                })*
                _ => Err(invalid_argument(format!("no operation {name:?}"))),
            }
        }
    };
}

colonykit::for_each_operation!(node_dispatch);

#[napi]
impl NativeClient {
    /// Runs the pass-through operation `name` (snake_case, as in the core's table) with `args`,
    /// one JSON text per argument; resolves to the result as JSON text (`null` for none).
    #[napi(catch_unwind)]
    pub fn call<'env>(
        &self,
        env: &'env Env,
        name: String,
        args: Vec<String>,
    ) -> napi::Result<PromiseRaw<'env, String>> {
        let client = self.inner.clone();
        call_promise(env, None, async move {
            to_json(&dispatch(client, name, args).await?)
        })
    }
}

// (Only JS calls `operations`: a test build of this crate sees it unused.)
#[derive(Serialize)]
#[cfg_attr(test, allow(dead_code))]
struct Row {
    name: &'static str,
    args: Vec<Arg>,
}

#[derive(Serialize)]
#[cfg_attr(test, allow(dead_code))]
struct Arg {
    name: &'static str,
    #[serde(rename = "type")]
    ty: String,
    optional: bool,
}

/// The core's table of pass-through operations, as JSON text: `[{ name, args: [{ name, type,
/// optional }] }]`, names in snake_case, types as the table writes them (`Option<ProcessState>`).
#[napi(catch_unwind)]
#[cfg_attr(test, allow(dead_code))]
pub fn operations() -> napi::Result<String> {
    let rows: Vec<Row> = OPERATIONS
        .iter()
        .map(|operation| Row {
            name: operation.name,
            args: operation
                .arguments
                .iter()
                .map(|argument| Arg {
                    name: argument.name,
                    ty: argument.ty.replace(' ', ""),
                    optional: argument.default.is_some(),
                })
                .collect(),
        })
        .collect();
    to_json(&rows)
}
