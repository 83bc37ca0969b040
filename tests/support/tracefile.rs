//! Reading `--trace` files in tests: every line must be one JSON object that validates against
//! docs/trace.schema.json (a line that does not fails the test with the schema's complaint).

#![allow(dead_code)]

use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;

fn validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/trace.schema.json");
        let text = std::fs::read_to_string(path).expect("docs/trace.schema.json");
        let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
        jsonschema::validator_for(&schema).expect("the schema compiles")
    })
}

/// Checks one trace line against the schema and returns it parsed.
pub fn checked_line(line: &str) -> Value {
    let value: Value = serde_json::from_str(line)
        .unwrap_or_else(|err| panic!("trace line is not JSON ({err}): {line}"));
    let errors: Vec<String> = validator()
        .iter_errors(&value)
        .map(|error| format!("{error} at {}", error.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "trace line breaks the schema: {errors:?}\n{line}"
    );
    value
}

/// Every line of the trace text, each checked against the schema.
pub fn checked_lines(text: &str) -> Vec<Value> {
    let values: Vec<Value> = text.lines().map(checked_line).collect();
    assert!(
        text.is_empty() || text.ends_with('\n'),
        "the last line is complete"
    );
    values
}

/// The trace file at `path`, every line checked; its times never go back and the first line
/// is `start`.
pub fn read(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines = checked_lines(&text);
    let mut last = 0.0;
    for line in &lines {
        let t = line["t"].as_f64().expect("t is a number");
        assert!(t >= last, "time went back: {line}");
        last = t;
    }
    if let Some(first) = lines.first() {
        assert_eq!(first["ev"], "start", "the first line is start");
    }
    lines
}

/// Waits until the trace at `path` has a line for which `wanted` holds (the trace is written at
/// least every 100 ms). Panics after `limit`.
pub fn wait_for(path: &Path, limit: Duration, wanted: impl Fn(&Value) -> bool) -> Vec<Value> {
    let deadline = Instant::now() + limit;
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        // Only whole lines: the writer may be in the middle of one.
        let complete = match text.rfind('\n') {
            Some(end) => &text[..=end],
            None => "",
        };
        let lines: Vec<Value> = complete
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect();
        if lines.iter().any(&wanted) {
            return lines;
        }
        assert!(
            Instant::now() < deadline,
            "the trace never showed what was waited for:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The lines of event `ev`.
pub fn events<'a>(lines: &'a [Value], ev: &str) -> Vec<&'a Value> {
    lines.iter().filter(|line| line["ev"] == ev).collect()
}

/// The packet lines of `direction` (`send`/`recv`) and packet type `kind`.
pub fn packets<'a>(lines: &'a [Value], direction: &str, kind: &str) -> Vec<&'a Value> {
    lines
        .iter()
        .filter(|line| line["ev"] == direction && line["type"] == kind)
        .collect()
}

/// The `ev` of every line, in order (for messages).
pub fn names(lines: &[Value]) -> Vec<String> {
    lines
        .iter()
        .map(|line| match line["type"].as_str() {
            Some(kind) => format!("{} {kind}", line["ev"].as_str().unwrap_or("?")),
            None => line["ev"].as_str().unwrap_or("?").to_string(),
        })
        .collect()
}
