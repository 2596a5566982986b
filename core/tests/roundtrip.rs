//! Property test against the real server: any JSON value placed in a process's `args`,
//! `kwargs` or `out`, and any string placed in an attribute's value, reads back equal to what
//! was sent — nulls, nesting, integers up to ±2^53, fractions, and strings with every escape.
//!
//! The values come from a small seeded generator (`COLONYKIT_ROUNDTRIP_SEED` replays a run;
//! the seed is printed on failure), in a bounded number of cases.

mod common;

use std::time::Duration;

use colonykit::{Attribute, FunctionSpec};
use common::TestColony;
use serde_json::{json, Map, Value};

/// Processes per run: each carries several values in args, kwargs and output.
const CASES: usize = 24;

/// xorshift64*: small, seeded, good enough to spread the cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const MAX_SAFE: i64 = (1 << 53) - 1;

/// Characters that need escaping in JSON (every control character, quote, backslash), that Go
/// escapes for HTML (`<`, `>`, `&`, U+2028, U+2029), and that are outside the BMP.
fn special_char(rng: &mut Rng) -> char {
    const OTHERS: [char; 12] = [
        '"', '\\', '/', '<', '>', '&', '\u{2028}', '\u{2029}', '\u{7f}', 'é', '漢', '🦀',
    ];
    if rng.below(2) == 0 {
        char::from_u32(rng.below(32) as u32).unwrap_or('\n')
    } else {
        OTHERS[rng.below(OTHERS.len() as u64) as usize]
    }
}

fn string(rng: &mut Rng) -> String {
    let len = rng.below(12);
    (0..len)
        .map(|_| {
            if rng.below(3) == 0 {
                special_char(rng)
            } else {
                char::from(b'a' + rng.below(26) as u8)
            }
        })
        .collect()
}

fn number(rng: &mut Rng) -> Value {
    match rng.below(6) {
        0 => json!(MAX_SAFE),
        1 => json!(-MAX_SAFE),
        2 => json!(1_i64 << 53),
        3 => json!(rng.below(1000) as i64 - 500),
        4 => json!((rng.below(2 * MAX_SAFE as u64) as i64) - MAX_SAFE),
        // A fraction with a short exact decimal form (binary halves, quarters, ...).
        _ => json!((rng.below(1 << 20) as f64 - (1 << 19) as f64) / 1024.0 + 0.5),
    }
}

fn value(rng: &mut Rng, depth: u32) -> Value {
    let kinds = if depth >= 3 { 5 } else { 7 };
    match rng.below(kinds) {
        0 => Value::Null,
        1 => Value::Bool(rng.below(2) == 0),
        2 | 3 => number(rng),
        4 => Value::String(string(rng)),
        5 => Value::Array((0..rng.below(4)).map(|_| value(rng, depth + 1)).collect()),
        _ => Value::Object(object(rng, depth + 1)),
    }
}

fn object(rng: &mut Rng, depth: u32) -> Map<String, Value> {
    (0..rng.below(4))
        .map(|_| (string(rng), value(rng, depth)))
        .collect()
}

/// Values every run carries, whatever the seed: the edges of the property.
fn fixed() -> Vec<Value> {
    vec![
        Value::Null,
        json!([]),
        json!({}),
        json!({"none": null, "nested": [1, 2, null, {"deep": null}], "empty": {}, "list": []}),
        json!([null, [null], {"a": null}]),
        json!(MAX_SAFE),
        json!(-MAX_SAFE),
        json!(1_i64 << 53),
        json!(0.1),
        json!(-2.5e-8),
        json!("\u{0}\u{1}\u{1f}\"\\/\n\r\t\u{8}\u{c}<>&\u{2028}\u{2029}é漢🦀"),
    ]
}

/// The executor takes the process just submitted.
async fn take(colony: &TestColony, processid: &str) -> colonykit::Process {
    let assigned = colony
        .executor
        .assign(&colony.name, Duration::from_secs(5))
        .await
        .unwrap()
        .expect("the submitted process is assigned");
    assert_eq!(assigned.processid, processid);
    assigned
}

fn seed() -> u64 {
    std::env::var("COLONYKIT_ROUNDTRIP_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
                | 1
        })
}

#[tokio::test]
async fn json_values_come_back_as_sent() {
    let seed = seed();
    let mut rng = Rng(seed);
    let colony = TestColony::new().await;
    let mut cases: Vec<Vec<Value>> = (0..CASES)
        .map(|_| (0..4).map(|_| value(&mut rng, 0)).collect())
        .collect();
    cases[0] = fixed();

    for args in cases {
        let kwargs: Map<String, Value> = args
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("{}{i}", string(&mut rng)), v.clone()))
            .collect();
        let mut spec: FunctionSpec = colony.spec("roundtrip", &[]);
        spec.args = args.clone();
        spec.kwargs = kwargs.clone();
        let submitted = colony.user.submit(&spec).await.unwrap();
        let context = format!("seed {seed}: {args:?}");
        assert_eq!(
            submitted.spec.args, args,
            "args in the submit reply, {context}"
        );
        assert_eq!(
            submitted.spec.kwargs, kwargs,
            "kwargs in the submit reply, {context}"
        );

        let assigned = take(&colony, &submitted.processid).await;
        assert_eq!(assigned.spec.args, args, "args as assigned, {context}");
        assert_eq!(
            assigned.spec.kwargs, kwargs,
            "kwargs as assigned, {context}"
        );

        // An attribute is a text column: U+0000 is refused there (see the test below).
        let text = args
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .concat()
            .replace('\u{0}', "");
        let attribute = colony
            .executor
            .add_attribute(&Attribute {
                targetid: assigned.processid.clone(),
                key: "value".into(),
                value: text.clone(),
                attributetype: 1,
                ..Attribute::default()
            })
            .await
            .unwrap();
        let got = colony
            .user
            .get_attribute(&attribute.attributeid)
            .await
            .unwrap();
        assert_eq!(got.value, text, "attribute value, {context}");

        colony
            .executor
            .close(&assigned.processid, args.clone())
            .await
            .unwrap();
        let closed = colony.user.get_process(&assigned.processid).await.unwrap();
        assert_eq!(closed.output, args, "output, {context}");
        assert_eq!(closed.spec.args, args, "args read back, {context}");
        assert_eq!(closed.spec.kwargs, kwargs, "kwargs read back, {context}");
    }
}

/// U+0000 is kept in a process's JSON (the server stores it escaped), but an attribute's value
/// is a PostgreSQL text column, which refuses it: the server answers 400, nothing is altered.
#[tokio::test]
async fn a_nul_character_is_kept_in_json_and_refused_in_attributes() {
    let colony = TestColony::new().await;
    let mut spec = colony.spec("nul", &[]);
    spec.args = vec![json!("a\u{0}b"), json!({"\u{0}": null})];
    let process = colony.user.submit(&spec).await.unwrap();
    let got = colony.user.get_process(&process.processid).await.unwrap();
    assert_eq!(got.spec.args, spec.args);

    let running = take(&colony, &process.processid).await;
    assert_eq!(running.spec.args, spec.args);
    let error = colony
        .executor
        .add_attribute(&Attribute {
            targetid: running.processid.clone(),
            key: "nul".into(),
            value: "a\u{0}b".into(),
            ..Attribute::default()
        })
        .await
        .unwrap_err();
    assert_eq!(
        error.kind(),
        colonykit::ErrorKind::InvalidRequest,
        "{error}"
    );
}
