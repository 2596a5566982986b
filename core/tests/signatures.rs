//! The core's table of operations ([`colonykit::operations::OPERATIONS`]) is the one
//! declaration of each pass-through operation's arguments. This test holds the three languages to
//! it:
//! - Rust: each `Client` method has the row's argument names, in the row's order (the types, the
//!   order and the reply are checked at compile time, in `operations.rs`);
//! - Python and Node: the methods' declarations in `_native.pyi` and `index.d.ts` are generated
//!   here from the table, between two marker lines; the test fails when the committed files differ
//!   from what the table says (`COLONYKIT_WRITE_STUBS=1` rewrites them). The bindings' methods
//!   themselves are expanded from the same table, so names, order and defaults agree by
//!   construction. Python's `SyncClient` stub is generated from `Client`'s (each method in its
//!   blocking form), and the blocking streams and writer must declare their async twins' methods;
//! - the Python binding's modules import only from their own layer or the ones below.

use std::fs;
use std::path::PathBuf;

use colonykit::operations::{camel_case, Operation, OperationArgument, OPERATIONS};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &str) -> String {
    fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// A row's type without the spaces `stringify!` may put in it.
fn ty(argument: &OperationArgument) -> String {
    argument.ty.replace(' ', "")
}

fn reply(operation: &Operation) -> String {
    operation.reply.replace(' ', "")
}

/// The element type of `Vec<T>`, if it is one.
fn element(ty: &str) -> Option<&str> {
    ty.strip_prefix("Vec<")?.strip_suffix('>')
}

// --- Python ------------------------------------------------------------------------------------

fn python_argument(ty: &str) -> String {
    match ty {
        "String" => "str".into(),
        "u32" | "i64" | "UnixNanos" => "int".into(),
        "bool" => "bool".into(),
        "ProcessState" => "StateLike".into(),
        "Option<ProcessState>" => "Optional[StateLike]".into(),
        "Value" => "JSON".into(),
        "Vec<Value>" => "Sequence[JSON]".into(),
        "Vec<String>" => "Sequence[str]".into(),
        record => record.into(),
    }
}

fn python_reply(ty: &str) -> String {
    match (ty, element(ty)) {
        ("()", _) => "None".into(),
        (_, Some(item)) => format!("list[{}]", python_reply(item)),
        (record, None) => record.into(),
    }
}

const PYTHON_WIDTH: usize = 100;

/// One method, as `ruff format` lays it out.
fn python_method(operation: &Operation) -> String {
    let mut parameters = vec!["self".to_string()];
    for argument in operation.arguments {
        // An optional argument left out, or None, takes the row's default.
        let python = python_argument(&ty(argument));
        parameters.push(match argument.default {
            None => format!("{}: {python}", argument.name),
            Some(_) if python.starts_with("Optional[") => {
                format!("{}: {python} = None", argument.name)
            }
            Some(_) => format!("{}: Optional[{python}] = None", argument.name),
        });
    }
    let returns = format!(
        ") -> Coroutine[Any, Any, {}]:",
        python_reply(&reply(operation))
    );
    let one_line = format!(
        "    def {}({}{returns}",
        operation.name,
        parameters.join(", ")
    );
    let mut out = if one_line.len() <= PYTHON_WIDTH {
        one_line
    } else {
        let hugged = format!("        {}", parameters.join(", "));
        if hugged.len() <= PYTHON_WIDTH {
            format!("    def {}(\n{hugged}\n    {returns}", operation.name)
        } else {
            let mut lines = format!("    def {}(\n", operation.name);
            for parameter in &parameters {
                lines.push_str(&format!("        {parameter},\n"));
            }
            format!("{lines}    {returns}")
        }
    };
    out.push('\n');
    let doc = format!("\"\"\"{}\"\"\"", paragraph(operation.doc));
    for line in wrap(&doc, PYTHON_WIDTH - 8) {
        out.push_str(&format!("        {line}\n"));
    }
    out
}

/// A row's documentation as one line.
fn paragraph(doc: &str) -> String {
    doc.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` in lines of at most `width` characters (words are not split).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
}

// --- Node --------------------------------------------------------------------------------------

fn node_argument(ty: &str) -> String {
    match ty {
        "String" => "string".into(),
        "u32" | "i64" => "number".into(),
        "UnixNanos" => "Nanos".into(),
        "bool" => "boolean".into(),
        "ProcessState" | "Option<ProcessState>" => "ProcessStateLike".into(),
        "Value" => "JsonValue".into(),
        "Vec<Value>" => "JsonValue[]".into(),
        "Vec<String>" => "string[] | string".into(),
        "FunctionSpec" => "SubmitSpec".into(),
        "WorkflowSpec" => "WorkflowSpec".into(),
        record => format!("New{record}"),
    }
}

fn node_reply(ty: &str) -> String {
    match (ty, element(ty)) {
        ("()", _) => "void".into(),
        (_, Some(item)) => format!("{}[]", node_reply(item)),
        ("Function", None) => "ExecutorFunction".into(),
        ("File", None) => "ColonyFile".into(),
        ("Label", None) => "FileLabel".into(),
        (record, None) => record.into(),
    }
}

/// A parameter name that is not a reserved word of JavaScript.
fn node_name(snake: &str) -> String {
    match camel_case(snake).as_str() {
        "function" => "func".into(),
        name => name.into(),
    }
}

/// Documentation for TypeScript: ``code`` as `code`, with argument names in camelCase.
fn node_doc(doc: &str) -> String {
    paragraph(doc)
        .split("``")
        .enumerate()
        .map(|(i, part)| {
            let code = i % 2 == 1;
            if code && part.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                camel_case(part)
            } else {
                part.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("`")
}

const NODE_WIDTH: usize = 100;

fn node_method(operation: &Operation) -> String {
    let doc = node_doc(operation.doc);
    let mut out = if doc.len() + 9 <= NODE_WIDTH {
        format!("  /** {doc} */\n")
    } else {
        let mut lines = String::from("  /**\n");
        for line in wrap(&doc, NODE_WIDTH - 5) {
            lines.push_str(&format!("   * {line}\n"));
        }
        lines + "   */\n"
    };
    let parameters: Vec<String> = operation
        .arguments
        .iter()
        .map(|argument| {
            let optional = if argument.default.is_some() { "?" } else { "" };
            format!(
                "{}{optional}: {}",
                node_name(argument.name),
                node_argument(&ty(argument))
            )
        })
        .collect();
    out.push_str(&format!(
        "  {}({}): Promise<{}>\n",
        camel_case(operation.name),
        parameters.join(", "),
        node_reply(&reply(operation))
    ));
    out
}

// --- The generated regions ---------------------------------------------------------------------

/// Replaces what lies between the line that starts with `begin` and the one that starts with
/// `end` in `path` by `generated`; returns the file as it should be.
fn with_region(text: &str, path: &str, begin: &str, end: &str, generated: &str) -> String {
    let start = text
        .find(begin)
        .and_then(|at| text[at..].find('\n').map(|n| at + n + 1))
        .unwrap_or_else(|| panic!("{path}: no line {begin:?}"));
    let stop = text[start..]
        .find(end)
        .map(|at| start + at)
        .unwrap_or_else(|| panic!("{path}: no line {end:?} after {begin:?}"));
    let line_start = text[..stop].rfind('\n').map_or(0, |n| n + 1);
    format!("{}{generated}{}", &text[..start], &text[line_start..])
}

fn check_region(path: &str, begin: &str, end: &str, generated: &str) {
    let expected = with_region(&read(path), path, begin, end, generated);
    check_file(path, &expected);
}

/// Fails (or, with `COLONYKIT_WRITE_STUBS`, rewrites the file) when `path` is not `expected`.
fn check_file(path: &str, expected: &str) {
    let text = read(path);
    if expected == text {
        return;
    }
    if std::env::var_os("COLONYKIT_WRITE_STUBS").is_some() {
        fs::write(root().join(path), expected).unwrap();
        return;
    }
    let diff: Vec<String> = expected
        .lines()
        .zip(text.lines())
        .enumerate()
        .filter(|(_, (want, have))| want != have)
        .take(5)
        .map(|(n, (want, have))| format!("line {}:\n  want: {want}\n  have: {have}", n + 1))
        .collect();
    panic!(
        "{path} differs from the core's table of operations; run \
         `COLONYKIT_WRITE_STUBS=1 cargo test -p colonykit --test signatures` and commit.\n{}",
        diff.join("\n")
    );
}

const PYTHON_BEGIN: &str = "    # --- Generated from the core's table of operations";
const PYTHON_END: &str = "    # --- End of the generated operations";
const SYNC_BEGIN: &str = "# --- SyncClient: generated from Client above";
const SYNC_END: &str = "# --- End of SyncClient";
const NODE_BEGIN: &str = "  // --- Generated from the core's table of operations";
const NODE_END: &str = "  // --- End of the generated operations";

/// The stubs' `Client` methods from the table, and `SyncClient`: `Client` with every method in
/// its blocking form (written once, by hand or from the table, for both).
#[test]
fn the_python_stubs_are_generated_from_the_table() {
    check_file(PYTHON_STUBS, &python_stubs());
}

const PYTHON_STUBS: &str = "bindings-python/python/colonykit/_native.pyi";
const NODE_TYPES: &str = "bindings-node/index.d.ts";

fn python_region() -> String {
    OPERATIONS.iter().map(python_method).collect()
}

fn node_region() -> String {
    OPERATIONS.iter().map(node_method).collect()
}

#[test]
fn the_node_declarations_are_generated_from_the_table() {
    check_region(NODE_TYPES, NODE_BEGIN, NODE_END, &node_region());
}

/// The text of a class: from `begin` to `end`.
fn class(text: &str, begin: &str, end: &str) -> String {
    let start = text.find(begin).unwrap_or_else(|| panic!("no {begin:?}"));
    let stop = text[start..].find(end).map_or(text.len(), |n| start + n);
    text[start..stop].to_string()
}

/// Every method is declared once in each stub file (the generated one, none by hand). Checked
/// on the files as they should be, so that it holds while they are being rewritten.
#[test]
fn no_operation_is_also_declared_by_hand() {
    let python = python_stubs();
    let blocking = class(&python, "class SyncClient:", "\nclass ");
    let python = class(&python, "class Client:", "\nclass ");
    let node = with_region(
        &read(NODE_TYPES),
        NODE_TYPES,
        NODE_BEGIN,
        NODE_END,
        &node_region(),
    );
    let node = class(&node, "export declare class Client {", "\n}");
    for operation in OPERATIONS {
        let def = format!("    def {}(", operation.name);
        assert_eq!(python.matches(&def).count(), 1, "_native.pyi: {def}");
        assert_eq!(
            blocking.matches(&def).count(),
            1,
            "_native.pyi SyncClient: {def}"
        );
        let method = format!("\n  {}(", camel_case(operation.name));
        assert_eq!(node.matches(&method).count(), 1, "index.d.ts: {method}");
    }
}

/// The stubs as they should be: `Client`'s table methods, then `SyncClient`, regenerated.
fn python_stubs() -> String {
    let text = read(PYTHON_STUBS);
    let text = with_region(
        &text,
        PYTHON_STUBS,
        PYTHON_BEGIN,
        PYTHON_END,
        &python_region(),
    );
    let sync = sync_client(&text);
    with_region(&text, PYTHON_STUBS, SYNC_BEGIN, SYNC_END, &sync)
}

/// What the stubs say of `SyncClient` (its docstring; the methods are `Client`'s).
const SYNC_CLIENT_HEAD: &str = r#"@final
class SyncClient:
    """A ColonyOS client whose operations block: the same methods, arguments, defaults, records
    and errors as ``Client``, each returning its result instead of a coroutine.

    Each call releases the GIL while it waits and needs no event loop (it works where one is
    running, as in a notebook, and in many threads sharing one client); Ctrl-C interrupts a wait.
    Streams are plain iterators. ``with SyncClient(...) as client`` works.
    """
"#;

/// The blocking names of what `Client`'s methods return.
const BLOCKING_TYPES: &[(&str, &str)] = &[
    ("-> Client:", "-> SyncClient:"),
    ("-> ChannelSubscription:", "-> SyncChannelSubscription:"),
    ("-> ProcessSubscription:", "-> SyncProcessSubscription:"),
    ("-> ChannelWriter:", "-> SyncChannelWriter:"),
];

/// `SyncClient`'s stub: the `Client` class of `stubs`, each method in its blocking form.
fn sync_client(stubs: &str) -> String {
    let client = class(stubs, "@final\nclass Client:", &format!("\n{SYNC_BEGIN}"));
    // Past the docstring.
    let body_at = client.find("\n    \"\"\"").expect("Client's docstring") + 8;
    let body_at = body_at + client[body_at..].find("\"\"\"\n").expect("its end") + 4;
    let mut out = String::from(SYNC_CLIENT_HEAD);
    let mut lines = client[body_at..].lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if !(trimmed.starts_with("def ") || trimmed.starts_with("async def ")) {
            if !line.starts_with("    # --- ") {
                out.push_str(&line.replace("an async iterator", "an iterator"));
                out.push('\n');
            }
            continue;
        }
        // The whole signature: up to the line that closes its parentheses.
        let mut signature = vec![line];
        let mut depth = parentheses(line);
        while depth > 0 {
            let next = lines.next().expect("a signature's end");
            depth += parentheses(next);
            signature.push(next);
        }
        out.push_str(&blocking_signature(&signature));
    }
    out.push('\n');
    out
}

fn parentheses(line: &str) -> i32 {
    line.matches(['(', '[']).count() as i32 - line.matches([')', ']']).count() as i32
}

/// A method's signature (its lines) in blocking form, laid out as `ruff format` does.
fn blocking_signature(lines: &[&str]) -> String {
    let exploded = lines.len() > 2 && lines[lines.len() - 2].trim_end().ends_with(',');
    let mut text = lines.join("\n");
    text = text.replace("    async def __aenter__(", "    def __enter__(");
    text = text.replace("    async def __aexit__(", "    def __exit__(");
    text = unwrap_coroutines(&text);
    for (from, to) in BLOCKING_TYPES {
        text = text.replace(from, to);
    }
    if exploded {
        // A magic trailing comma: one parameter per line stays.
        return text + "\n";
    }
    let one_line: String = text
        .lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
        .replace("( ", "(")
        .replace(" )", ")");
    let one_line = format!("    {one_line}");
    if one_line.len() <= PYTHON_WIDTH {
        return one_line + "\n";
    }
    let open = one_line.find('(').expect("a parameter list") + 1;
    let close = one_line.rfind(") ->").expect("a return type");
    format!(
        "{}\n        {}\n    {}\n",
        &one_line[..open],
        &one_line[open..close],
        &one_line[close..]
    )
}

/// `Coroutine[Any, Any, T]` replaced by `T`.
fn unwrap_coroutines(text: &str) -> String {
    const WRAPPER: &str = "Coroutine[Any, Any, ";
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(WRAPPER) {
        out.push_str(&rest[..at]);
        let inner = &rest[at + WRAPPER.len()..];
        let mut depth = 1;
        let end = inner
            .char_indices()
            .find(|&(_, c)| {
                depth += match c {
                    '[' => 1,
                    ']' => -1,
                    _ => 0,
                };
                depth == 0
            })
            .map(|(i, _)| i)
            .expect("a closing bracket");
        out.push_str(&inner[..end]);
        rest = &inner[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The text of the stub class that starts with `begin`, up to the next decorator or class.
fn class_block<'a>(text: &'a str, begin: &str) -> &'a str {
    let start = text.find(begin).unwrap_or_else(|| panic!("no {begin:?}")) + begin.len();
    let rest = &text[start..];
    let stop = [rest.find("\n@"), rest.find("\nclass ")]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(rest.len());
    &rest[..stop]
}

/// The names of the methods and properties a stub class declares (`def name(`), with the async
/// protocol's names mapped to the blocking ones.
fn python_methods(class_text: &str) -> Vec<String> {
    let mut names: Vec<String> = class_text
        .lines()
        .filter_map(|line| {
            let line = line.strip_prefix("    ")?;
            let line = line.strip_prefix("async ").unwrap_or(line);
            let name = line.strip_prefix("def ")?.split('(').next()?;
            Some(match name {
                "__aenter__" => "__enter__".to_string(),
                "__aexit__" => "__exit__".to_string(),
                "__aiter__" => "__iter__".to_string(),
                "__anext__" => "__next__".to_string(),
                other => other.to_string(),
            })
        })
        .filter(|name| name != "aclose")
        .collect();
    names.sort();
    names
}

/// `Client` and `SyncClient` (and the streams and writers they return) declare the same methods:
/// one missing from either fails here (the compiled classes: `tests/test_sync.py`).
#[test]
fn the_blocking_stubs_have_every_async_method() {
    let python = python_stubs();
    for (async_class, blocking_class) in [
        ("class Client:", "class SyncClient:"),
        ("class Subscription(", "class SyncSubscription("),
        ("class ChannelWriter:", "class SyncChannelWriter:"),
    ] {
        let have = python_methods(class_block(&python, async_class));
        let twin = python_methods(class_block(&python, blocking_class));
        assert_eq!(have, twin, "{async_class} and {blocking_class} differ");
    }
}

// --- Rust: argument names ----------------------------------------------------------------------

/// The parameter names of `pub async fn name(&self, ...)` in the core's sources.
fn rust_parameters(sources: &str, name: &str) -> Option<Vec<String>> {
    let head = format!("pub async fn {name}(");
    let at = sources.find(&head)? + head.len();
    let end = at + sources[at..].find(')')?;
    let parameters = sources[at..end]
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty() && *p != "&self")
        .filter_map(|p| p.split(':').next())
        .map(|p| p.trim().to_string())
        .collect();
    Some(parameters)
}

#[test]
fn the_rust_methods_take_the_rows_arguments_in_order() {
    let mut sources = String::new();
    let dirs = ["core/src", "core/src/api"];
    for dir in dirs {
        for entry in fs::read_dir(root().join(dir)).unwrap().flatten() {
            if entry.path().extension().is_some_and(|e| e == "rs") {
                sources.push_str(&fs::read_to_string(entry.path()).unwrap());
            }
        }
    }
    let mut wrong = Vec::new();
    for operation in OPERATIONS {
        let want: Vec<&str> = operation.arguments.iter().map(|a| a.name).collect();
        match rust_parameters(&sources, operation.name) {
            None => wrong.push(format!("no `pub async fn {}(`", operation.name)),
            Some(have) if have != want => wrong.push(format!(
                "Client::{} takes {have:?}, the table says {want:?}",
                operation.name
            )),
            Some(_) => {}
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

// --- The Python binding's layers ---------------------------------------------------------------

/// Each module of `bindings-python/src` and its layer: a module may use only modules of its own
/// layer or below, and none of its own layer uses it back.
const PYTHON_LAYERS: &[(&str, u8)] = &[
    ("outcome", 0),
    ("errors", 0),
    ("convert", 1),
    ("fields", 1),
    ("inbox", 1),
    ("runtime", 1),
    ("blocking", 1),
    ("records", 2),
    ("types", 2),
    ("client", 3),
    ("api", 3),
    ("stream", 3),
    ("writer", 3),
    ("executor", 4),
];

fn layer(module: &str) -> u8 {
    PYTHON_LAYERS
        .iter()
        .find(|(name, _)| *name == module)
        .map(|(_, layer)| *layer)
        .unwrap_or_else(|| panic!("bindings-python/src/{module}.rs has no layer in this test"))
}

#[test]
fn the_python_binding_imports_only_downwards() {
    let mut uses: Vec<(String, String)> = Vec::new();
    for entry in fs::read_dir(root().join("bindings-python/src"))
        .unwrap()
        .flatten()
    {
        let path = entry.path();
        let module = path.file_stem().unwrap().to_string_lossy().to_string();
        if module == "lib" {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap();
        for (at, _) in text.match_indices("crate::") {
            let rest = &text[at + "crate::".len()..];
            let used: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if used != module && PYTHON_LAYERS.iter().any(|(name, _)| *name == used) {
                uses.push((module.clone(), used));
            }
        }
    }
    let mut wrong = Vec::new();
    for (module, used) in &uses {
        if layer(used) > layer(module) {
            wrong.push(format!(
                "{module} (layer {}) uses {used} (layer {})",
                layer(module),
                layer(used)
            ));
        }
        if layer(used) == layer(module) && uses.contains(&(used.clone(), module.clone())) {
            wrong.push(format!("{module} and {used} use each other"));
        }
    }
    wrong.sort();
    wrong.dedup();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
