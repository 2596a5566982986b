//! Conversions between Python values and the core's types: JSON values, payloads, timeouts,
//! process states and private keys. Wrong types raise `TypeError`; right types with bad values
//! raise `colonykit.InvalidArgumentError` (also a `ValueError`).

use std::collections::HashMap;
use std::time::Duration;

use colonykit::{PrivateKey, ProcessState};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple,
};
use serde_json::{Map, Number, Value};

use crate::errors::{invalid_argument, wrong_type, IntoPyResult};

/// How deeply JSON values may nest (deeper: most likely a list that contains itself).
const MAX_DEPTH: usize = 128;

/// A JSON value as a Python object (`None`, `bool`, `int`, `float`, `str`, `list`, `dict`).
pub fn json_to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                PyFloat::new(py, n.as_f64().unwrap_or(f64::NAN)).into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => json_list_to_py(py, items)?.into_any(),
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (key, item) in map {
                dict.set_item(key, json_to_py(py, item)?)?;
            }
            dict.into_any()
        }
    })
}

/// A list of JSON values as a Python `list`.
pub fn json_list_to_py<'py>(py: Python<'py>, items: &[Value]) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for item in items {
        list.append(json_to_py(py, item)?)?;
    }
    Ok(list)
}

/// A Python object as a JSON value; `what` names it in error messages.
pub fn py_to_json(object: &Bound<'_, PyAny>, what: &str) -> PyResult<Value> {
    to_json(object, what, 0)
}

fn to_json(object: &Bound<'_, PyAny>, what: &str, depth: usize) -> PyResult<Value> {
    let py = object.py();
    if depth > MAX_DEPTH {
        return Err(invalid_argument(
            py,
            format!("{what} nests deeper than {MAX_DEPTH} levels (does it contain itself?)"),
        ));
    }
    if object.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = object.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if object.is_instance_of::<PyInt>() {
        if let Ok(i) = object.extract::<i64>() {
            return Ok(Value::from(i));
        }
        if let Ok(u) = object.extract::<u64>() {
            return Ok(Value::from(u));
        }
        return Err(invalid_argument(
            py,
            format!("{what} holds an integer outside the 64-bit range of JSON numbers"),
        ));
    }
    if object.is_instance_of::<PyFloat>() {
        let f: f64 = object.extract()?;
        return Number::from_f64(f).map(Value::Number).ok_or_else(|| {
            invalid_argument(py, format!("{what} holds {f}, which JSON cannot represent"))
        });
    }
    if object.is_instance_of::<PyString>() {
        return Ok(Value::String(object.extract()?));
    }
    if object.is_instance_of::<PyList>() || object.is_instance_of::<PyTuple>() {
        let mut items = Vec::new();
        for item in object.try_iter()? {
            items.push(to_json(&item?, what, depth + 1)?);
        }
        return Ok(Value::Array(items));
    }
    if let Ok(dict) = object.cast::<PyDict>() {
        let mut map = Map::new();
        for (key, item) in dict.iter() {
            if !key.is_instance_of::<PyString>() {
                return Err(PyTypeError::new_err(format!(
                    "{what}: dictionary keys must be str, not {}",
                    crate::errors::type_name(&key)
                )));
            }
            map.insert(key.extract()?, to_json(&item, what, depth + 1)?);
        }
        return Ok(Value::Object(map));
    }
    Err(wrong_type(
        what,
        "a JSON value (None, bool, int, float, str, list, tuple or dict)",
        object,
    ))
}

/// A Python list or tuple of JSON values (`output`, `args`).
pub fn py_to_json_list(object: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<Value>> {
    if !(object.is_instance_of::<PyList>() || object.is_instance_of::<PyTuple>()) {
        return Err(wrong_type(what, "a list or tuple", object));
    }
    match py_to_json(object, what)? {
        Value::Array(items) => Ok(items),
        _ => Err(wrong_type(what, "a list or tuple", object)),
    }
}

/// A Python dict with str keys and JSON values (`kwargs`).
pub fn py_to_json_map(object: &Bound<'_, PyAny>, what: &str) -> PyResult<Map<String, Value>> {
    if !object.is_instance_of::<PyDict>() {
        return Err(wrong_type(what, "a dict", object));
    }
    match py_to_json(object, what)? {
        Value::Object(map) => Ok(map),
        _ => Err(wrong_type(what, "a dict", object)),
    }
}

/// A Python dict of str to str (`env`).
pub fn py_to_env(object: &Bound<'_, PyAny>) -> PyResult<HashMap<String, String>> {
    let dict = object
        .cast::<PyDict>()
        .map_err(|_| wrong_type("env", "a dict of str to str", object))?;
    let mut env = HashMap::new();
    for (key, value) in dict.iter() {
        let key: String = key
            .extract()
            .map_err(|_| wrong_type("env keys", "str", &key))?;
        let value: String = value
            .extract()
            .map_err(|_| wrong_type("env values", "str", &value))?;
        env.insert(key, value);
    }
    Ok(env)
}

/// A list of strings (`channels`, `errors`), refusing a lone `str` (a sequence of characters).
pub fn py_to_strings(object: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<String>> {
    if object.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a list of str, not a single str"
        )));
    }
    let items = object
        .try_iter()
        .map_err(|_| wrong_type(what, "a list of str", object))?;
    let mut strings = Vec::new();
    for item in items {
        let item = item?;
        strings.push(
            item.extract()
                .map_err(|_| wrong_type(&format!("each item of {what}"), "a str", &item))?,
        );
    }
    Ok(strings)
}

/// A payload: `bytes` (or `bytearray`) as is, a `str` as UTF-8; anything else is a `TypeError`.
pub fn payload(object: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(bytes) = object.cast::<PyBytes>() {
        return Ok(bytes.as_bytes().to_vec());
    }
    if let Ok(text) = object.cast::<PyString>() {
        let text: String = text.extract()?;
        return Ok(text.into_bytes());
    }
    if let Ok(bytes) = object.cast::<PyByteArray>() {
        return Ok(bytes.to_vec());
    }
    Err(wrong_type("payload", "bytes or str", object))
}

/// Seconds (an `int` or `float`) as a duration; negative, NaN or infinite values are refused.
pub fn seconds(py: Python<'_>, value: f64, what: &str) -> PyResult<Duration> {
    Duration::try_from_secs_f64(value).map_err(|_| {
        invalid_argument(
            py,
            format!("{what} must be a finite number of seconds ≥ 0, got {value}"),
        )
    })
}

/// An optional number of seconds (None: unset).
pub fn optional_seconds(
    py: Python<'_>,
    value: Option<f64>,
    what: &str,
) -> PyResult<Option<Duration>> {
    value.map(|value| seconds(py, value, what)).transpose()
}

/// A process state given as a name (`"running"`, any case), a `ProcessState` or an int.
pub fn process_state(object: &Bound<'_, PyAny>) -> PyResult<ProcessState> {
    let py = object.py();
    const EXPECTED: &str = "waiting, running, success, failed or cancelled";
    if object.is_instance_of::<PyString>() {
        let name: String = object.extract()?;
        return ProcessState::from_name(name.trim()).ok_or_else(|| {
            invalid_argument(
                py,
                format!("unknown process state {name:?} (expected {EXPECTED})"),
            )
        });
    }
    if object.is_instance_of::<PyInt>() && !object.is_instance_of::<PyBool>() {
        let value: i64 = object
            .extract()
            .map_err(|_| invalid_argument(py, "a process state must be 0..4"))?;
        return match ProcessState::from(value) {
            ProcessState::Unknown(_) => Err(invalid_argument(
                py,
                format!("unknown process state {value} (expected 0..4: {EXPECTED})"),
            )),
            state => Ok(state),
        };
    }
    Err(wrong_type("state", "a ProcessState or its name", object))
}

/// A private key given as hex text. `None` and other types are a `TypeError`; bad text is an
/// `InvalidArgumentError` whose message never contains the text.
pub fn private_key(object: &Bound<'_, PyAny>, what: &str) -> PyResult<PrivateKey> {
    let py = object.py();
    if object.is_none() {
        return Err(PyTypeError::new_err(format!(
            "{what} is None: a private key (64 hex characters) is needed"
        )));
    }
    if !object.is_instance_of::<PyString>() {
        return Err(wrong_type(what, "a str of 64 hex characters", object));
    }
    let text: String = object.extract()?;
    PrivateKey::from_hex(&text).py_err(py)
}

/// A count or position that must not be negative (`count`, `after`, `limit`, ...).
pub fn non_negative<T: TryFrom<i64>>(py: Python<'_>, value: i64, what: &str) -> PyResult<T> {
    T::try_from(value).map_err(|_| {
        invalid_argument(
            py,
            format!("{what} must be a non-negative integer in range, got {value}"),
        )
    })
}
