//! The rest of the protocol against a real server: server info, statistics, users and
//! executors by ID, functions, locations, ID changes, process history and bulk removal,
//! pausing, workflows, logs, attributes, crons, generators, blueprints, files, snapshots, and
//! the process and assignment streams.
#![allow(clippy::disallowed_methods)] // tokio's timers: no event loop drives these tests' own waits

mod common;

use std::time::Duration;

use colonykit::{
    Attribute, Blueprint, BlueprintDefinition, BlueprintMetadata, Cron, ErrorKind, File, Function,
    Generator, Location, PrivateKey, ProcessState, WorkflowSpec,
};
use common::{server_client, unique, TestColony};
use futures::StreamExt;
use serde_json::json;

const SHORT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn server_info_statistics_and_cluster() {
    let server = server_client();
    let info = server.server_info().await.unwrap();
    assert!(!info.backends.is_empty());
    let colony = TestColony::new().await;
    let stats = server.get_statistics().await.unwrap();
    assert!(stats.colonies >= 1);
    let cluster = server.get_cluster().await.unwrap();
    assert!(!cluster.nodes.is_empty());
    let colony_stats = colony
        .user
        .get_colony_statistics(&colony.name)
        .await
        .unwrap();
    assert_eq!(colony_stats.activeexecutors, 1);
}

#[tokio::test]
async fn users_and_executors_by_name_and_id() {
    let colony = TestColony::new().await;
    let users = colony.user.get_users(&colony.name).await.unwrap();
    let me = &users[0];
    let by_name = colony.user.get_user(&colony.name, &me.name).await.unwrap();
    assert_eq!(by_name.userid, me.userid);
    let by_id = colony
        .user
        .get_user_by_id(&colony.name, &me.userid)
        .await
        .unwrap();
    assert_eq!(by_id.name, me.name);

    let executor_id = colony.executor.key().unwrap().id().to_string();
    let executor = colony
        .user
        .get_executor_by_id(&colony.name, &executor_id)
        .await
        .unwrap();
    assert_eq!(executor.executorname, colony.executor_name);
}

#[tokio::test]
async fn executors_report_allocations_and_capabilities() {
    let colony = TestColony::new().await;
    let allocations = json!({"projects": {"demo": {"allocatedcpu": 4, "usedcpu": 1}}});
    colony
        .executor
        .report_allocations(&colony.name, &colony.executor_name, allocations)
        .await
        .unwrap();
    let capabilities = json!({"hardware": [{"model": "test", "cores": 2}], "software": []});
    colony
        .executor
        .update_executor(&colony.name, &colony.executor_name, capabilities)
        .await
        .unwrap();
    let executor = colony
        .user
        .get_executor(&colony.name, &colony.executor_name)
        .await
        .unwrap();
    assert_eq!(executor.capabilities["hardware"][0]["model"], "test");
    assert_eq!(executor.allocations["projects"]["demo"]["allocatedcpu"], 4);
}

#[tokio::test]
async fn functions_are_registered_listed_and_removed() {
    let colony = TestColony::new().await;
    let function = Function {
        executorname: colony.executor_name.clone(),
        executortype: colony.executor_type.clone(),
        colonyname: colony.name.clone(),
        funcname: "add".into(),
        description: "adds".into(),
        ..Function::default()
    };
    let added = colony.executor.add_function(&function).await.unwrap();
    assert!(!added.functionid.is_empty());
    let listed = colony.user.get_functions(&colony.name, "").await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].funcname, "add");
    colony
        .executor
        .remove_function(&added.functionid)
        .await
        .unwrap();
    let listed = colony
        .user
        .get_functions(&colony.name, &colony.executor_name)
        .await
        .unwrap();
    assert!(listed.is_empty());
}

#[tokio::test]
async fn locations_are_added_listed_and_removed() {
    let colony = TestColony::new().await;
    let location = Location {
        locationid: PrivateKey::generate().id().to_string(),
        name: "lab".into(),
        colonyname: colony.name.clone(),
        description: "the lab".into(),
        long: 18.07,
        lat: 59.33,
    };
    colony.owner.add_location(&location).await.unwrap();
    let got = colony.user.get_location(&colony.name, "lab").await.unwrap();
    assert_eq!(got.description, "the lab");
    assert_eq!(
        colony.user.get_locations(&colony.name).await.unwrap().len(),
        1
    );
    colony
        .owner
        .remove_location(&colony.name, "lab")
        .await
        .unwrap();
    let err = colony
        .user
        .get_location(&colony.name, "lab")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn ids_can_be_changed() {
    let colony = TestColony::new().await;
    let new_user_key = PrivateKey::generate();
    colony
        .user
        .change_user_id(&colony.name, new_user_key.id())
        .await
        .unwrap();
    let renamed_user = colony.user.with_key(new_user_key);
    renamed_user.get_colony(&colony.name).await.unwrap();

    let new_executor_key = PrivateKey::generate();
    colony
        .executor
        .change_executor_id(&colony.name, new_executor_key.id())
        .await
        .unwrap();
    let renamed_executor = colony.executor.with_key(new_executor_key);
    renamed_executor.get_colony(&colony.name).await.unwrap();

    let new_colony_key = PrivateKey::generate();
    colony
        .owner
        .change_colony_id(&colony.name, new_colony_key.id())
        .await
        .unwrap();
    let new_owner = colony.owner.with_key(new_colony_key);
    new_owner.pause_assignments(&colony.name).await.unwrap();
    new_owner.resume_assignments(&colony.name).await.unwrap();

    // Changing the server's ID would take the server away from the other tests: check only
    // that someone else is refused.
    let err = colony
        .user
        .change_server_id(PrivateKey::generate().id())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
}

#[tokio::test]
async fn pausing_stops_assignments_until_resumed() {
    let colony = TestColony::new().await;
    colony.owner.pause_assignments(&colony.name).await.unwrap();
    assert!(
        colony
            .user
            .get_pause_status(&colony.name)
            .await
            .unwrap()
            .ispaused
    );
    colony
        .user
        .submit(&colony.spec("paused", &[]))
        .await
        .unwrap();
    let err = colony
        .executor
        .assign(&colony.name, Duration::from_secs(1))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    colony.owner.resume_assignments(&colony.name).await.unwrap();
    assert!(
        !colony
            .user
            .get_pause_status(&colony.name)
            .await
            .unwrap()
            .ispaused
    );
    assert!(colony
        .executor
        .assign(&colony.name, SHORT)
        .await
        .unwrap()
        .is_some());
}

#[tokio::test]
async fn process_history_and_bulk_removal() {
    let colony = TestColony::new().await;
    let process = colony.running(&[]).await;
    colony
        .executor
        .close(&process.processid, vec![])
        .await
        .unwrap();
    let history = colony
        .user
        .get_process_history(&colony.name, ProcessState::Success, 3600, "")
        .await
        .unwrap();
    assert!(history.iter().any(|p| p.processid == process.processid));

    colony.user.submit(&colony.spec("w", &[])).await.unwrap();
    colony
        .owner
        .remove_all_processes(&colony.name, None)
        .await
        .unwrap();
    for state in [ProcessState::Waiting, ProcessState::Success] {
        let left = colony
            .user
            .get_processes(&colony.name, state, 100)
            .await
            .unwrap();
        assert!(left.is_empty(), "{state}: {left:?}");
    }
}

fn workflow(colony: &TestColony) -> WorkflowSpec {
    let mut first = colony.spec("first", &[]);
    first.nodename = "first".into();
    let mut second = colony.spec("second", &[]);
    second.nodename = "second".into();
    second.conditions.dependencies = vec!["first".into()];
    WorkflowSpec {
        colonyname: colony.name.clone(),
        functionspecs: vec![first, second],
    }
}

#[tokio::test]
async fn workflows_run_in_dependency_order() {
    let colony = TestColony::new().await;
    let graph = colony
        .user
        .submit_workflow(&workflow(&colony))
        .await
        .unwrap();
    assert_eq!(graph.processids.len(), 2);
    let got = colony
        .user
        .get_process_graph(&graph.processgraphid)
        .await
        .unwrap();
    assert_eq!(got.rootprocessids.len(), 1);
    let listed = colony
        .user
        .get_process_graphs(&colony.name, ProcessState::Waiting, 10)
        .await
        .unwrap();
    assert!(listed
        .iter()
        .any(|g| g.processgraphid == graph.processgraphid));

    let first = colony
        .executor
        .assign(&colony.name, SHORT)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.spec.funcname, "first");
    let child = colony
        .executor
        .add_child(
            &graph.processgraphid,
            &first.processid,
            &colony.spec("inserted", &[]),
            true,
        )
        .await
        .unwrap();
    colony
        .executor
        .close(&first.processid, vec![json!(1)])
        .await
        .unwrap();
    let next = colony
        .executor
        .assign(&colony.name, SHORT)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(next.processid, child.processid);
    assert_eq!(next.input, vec![json!(1)]);

    colony
        .user
        .cancel_process_graph(&graph.processgraphid)
        .await
        .unwrap();
    let cancelled = colony
        .user
        .get_process_graph(&graph.processgraphid)
        .await
        .unwrap();
    assert_eq!(cancelled.state, ProcessState::Cancelled);
    colony
        .user
        .remove_process_graph(&graph.processgraphid)
        .await
        .unwrap();

    colony
        .user
        .submit_workflow(&workflow(&colony))
        .await
        .unwrap();
    colony
        .owner
        .remove_all_process_graphs(&colony.name, None)
        .await
        .unwrap();
    let left = colony
        .user
        .get_process_graphs(&colony.name, ProcessState::Waiting, 10)
        .await
        .unwrap();
    assert!(left.is_empty());
}

#[tokio::test]
async fn logs_are_added_read_and_searched() {
    let colony = TestColony::new().await;
    let process = colony.running(&[]).await;
    let marker = unique("needle");
    colony
        .executor
        .add_log(&process.processid, &format!("working on {marker}"))
        .await
        .unwrap();
    colony
        .executor
        .add_executor_log(&colony.name, &colony.executor_name, "idle")
        .await
        .unwrap();
    let logs = colony
        .user
        .get_logs(&colony.name, &process.processid, 100, 0)
        .await
        .unwrap();
    assert_eq!(logs.len(), 1);
    assert!(logs[0].message.contains(&marker));
    assert!(logs[0].timestamp > 0);
    let executor_logs = colony
        .user
        .get_executor_logs(&colony.name, &colony.executor_name, 100, 0)
        .await
        .unwrap();
    assert!(executor_logs.iter().any(|l| l.message == "idle"));
    let found = colony
        .user
        .search_logs(&colony.name, &marker, 1, 10)
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    let err = colony
        .user
        .get_logs(&colony.name, &process.processid, 0, 0)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
}

#[tokio::test]
async fn attributes_are_added_and_read() {
    let colony = TestColony::new().await;
    let process = colony.running(&[]).await;
    let attribute = Attribute {
        targetid: process.processid.clone(),
        key: "progress".into(),
        value: "50%".into(),
        attributetype: 1,
        ..Attribute::default()
    };
    let added = colony.executor.add_attribute(&attribute).await.unwrap();
    assert!(!added.attributeid.is_empty());
    let got = colony.user.get_attribute(&added.attributeid).await.unwrap();
    assert_eq!(got.value, "50%");
}

#[tokio::test]
async fn crons_are_added_run_listed_and_removed() {
    let colony = TestColony::new().await;
    let cron = Cron {
        colonyname: colony.name.clone(),
        name: "nightly".into(),
        cronexpression: "0 0 3 * * *".into(),
        workflowspec: Some(workflow(&colony)),
        ..Cron::default()
    };
    let added = colony.user.add_cron(&cron).await.unwrap();
    assert!(!added.cronid.is_empty());
    assert_eq!(added.interval, -1);
    assert_eq!(added.workflowspec, Some(workflow(&colony)));
    assert_eq!(
        colony.user.get_cron(&added.cronid).await.unwrap().name,
        "nightly"
    );
    assert_eq!(
        colony.user.get_crons(&colony.name, 10).await.unwrap().len(),
        1
    );
    colony.user.run_cron(&added.cronid).await.unwrap();
    colony.user.remove_cron(&added.cronid).await.unwrap();
    assert!(colony
        .user
        .get_crons(&colony.name, 10)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn generators_are_added_packed_resolved_and_removed() {
    let colony = TestColony::new().await;
    let generator = Generator {
        colonyname: colony.name.clone(),
        name: "batch".into(),
        workflowspec: Some(workflow(&colony)),
        trigger: 10,
        timeout: 3600,
        ..Generator::default()
    };
    let added = colony.user.add_generator(&generator).await.unwrap();
    colony
        .user
        .pack_generator(&added.generatorid, "one")
        .await
        .unwrap();
    let got = colony.user.get_generator(&added.generatorid).await.unwrap();
    assert_eq!(got.name, "batch");
    let resolved = colony
        .user
        .resolve_generator(&colony.name, "batch")
        .await
        .unwrap();
    assert_eq!(resolved.generatorid, added.generatorid);
    assert_eq!(
        colony
            .user
            .get_generators(&colony.name, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    colony
        .user
        .remove_generator(&added.generatorid)
        .await
        .unwrap();
    assert!(colony
        .user
        .get_generators(&colony.name, 10)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn blueprints_and_their_definitions() {
    let colony = TestColony::new().await;
    let definition = BlueprintDefinition {
        kind: "Lamp".into(),
        metadata: BlueprintMetadata {
            name: "lamps".into(),
            colonyname: colony.name.clone(),
            ..BlueprintMetadata::default()
        },
        spec: json!({
            "group": "test.colonykit", "version": "v1",
            "names": {"kind": "Lamp", "listKind": "LampList", "singular": "lamp", "plural": "lamps"},
            "scope": "Namespaced",
            "handler": {"executorType": colony.executor_type, "functionName": "reconcile"}
        }),
        ..BlueprintDefinition::default()
    };
    colony
        .owner
        .add_blueprint_definition(&definition)
        .await
        .unwrap();
    let got = colony
        .user
        .get_blueprint_definition(&colony.name, "lamps")
        .await
        .unwrap();
    assert_eq!(got.kind, "Lamp");
    assert_eq!(
        colony
            .user
            .get_blueprint_definitions(&colony.name)
            .await
            .unwrap()
            .len(),
        1
    );

    let blueprint = Blueprint {
        kind: "Lamp".into(),
        metadata: BlueprintMetadata {
            name: "desk".into(),
            colonyname: colony.name.clone(),
            ..BlueprintMetadata::default()
        },
        spec: json!({"on": true}),
        ..Blueprint::default()
    };
    let added = colony.user.add_blueprint(&blueprint).await.unwrap();
    let mut changed = colony
        .user
        .get_blueprint(&colony.name, "desk")
        .await
        .unwrap();
    assert_eq!(changed.spec["on"], true);
    changed.spec = json!({"on": false});
    colony.user.update_blueprint(&changed, false).await.unwrap();
    let listed = colony
        .user
        .get_blueprints(&colony.name, "Lamp", "")
        .await
        .unwrap();
    assert_eq!(listed[0].spec["on"], false);
    colony
        .user
        .update_blueprint_status(&colony.name, "desk", json!({"lit": false}))
        .await
        .unwrap();
    let reconcile = colony
        .user
        .reconcile_blueprint(&colony.name, "desk", true)
        .await
        .unwrap();
    assert_eq!(reconcile.spec.funcname, "reconcile");
    let history = colony
        .user
        .get_blueprint_history(&added.blueprintid, 10)
        .await
        .unwrap();
    assert!(!history.is_empty());

    colony
        .user
        .remove_blueprint(&colony.name, "desk")
        .await
        .unwrap();
    colony
        .owner
        .remove_blueprint_definition(&colony.name, "lamps")
        .await
        .unwrap();
    assert!(colony
        .user
        .get_blueprint_definitions(&colony.name)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn file_revisions_by_label_and_name() {
    let colony = TestColony::new().await;
    let revision = |checksum: &str| File {
        colonyname: colony.name.clone(),
        label: "/revisions".into(),
        name: "b.txt".into(),
        size: 1,
        checksum: checksum.into(),
        checksumalg: "SHA256".into(),
        reference: json!({"protocol": "s3", "s3object": {"bucket": "b", "object": "o"}}),
        ..File::default()
    };
    colony.user.add_file(&revision("first")).await.unwrap();
    colony.user.add_file(&revision("second")).await.unwrap();
    let all = colony
        .user
        .get_file_by_name(&colony.name, "/revisions", "b.txt", false)
        .await
        .unwrap();
    let mut checksums: Vec<_> = all.iter().map(|f| f.checksum.as_str()).collect();
    checksums.sort_unstable();
    assert_eq!(checksums, ["first", "second"]);
    let latest = colony
        .user
        .get_file_by_name(&colony.name, "/revisions", "b.txt", true)
        .await
        .unwrap();
    assert_eq!(latest.len(), 1);
    assert_eq!(latest[0].checksum, "second");
}

#[tokio::test]
async fn files_snapshots_and_labels() {
    let colony = TestColony::new().await;
    let file = File {
        colonyname: colony.name.clone(),
        label: "/data".into(),
        name: "a.txt".into(),
        size: 3,
        checksum: "abc".into(),
        checksumalg: "SHA256".into(),
        reference: json!({"protocol": "s3", "s3object": {"bucket": "b", "object": "o"}}),
        ..File::default()
    };
    let added = colony.user.add_file(&file).await.unwrap();
    let revisions = colony
        .user
        .get_file(&colony.name, &added.fileid)
        .await
        .unwrap();
    assert_eq!(revisions[0].name, "a.txt");
    let files = colony.user.get_files(&colony.name, "/data").await.unwrap();
    assert_eq!(files[0].name, "a.txt");
    let labels = colony
        .user
        .get_file_labels(&colony.name, "", false)
        .await
        .unwrap();
    assert!(labels.iter().any(|l| l.name == "/data" && l.files == 1));

    let snapshot = colony
        .user
        .create_snapshot(&colony.name, "/data", "snap")
        .await
        .unwrap();
    assert_eq!(snapshot.fileids, vec![added.fileid.clone()]);
    assert_eq!(
        colony
            .user
            .get_snapshot(&colony.name, "snap")
            .await
            .unwrap()
            .snapshotid,
        snapshot.snapshotid
    );
    assert_eq!(
        colony.user.get_snapshots(&colony.name).await.unwrap().len(),
        1
    );
    colony
        .user
        .remove_snapshot(&colony.name, "snap")
        .await
        .unwrap();
    colony
        .user
        .create_snapshot(&colony.name, "/data", "again")
        .await
        .unwrap();
    colony
        .user
        .remove_all_snapshots(&colony.name)
        .await
        .unwrap();
    assert!(colony
        .user
        .get_snapshots(&colony.name)
        .await
        .unwrap()
        .is_empty());

    colony
        .user
        .remove_file(&colony.name, &added.fileid)
        .await
        .unwrap();
    assert!(colony
        .user
        .get_files(&colony.name, "/data")
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn process_events_stream() {
    let colony = TestColony::new().await;
    let mut events = colony
        .executor
        .subscribe_processes(&colony.executor_type, ProcessState::Waiting)
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let submitted = colony
        .user
        .submit(&colony.spec("watched", &[]))
        .await
        .unwrap();
    let seen = tokio::time::timeout(SHORT, events.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(seen.processid, submitted.processid);
}

#[tokio::test]
async fn assignments_stream_waits_through_idle_polls() {
    let colony = TestColony::new().await;
    let mut work = colony
        .executor
        .assignments(&colony.name, Duration::from_secs(1))
        .unwrap();
    // Longer than one poll: "no work" is waiting, not an error.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let submitted = colony.user.submit(&colony.spec("job", &[])).await.unwrap();
    let assigned = tokio::time::timeout(SHORT, work.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(assigned.processid, submitted.processid);
    let closer = work.closer();
    let pending = tokio::spawn(async move { work.next().await.is_none() });
    tokio::time::sleep(Duration::from_millis(100)).await;
    closer.close();
    assert!(tokio::time::timeout(Duration::from_millis(500), pending)
        .await
        .unwrap()
        .unwrap());
}

#[tokio::test]
async fn a_user_cannot_take_work() {
    let colony = TestColony::new().await;
    let err = colony
        .user
        .assign(&colony.name, Duration::from_secs(1))
        .await
        .unwrap_err();
    assert_ne!(err.kind(), ErrorKind::Protocol, "{err}");
    // A user key is no executor: the server refuses its process subscription too.
    let mut events = colony
        .user
        .subscribe_processes(&colony.executor_type, ProcessState::Waiting)
        .unwrap();
    let err = tokio::time::timeout(SHORT, events.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized, "{err}");
}
