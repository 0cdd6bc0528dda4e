//! Values stored in documents.

use crate::id::ObjId;

/// The kind of a nested object.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum ObjType {
    /// String keys to values; last writer wins per key, concurrent losers stay readable.
    Map,
    /// A sequence of values.
    List,
    /// A sequence of unicode scalar values, indexed by scalar position.
    Text,
}

/// A plain value: everything that is not a nested object.
#[derive(Clone, PartialEq, Debug)]
pub enum ScalarValue {
    /// No value.
    Null,
    /// A boolean.
    Bool(bool),
    /// A signed integer.
    Int(i64),
    /// A double-precision float.
    F64(f64),
    /// A string.
    Str(Box<str>),
    /// Raw bytes.
    Bytes(Box<[u8]>),
    /// A counter: concurrent increments add up instead of overwriting each other. When read,
    /// the value is the initial value plus every increment applied to it.
    Counter(i64),
}

impl From<bool> for ScalarValue {
    fn from(v: bool) -> Self {
        ScalarValue::Bool(v)
    }
}
impl From<i64> for ScalarValue {
    fn from(v: i64) -> Self {
        ScalarValue::Int(v)
    }
}
impl From<i32> for ScalarValue {
    fn from(v: i32) -> Self {
        ScalarValue::Int(v.into())
    }
}
impl From<u32> for ScalarValue {
    fn from(v: u32) -> Self {
        ScalarValue::Int(v.into())
    }
}
impl From<f64> for ScalarValue {
    fn from(v: f64) -> Self {
        ScalarValue::F64(v)
    }
}
impl From<&str> for ScalarValue {
    fn from(v: &str) -> Self {
        ScalarValue::Str(v.into())
    }
}
impl From<String> for ScalarValue {
    fn from(v: String) -> Self {
        ScalarValue::Str(v.into_boxed_str())
    }
}
impl From<Vec<u8>> for ScalarValue {
    fn from(v: Vec<u8>) -> Self {
        ScalarValue::Bytes(v.into_boxed_slice())
    }
}

impl ScalarValue {
    /// The integer, if this is an `Int` or a `Counter`.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            ScalarValue::Int(i) | ScalarValue::Counter(i) => Some(*i),
            _ => None,
        }
    }

    /// The string, if this is a `Str`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            ScalarValue::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// A value as read from a document: a scalar, or a reference to a nested object.
#[derive(Clone, PartialEq, Debug)]
pub enum Value {
    /// A plain value.
    Scalar(ScalarValue),
    /// A nested object, to be read through its id.
    Object(ObjType, ObjId),
}

impl Value {
    /// The scalar, if this is one.
    pub fn as_scalar(&self) -> Option<&ScalarValue> {
        match self {
            Value::Scalar(s) => Some(s),
            Value::Object(..) => None,
        }
    }

    /// The object id, if this is a nested object.
    pub fn as_object(&self) -> Option<ObjId> {
        match self {
            Value::Object(_, id) => Some(*id),
            Value::Scalar(_) => None,
        }
    }

    /// The integer, if this is an `Int` or a `Counter`.
    pub fn as_int(&self) -> Option<i64> {
        self.as_scalar().and_then(ScalarValue::as_int)
    }

    /// The string, if this is a `Str`.
    pub fn as_str(&self) -> Option<&str> {
        self.as_scalar().and_then(ScalarValue::as_str)
    }
}

impl<T: Into<ScalarValue>> From<T> for Value {
    fn from(v: T) -> Self {
        Value::Scalar(v.into())
    }
}

/// Where a value lives in its parent object: a map key or a list index.
#[derive(Clone, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum Prop {
    /// A key of a map.
    Key(String),
    /// A position in a list or text.
    Index(usize),
}

impl From<&str> for Prop {
    fn from(k: &str) -> Self {
        Prop::Key(k.to_owned())
    }
}
impl From<String> for Prop {
    fn from(k: String) -> Self {
        Prop::Key(k)
    }
}
impl From<usize> for Prop {
    fn from(i: usize) -> Self {
        Prop::Index(i)
    }
}

impl std::fmt::Display for Prop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Prop::Key(k) => write!(f, "{k:?}"),
            Prop::Index(i) => write!(f, "[{i}]"),
        }
    }
}
