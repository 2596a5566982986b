//! The protocol's plain request/reply methods, as one table: each line names the native method,
//! its JS arguments (strings, numbers, booleans; objects and JSON values as JSON text) and the
//! core call it makes. The macro turns each line into a `NativeClient` method that resolves to
//! the result as JSON text (see [`crate::output`]); the JS layer (`index.js`) parses it.

use napi::bindgen_prelude::PromiseRaw;
use napi::Env;
use napi_derive::napi;
use serde_json::Value;

use colonykit::{
    Attribute, Blueprint, BlueprintDefinition, Cron, File, Function, FunctionSpec, Generator,
    Location, WorkflowSpec,
};

use crate::convert::{count_u32, count_u64, process_state};
use crate::error::{invalid_argument, IntoNapi};
use crate::json::{from_json, to_json};
use crate::output::Output;
use crate::{promise, NativeClient};

/// A process state, or none (`null`: every state but running).
fn optional_state(name: Option<String>) -> napi::Result<Option<colonykit::ProcessState>> {
    name.as_deref().map(process_state).transpose()
}

/// Unix nanoseconds, from the decimal string the JS layer makes of them.
fn nanos(text: &str, what: &str) -> napi::Result<i64> {
    text.parse()
        .map_err(|_| invalid_argument(format!("{what} must be an integer (Unix nanoseconds)")))
}

/// Seconds, a non-negative integer.
fn seconds(value: f64, what: &str) -> napi::Result<i64> {
    // count_u64 admits at most 2^53: it fits.
    Ok(count_u64(value, what)? as i64)
}

macro_rules! native_methods {
    ($(
        $(#[$doc:meta])*
        fn $name:ident($($arg:ident: $native:ty),*) = |$client:ident| $call:expr;
    )*) => {
        #[napi]
        impl NativeClient {
            $(
                $(#[$doc])*
                #[napi(catch_unwind)]
                pub fn $name<'env>(
                    &self,
                    env: &'env Env,
                    $($arg: $native),*
                ) -> napi::Result<PromiseRaw<'env, String>> {
                    let $client = self.inner.clone();
                    promise(env, None, async move {
                        to_json(&Output::wire($call.await.napi()?)?)
                    })
                }
            )*
        }
    };
}

native_methods! {
    // --- Server, colonies, users, executors -----------------------------------------------------
    fn server_info() = |c| c.server_info();
    fn get_statistics() = |c| c.get_statistics();
    fn get_cluster() = |c| c.get_cluster();
    fn change_server_id(serverid: String) = |c| c.change_server_id(&serverid);
    fn get_colony_statistics(colonyname: String) = |c| c.get_colony_statistics(&colonyname);
    fn change_colony_id(colonyname: String, colonyid: String) =
        |c| c.change_colony_id(&colonyname, &colonyid);
    fn get_user(colonyname: String, name: String) = |c| c.get_user(&colonyname, &name);
    fn get_user_by_id(colonyname: String, userid: String) =
        |c| c.get_user_by_id(&colonyname, &userid);
    fn change_user_id(colonyname: String, userid: String) =
        |c| c.change_user_id(&colonyname, &userid);
    fn get_executor_by_id(colonyname: String, executorid: String) =
        |c| c.get_executor_by_id(&colonyname, &executorid);
    fn report_allocations(colonyname: String, executorname: String, allocations: String) =
        |c| c.report_allocations(
            &colonyname, &executorname, from_json(&allocations, "allocations")?);
    fn update_executor(colonyname: String, executorname: String, capabilities: String) =
        |c| c.update_executor(
            &colonyname, &executorname, from_json(&capabilities, "capabilities")?);
    fn change_executor_id(colonyname: String, executorid: String) =
        |c| c.change_executor_id(&colonyname, &executorid);

    // --- Functions and locations -----------------------------------------------------------------
    fn add_function(func: String) =
        |c| c.add_function(&from_json::<Function>(&func, "function")?);
    fn get_functions(colonyname: String, executorname: String) =
        |c| c.get_functions(&colonyname, &executorname);
    fn remove_function(functionid: String) = |c| c.remove_function(&functionid);
    fn add_location(location: String) =
        |c| c.add_location(&from_json::<Location>(&location, "location")?);
    fn get_locations(colonyname: String) = |c| c.get_locations(&colonyname);
    fn get_location(colonyname: String, name: String) = |c| c.get_location(&colonyname, &name);
    fn remove_location(colonyname: String, name: String) =
        |c| c.remove_location(&colonyname, &name);

    // --- Processes -------------------------------------------------------------------------------
    fn get_process_history(colonyname: String, executorid: String, secs: f64, state: String) =
        |c| c.get_process_history(
            &colonyname, &executorid, seconds(secs, "seconds")?, process_state(&state)?);
    fn remove_all_processes(colonyname: String, state: Option<String>) =
        |c| c.remove_all_processes(&colonyname, optional_state(state)?);
    fn pause_assignments(colonyname: String) = |c| c.pause_assignments(&colonyname);
    fn resume_assignments(colonyname: String) = |c| c.resume_assignments(&colonyname);
    fn get_pause_status(colonyname: String) = |c| c.get_pause_status(&colonyname);

    // --- Workflows -------------------------------------------------------------------------------
    fn submit_workflow(workflow: String) =
        |c| c.submit_workflow(&from_json::<WorkflowSpec>(&workflow, "workflow")?);
    fn get_process_graph(processgraphid: String) = |c| c.get_process_graph(&processgraphid);
    fn get_process_graphs(colonyname: String, state: String, count: f64) =
        |c| c.get_process_graphs(
            &colonyname, process_state(&state)?, count_u32(count, "count")?);
    fn remove_process_graph(processgraphid: String) = |c| c.remove_process_graph(&processgraphid);
    fn remove_all_process_graphs(colonyname: String, state: Option<String>) =
        |c| c.remove_all_process_graphs(&colonyname, optional_state(state)?);
    fn add_child(processgraphid: String, parentprocessid: String, spec: String, insert: bool) =
        |c| c.add_child(
            &processgraphid, &parentprocessid, &from_json::<FunctionSpec>(&spec, "spec")?, insert);
    fn cancel_process_graph(processgraphid: String) = |c| c.cancel_process_graph(&processgraphid);

    // --- Logs and attributes ---------------------------------------------------------------------
    fn add_log(processid: String, message: String) = |c| c.add_log(&processid, &message);
    fn add_executor_log(colonyname: String, executorname: String, message: String) =
        |c| c.add_executor_log(&colonyname, &executorname, &message);
    fn get_logs(colonyname: String, processid: String, count: f64, since: String) =
        |c| c.get_logs(
            &colonyname, &processid, count_u32(count, "count")?, nanos(&since, "since")?);
    fn get_executor_logs(colonyname: String, executorname: String, count: f64, since: String) =
        |c| c.get_executor_logs(
            &colonyname, &executorname, count_u32(count, "count")?, nanos(&since, "since")?);
    fn search_logs(colonyname: String, text: String, days: f64, count: f64) =
        |c| c.search_logs(
            &colonyname, &text, count_u32(days, "days")?, count_u32(count, "count")?);
    fn add_attribute(attribute: String) =
        |c| c.add_attribute(&from_json::<Attribute>(&attribute, "attribute")?);
    fn get_attribute(attributeid: String) = |c| c.get_attribute(&attributeid);

    // --- Crons and generators --------------------------------------------------------------------
    fn add_cron(cron: String) = |c| c.add_cron(&from_json::<Cron>(&cron, "cron")?);
    fn get_cron(cronid: String) = |c| c.get_cron(&cronid);
    fn get_crons(colonyname: String, count: f64) =
        |c| c.get_crons(&colonyname, count_u32(count, "count")?);
    fn run_cron(cronid: String) = |c| c.run_cron(&cronid);
    fn remove_cron(cronid: String) = |c| c.remove_cron(&cronid);
    fn add_generator(generator: String) =
        |c| c.add_generator(&from_json::<Generator>(&generator, "generator")?);
    fn get_generator(generatorid: String) = |c| c.get_generator(&generatorid);
    fn resolve_generator(colonyname: String, generatorname: String) =
        |c| c.resolve_generator(&colonyname, &generatorname);
    fn get_generators(colonyname: String, count: f64) =
        |c| c.get_generators(&colonyname, count_u32(count, "count")?);
    fn pack_generator(generatorid: String, arg: String) = |c| c.pack_generator(&generatorid, &arg);
    fn remove_generator(generatorid: String) = |c| c.remove_generator(&generatorid);

    // --- Blueprints ------------------------------------------------------------------------------
    fn add_blueprint_definition(definition: String) =
        |c| c.add_blueprint_definition(
            &from_json::<BlueprintDefinition>(&definition, "definition")?);
    fn get_blueprint_definition(colonyname: String, name: String) =
        |c| c.get_blueprint_definition(&colonyname, &name);
    fn get_blueprint_definitions(colonyname: String) = |c| c.get_blueprint_definitions(&colonyname);
    fn remove_blueprint_definition(colonyname: String, name: String) =
        |c| c.remove_blueprint_definition(&colonyname, &name);
    fn add_blueprint(blueprint: String) =
        |c| c.add_blueprint(&from_json::<Blueprint>(&blueprint, "blueprint")?);
    fn get_blueprint(colonyname: String, name: String) = |c| c.get_blueprint(&colonyname, &name);
    fn get_blueprints(colonyname: String, kind: String, locationname: String) =
        |c| c.get_blueprints(&colonyname, &kind, &locationname);
    fn update_blueprint(blueprint: String, force_generation: bool) =
        |c| c.update_blueprint(
            &from_json::<Blueprint>(&blueprint, "blueprint")?, force_generation);
    fn remove_blueprint(colonyname: String, name: String) =
        |c| c.remove_blueprint(&colonyname, &name);
    fn get_blueprint_history(blueprintid: String, limit: f64) =
        |c| c.get_blueprint_history(&blueprintid, count_u32(limit, "limit")?);
    fn update_blueprint_status(colonyname: String, name: String, status: String) =
        |c| c.update_blueprint_status(&colonyname, &name, from_json::<Value>(&status, "status")?);
    fn reconcile_blueprint(colonyname: String, name: String, force: bool) =
        |c| c.reconcile_blueprint(&colonyname, &name, force);

    // --- Files and snapshots ---------------------------------------------------------------------
    fn add_file(file: String) = |c| c.add_file(&from_json::<File>(&file, "file")?);
    fn get_file(colonyname: String, fileid: String) = |c| c.get_file(&colonyname, &fileid);
    fn get_files(colonyname: String, label: String) = |c| c.get_files(&colonyname, &label);
    fn get_file_labels(colonyname: String, name: String, exact: bool) =
        |c| c.get_file_labels(&colonyname, &name, exact);
    fn remove_file(colonyname: String, fileid: String) = |c| c.remove_file(&colonyname, &fileid);
    fn create_snapshot(colonyname: String, label: String, name: String) =
        |c| c.create_snapshot(&colonyname, &label, &name);
    fn get_snapshot(colonyname: String, name: String) = |c| c.get_snapshot(&colonyname, &name);
    fn get_snapshots(colonyname: String) = |c| c.get_snapshots(&colonyname);
    fn remove_snapshot(colonyname: String, name: String) =
        |c| c.remove_snapshot(&colonyname, &name);
    fn remove_all_snapshots(colonyname: String) = |c| c.remove_all_snapshots(&colonyname);
}
