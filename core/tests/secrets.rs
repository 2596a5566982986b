//! No private key appears in any Debug form, in any error, or in anything a client prints.

mod common;

use std::time::Duration;

use colonykit::{Client, NewEntry, PrivateKey, ProcessState};
use common::{server_address, TestColony};
use futures::StreamExt;

fn assert_secret_absent(key: &PrivateKey, text: &str) {
    let hex = key.to_hex();
    assert!(!text.contains(&hex), "the key leaked into: {text}");
    assert!(
        !text.contains(&hex.to_uppercase()),
        "the key leaked into: {text}"
    );
}

#[tokio::test]
async fn keys_never_appear_in_debug_forms_or_errors() {
    let key = PrivateKey::generate();
    let builder = Client::builder(server_address()).key(key.clone());
    let client = builder.clone().build().unwrap();
    let mut printed = vec![
        format!("{key:?}"),
        format!("{key:#?}"),
        format!("{builder:?}"),
        format!("{client:?}"),
        format!("{client:#?}"),
    ];

    // Errors from every layer: a stranger's calls, a bad stream, bad keys, a dead server.
    let stranger_errors = [
        client.get_colony("nope").await.unwrap_err(),
        client.get_process(&"0".repeat(64)).await.unwrap_err(),
        client
            .append("p", "c", NewEntry::data(1, key.to_hex()))
            .await
            .unwrap_err(),
        client
            .wait_for_state("p", ProcessState::Running, Duration::from_secs(1))
            .await
            .unwrap_err(),
        client
            .subscribe_channel("p", "c")
            .unwrap()
            .next()
            .await
            .unwrap()
            .unwrap_err(),
        PrivateKey::from_hex(&key.to_hex()[1..]).unwrap_err(),
        PrivateKey::from_hex(&format!("{}x", &key.to_hex()[1..])).unwrap_err(),
        Client::builder("http://127.0.0.1:9")
            .key(key.clone())
            .build()
            .unwrap()
            .get_colonies()
            .await
            .unwrap_err(),
    ];
    for error in &stranger_errors {
        printed.push(format!("{error}"));
        printed.push(format!("{error:?}"));
        printed.push(error.message().to_string());
    }
    for text in &printed {
        assert_secret_absent(&key, text);
    }
}

#[tokio::test]
async fn member_clients_do_not_print_their_keys() {
    let colony = TestColony::new().await;
    for client in [
        &colony.server,
        &colony.owner,
        &colony.executor,
        &colony.user,
    ] {
        let key = client.key().unwrap();
        assert_secret_absent(key, &format!("{client:?}"));
        let process = colony.user.submit(&colony.spec("f", &["c"])).await.unwrap();
        assert_secret_absent(key, &format!("{process:?}"));
    }
}

#[test]
fn a_key_given_where_the_address_goes_is_not_echoed() {
    let key = PrivateKey::generate();
    let hex = key.to_hex();
    for address in [
        hex.clone(),
        format!("http://{hex}:50080"),
        format!("https://{hex}"),
    ] {
        let error = Client::builder(address)
            .key(key.clone())
            .build()
            .unwrap_err();
        assert_eq!(
            error.kind(),
            colonykit::ErrorKind::InvalidArgument,
            "{error}"
        );
        assert_secret_absent(&key, &error.to_string());
        assert_secret_absent(&key, &format!("{error:?}"));
        assert!(!error.to_string().contains(&hex[..16]), "{error}");
    }
}

#[test]
fn a_key_in_the_wrong_environment_variable_is_not_echoed() {
    // The only test of this binary that sets the environment.
    let key = PrivateKey::generate();
    let hex = key.to_hex();
    for (variable, other) in [
        ("COLONIES_SERVER_PORT", "COLONIES_SERVER_HOST"),
        ("COLONIES_SERVER_HOST", "COLONIES_SERVER_PORT"),
        ("COLONIES_TLS", "COLONIES_SERVER_PORT"),
    ] {
        std::env::set_var(variable, &hex);
        std::env::remove_var(other);
        let error = Client::from_env().unwrap_err();
        std::env::remove_var(variable);
        assert_eq!(
            error.kind(),
            colonykit::ErrorKind::InvalidArgument,
            "{variable}: {error}"
        );
        assert_secret_absent(&key, &error.to_string());
        assert!(!error.to_string().contains(&hex[..16]), "{error}");
    }
}
