//! Scalar JSON functions and the functions behind the JSON operators.

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, BooleanBuilder, Int32Builder, StringArray, StringBuilder,
};
use arrow::compute::cast;
use arrow::datatypes::{
    DataType, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type,
    UInt16Type, UInt32Type, UInt64Type,
};
use datafusion::common::tree_node::Transformed;
use datafusion::common::{Result, exec_err, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature,
    Volatility,
};
use serde_json::{Map, Number, Value};

use crate::SqlExtError;
use crate::json;
use crate::known;
use crate::scan::{self, Scan};

/// What a [`JsonUdf`] computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    /// `->` / `->>` (key or index chosen by the second argument's type).
    Get { text: bool },
    /// `#>` / `#>>`, `jsonb_extract_path[_text]`.
    ExtractPath { text: bool },
    /// `@>`.
    Contains,
    /// `<@`.
    Contained,
    /// `?`.
    Exists,
    /// `?|`.
    ExistsAny,
    /// `?&`.
    ExistsAll,
    /// `jsonb_array_length`.
    ArrayLength,
    /// `jsonb_typeof`.
    TypeOf,
    /// `jsonb_pretty`.
    Pretty,
    /// `jsonb_strip_nulls`.
    StripNulls,
    /// The `::jsonb` / `::json` cast: validate and normalise JSON text.
    Cast,
    /// `to_jsonb` / `to_json`.
    ToJson,
    /// `jsonb_build_object`.
    BuildObject,
    /// `jsonb_build_array`.
    BuildArray,
}

/// Name of the function the `::jsonb` cast is rewritten into (PostgreSQL's
/// jsonb input function has the same name).
pub(crate) const CAST_FUNCTION: &str = "jsonb_in";

/// A scalar JSON function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct JsonUdf {
    name: &'static str,
    aliases: Vec<String>,
    kind: Kind,
    signature: Signature,
    /// For the builders: which arguments are JSON text to embed as JSON
    /// (set by the analyzer rule; see [`embed_json_arguments`]).
    json_args: Vec<bool>,
}

impl JsonUdf {
    fn new(name: &'static str, aliases: &[&str], kind: Kind) -> Self {
        let signature = match kind {
            Kind::BuildObject | Kind::BuildArray => Signature::one_of(
                vec![TypeSignature::Nullary, TypeSignature::UserDefined],
                Volatility::Immutable,
            ),
            _ => Signature::user_defined(Volatility::Immutable),
        };
        JsonUdf {
            name,
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            kind,
            signature,
            json_args: Vec::new(),
        }
    }
}

/// Builds the [`ScalarUDF`] for one kind (used by the operator planner).
pub(crate) fn udf(kind: Kind) -> Arc<ScalarUDF> {
    let (name, aliases) = names(kind);
    Arc::new(ScalarUDF::new_from_impl(JsonUdf::new(name, aliases, kind)))
}

fn names(kind: Kind) -> (&'static str, &'static [&'static str]) {
    match kind {
        Kind::Get { text: false } => ("jsonb_object_field", &[]),
        Kind::Get { text: true } => ("jsonb_object_field_text", &[]),
        Kind::ExtractPath { text: false } => ("jsonb_extract_path", &["json_extract_path"]),
        Kind::ExtractPath { text: true } => {
            ("jsonb_extract_path_text", &["json_extract_path_text"])
        }
        Kind::Contains => ("jsonb_contains", &[]),
        Kind::Contained => ("jsonb_contained", &[]),
        Kind::Exists => ("jsonb_exists", &[]),
        Kind::ExistsAny => ("jsonb_exists_any", &[]),
        Kind::ExistsAll => ("jsonb_exists_all", &[]),
        Kind::ArrayLength => ("jsonb_array_length", &["json_array_length"]),
        Kind::TypeOf => ("jsonb_typeof", &["json_typeof"]),
        Kind::Pretty => ("jsonb_pretty", &[]),
        Kind::StripNulls => ("jsonb_strip_nulls", &["json_strip_nulls"]),
        Kind::Cast => (CAST_FUNCTION, &[]),
        Kind::ToJson => ("to_jsonb", &["to_json"]),
        Kind::BuildObject => ("jsonb_build_object", &["json_build_object"]),
        Kind::BuildArray => ("jsonb_build_array", &["json_build_array"]),
    }
}

/// Names of the scalar functions whose result is JSON text (as opposed to
/// plain text): their results are embedded as JSON by the builders.
const JSON_PRODUCING: &[&str] = &[
    "jsonb_object_field",
    "jsonb_array_element",
    "jsonb_extract_path",
    "jsonb_strip_nulls",
    CAST_FUNCTION,
    "to_jsonb",
    "jsonb_build_object",
    "jsonb_build_array",
];

pub(crate) fn is_json_producing(expr: &Expr) -> bool {
    match expr {
        Expr::Alias(a) => is_json_producing(&a.expr),
        Expr::ScalarFunction(f) => JSON_PRODUCING.contains(&f.func.name()),
        Expr::AggregateFunction(f) => {
            matches!(f.func.name(), "jsonb_agg" | "jsonb_object_agg")
        }
        _ => false,
    }
}

/// Analyzer step: `to_jsonb(<json>)` is the JSON itself, and the builders and
/// aggregates embed JSON arguments as JSON instead of as strings, as
/// PostgreSQL does for jsonb arguments.
pub(crate) fn embed_json_arguments(expr: Expr) -> Result<Transformed<Expr>> {
    match expr {
        Expr::ScalarFunction(f)
            if matches!(f.func.name(), "to_jsonb")
                && f.args.len() == 1
                && is_json_producing(&f.args[0]) =>
        {
            let mut args = f.args;
            Ok(Transformed::yes(args.remove(0)))
        }
        Expr::ScalarFunction(mut f)
            if matches!(f.func.name(), "jsonb_build_object" | "jsonb_build_array") =>
        {
            let mask: Vec<bool> = f.args.iter().map(is_json_producing).collect();
            let Some(current) = f.func.inner().downcast_ref::<JsonUdf>() else {
                return Ok(Transformed::no(Expr::ScalarFunction(f)));
            };
            if !mask.iter().any(|m| *m) || current.json_args == mask {
                return Ok(Transformed::no(Expr::ScalarFunction(f)));
            }
            let (name, aliases) = names(current.kind);
            let mut udf = JsonUdf::new(name, aliases, current.kind);
            udf.json_args = mask;
            f.func = Arc::new(ScalarUDF::new_from_impl(udf));
            Ok(Transformed::yes(Expr::ScalarFunction(f)))
        }
        Expr::AggregateFunction(mut f)
            if matches!(f.func.name(), "jsonb_agg" | "jsonb_object_agg") =>
        {
            let Some(current) = f.func.inner().downcast_ref::<crate::aggregate::JsonAgg>() else {
                return Ok(Transformed::no(Expr::AggregateFunction(f)));
            };
            let object = current.is_object();
            let value_pos = usize::from(object);
            let json = f.params.args.get(value_pos).is_some_and(is_json_producing);
            if !json {
                return Ok(Transformed::no(Expr::AggregateFunction(f)));
            }
            f.func = Arc::new(datafusion::logical_expr::AggregateUDF::new_from_impl(
                crate::aggregate::JsonAgg::new(object, true),
            ));
            Ok(Transformed::yes(Expr::AggregateFunction(f)))
        }
        other => Ok(Transformed::no(other)),
    }
}

/// `->` with an integer uses PostgreSQL's `jsonb_array_element` name; the
/// implementation is shared with `jsonb_object_field`.
pub(crate) fn array_element_udf(text: bool) -> Arc<ScalarUDF> {
    let name = if text {
        "jsonb_array_element_text"
    } else {
        "jsonb_array_element"
    };
    Arc::new(ScalarUDF::new_from_impl(JsonUdf::new(
        name,
        &[],
        Kind::Get { text },
    )))
}

/// Every scalar function registered by [`crate::register`].
pub(crate) fn scalar_functions() -> Vec<ScalarUDF> {
    let kinds = [
        Kind::Get { text: false },
        Kind::Get { text: true },
        Kind::ExtractPath { text: false },
        Kind::ExtractPath { text: true },
        Kind::Contains,
        Kind::Contained,
        Kind::Exists,
        Kind::ExistsAny,
        Kind::ExistsAll,
        Kind::ArrayLength,
        Kind::TypeOf,
        Kind::Pretty,
        Kind::StripNulls,
        Kind::Cast,
        Kind::ToJson,
        Kind::BuildObject,
        Kind::BuildArray,
    ];
    let mut out: Vec<ScalarUDF> = kinds.iter().map(|k| udf(*k).as_ref().clone()).collect();
    out.push(array_element_udf(false).as_ref().clone());
    out.push(array_element_udf(true).as_ref().clone());
    out.extend(crate::srf::list_functions());
    out
}

/// Coerces any string type (and NULL) to `Utf8`; other types are an error.
pub(crate) fn text_type(function: &str, position: usize, t: &DataType) -> Result<DataType> {
    match t {
        DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8 | DataType::Null => {
            Ok(DataType::Utf8)
        }
        DataType::Dictionary(_, v) if v.is_string() => Ok(DataType::Utf8),
        other => plan_err!(
            "function {function} does not accept {other} as argument {}; expected JSON text",
            position + 1
        ),
    }
}

/// Returns the argument as a `StringArray`, casting other string encodings.
pub(crate) fn utf8_array(function: &str, array: &ArrayRef) -> Result<StringArray> {
    let array = match array.data_type() {
        DataType::Utf8 => Arc::clone(array),
        DataType::Utf8View | DataType::LargeUtf8 | DataType::Null | DataType::Dictionary(_, _) => {
            cast(array, &DataType::Utf8)?
        }
        other => return exec_err!("function {function} expects text, got {other}"),
    };
    match array.as_string_opt::<i32>() {
        Some(a) => Ok(a.clone()),
        None => exec_err!("function {function} expects text"),
    }
}

/// A text-array argument (`?|`, `?&`, `#>` with a column): either an Arrow
/// list of strings or PostgreSQL array text such as `{a,b}`.
fn text_list_at(function: &str, array: &ArrayRef, row: usize) -> Result<Option<Vec<String>>> {
    if array.is_null(row) {
        return Ok(None);
    }
    match array.data_type() {
        DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(_, _) => {
            let values = match array.data_type() {
                DataType::List(_) => array.as_list::<i32>().value(row),
                DataType::LargeList(_) => array.as_list::<i64>().value(row),
                _ => array.as_fixed_size_list().value(row),
            };
            let strings = utf8_array(function, &values)?;
            let mut out = Vec::with_capacity(strings.len());
            for i in 0..strings.len() {
                if strings.is_null(i) {
                    // PostgreSQL ignores NULL elements in ?| and ?& arrays.
                    continue;
                }
                out.push(strings.value(i).to_string());
            }
            Ok(Some(out))
        }
        _ => {
            let strings = utf8_array(function, array)?;
            Ok(Some(json::parse_text_array(strings.value(row))?))
        }
    }
}

impl ScalarUDFImpl for JsonUdf {
    fn name(&self) -> &str {
        self.name
    }

    fn aliases(&self) -> &[String] {
        &self.aliases
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(match self.kind {
            Kind::Contains | Kind::Contained | Kind::Exists | Kind::ExistsAny | Kind::ExistsAll => {
                DataType::Boolean
            }
            Kind::ArrayLength => DataType::Int32,
            _ => DataType::Utf8,
        })
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let name = self.name;
        let arity = |n: usize| -> Result<()> {
            if arg_types.len() != n {
                return plan_err!(
                    "function {name} takes {n} argument(s), got {}",
                    arg_types.len()
                );
            }
            Ok(())
        };
        match self.kind {
            Kind::Get { .. } => {
                arity(2)?;
                let key = match &arg_types[1] {
                    t if t.is_integer() => DataType::Int64,
                    t => text_type(name, 1, t)?,
                };
                Ok(vec![text_type(name, 0, &arg_types[0])?, key])
            }
            Kind::ExtractPath { .. } => {
                if arg_types.is_empty() {
                    return plan_err!("function {name} needs a JSON argument");
                }
                let mut out = vec![text_type(name, 0, &arg_types[0])?];
                for (i, t) in arg_types.iter().enumerate().skip(1) {
                    out.push(match t {
                        DataType::List(_)
                        | DataType::LargeList(_)
                        | DataType::FixedSizeList(_, _)
                            if arg_types.len() == 2 =>
                        {
                            t.clone()
                        }
                        t if t.is_integer() => DataType::Utf8,
                        t => text_type(name, i, t)?,
                    });
                }
                Ok(out)
            }
            Kind::Contains | Kind::Contained => {
                arity(2)?;
                Ok(vec![
                    text_type(name, 0, &arg_types[0])?,
                    text_type(name, 1, &arg_types[1])?,
                ])
            }
            Kind::Exists => {
                arity(2)?;
                Ok(vec![
                    text_type(name, 0, &arg_types[0])?,
                    text_type(name, 1, &arg_types[1])?,
                ])
            }
            Kind::ExistsAny | Kind::ExistsAll => {
                arity(2)?;
                let list = match &arg_types[1] {
                    t @ (DataType::List(_)
                    | DataType::LargeList(_)
                    | DataType::FixedSizeList(_, _)) => t.clone(),
                    t => text_type(name, 1, t)?,
                };
                Ok(vec![text_type(name, 0, &arg_types[0])?, list])
            }
            Kind::ArrayLength | Kind::TypeOf | Kind::Pretty | Kind::StripNulls | Kind::Cast => {
                arity(1)?;
                Ok(vec![text_type(name, 0, &arg_types[0])?])
            }
            Kind::ToJson => {
                arity(1)?;
                Ok(arg_types.to_vec())
            }
            Kind::BuildObject => {
                if arg_types.len() % 2 != 0 {
                    return plan_err!(
                        "function {name}: argument list must have even number of elements"
                    );
                }
                Ok(arg_types.to_vec())
            }
            Kind::BuildArray => Ok(arg_types.to_vec()),
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let array = self.evaluate(&arrays, rows)?;
        Ok(ColumnarValue::Array(array))
    }
}

fn parse_row(context: &str, text: &str) -> Result<Value> {
    Ok(json::parse(text, context)?)
}

impl JsonUdf {
    /// Builder arguments as JSON values, parsing those marked as JSON.
    fn argument_values(&self, arrays: &[ArrayRef]) -> Result<Vec<Vec<Value>>> {
        arrays
            .iter()
            .enumerate()
            .map(|(i, a)| {
                if self.json_args.get(i).copied().unwrap_or(false) {
                    let texts = utf8_array(self.name, a)?;
                    (0..texts.len())
                        .map(|r| {
                            if texts.is_null(r) {
                                Ok(Value::Null)
                            } else {
                                parse_row(self.name, texts.value(r))
                            }
                        })
                        .collect()
                } else {
                    json_values(a)
                }
            })
            .collect()
    }

    fn evaluate(&self, arrays: &[ArrayRef], rows: usize) -> Result<ArrayRef> {
        let name = self.name;
        match self.kind {
            Kind::Get { text } => {
                let docs = utf8_array(name, &arrays[0])?;
                let mut out = StringBuilder::with_capacity(rows, rows * 16);
                let key = &arrays[1];
                let index = if key.data_type().is_integer() {
                    Some(cast(key, &DataType::Int64)?)
                } else {
                    None
                };
                let keys = match index {
                    Some(_) => None,
                    None => Some(utf8_array(name, key)?),
                };
                let known = known::lookup(&docs);
                // Rows validated here (and whether each is printed as jsonb), to remember.
                let mut checked = known.is_none().then(|| vec![false; rows]);
                for row in 0..rows {
                    if docs.is_null(row) || key.is_null(row) {
                        if !docs.is_null(row) {
                            checked = None;
                        }
                        out.append_null();
                        continue;
                    }
                    if let (None, Some(k)) = (&index, &keys) {
                        if let Some(kn) = &known
                            && let Some(found) =
                                known::object_field(docs.value(row), k.value(row), kn.rendered[row])
                        {
                            match found {
                                None => out.append_null(),
                                Some(raw) if !text && kn.rendered[row] => out.append_value(raw),
                                Some(raw) => append_raw(&mut out, name, raw, text)?,
                            }
                            continue;
                        }
                        // The common `doc -> 'key'`: found without parsing the document.
                        match scan::object_field_rendered(docs.value(row), k.value(row)) {
                            Scan::Found((found, rendered)) => {
                                if let Some(c) = checked.as_mut() {
                                    c[row] = rendered;
                                }
                                match found {
                                    None => out.append_null(),
                                    // Part of a document printed as jsonb: printed as jsonb.
                                    Some(raw) if rendered && !text => out.append_value(raw),
                                    Some(raw) => append_raw(&mut out, name, raw, text)?,
                                }
                                continue;
                            }
                            Scan::Invalid | Scan::Unsure => {}
                        }
                    }
                    let doc = parse_row(name, docs.value(row))?;
                    let found = match (&index, &keys) {
                        (Some(idx), _) => {
                            json::get_index(&doc, idx.as_primitive::<Int64Type>().value(row))
                        }
                        (None, Some(k)) => json::get_key(&doc, k.value(row)),
                        (None, None) => None,
                    };
                    append_found(&mut out, found, text);
                }
                if let Some(c) = checked
                    && docs.len() == rows
                {
                    // Every document was valid (or this returned an error).
                    known::remember(&docs, c);
                }
                let out = out.finish();
                if !text {
                    // Every value `->` returns is valid and printed as jsonb.
                    known::remember(&out, vec![true; out.len()]);
                }
                Ok(Arc::new(out))
            }
            Kind::ExtractPath { text } => {
                let docs = utf8_array(name, &arrays[0])?;
                let mut out = StringBuilder::with_capacity(rows, rows * 16);
                let list_path = arrays.len() == 2
                    && matches!(
                        arrays[1].data_type(),
                        DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(_, _)
                    );
                let steps: Vec<StringArray> = if list_path {
                    Vec::new()
                } else {
                    arrays[1..]
                        .iter()
                        .map(|a| {
                            let a = if a.data_type().is_integer() {
                                cast(a, &DataType::Utf8)?
                            } else {
                                Arc::clone(a)
                            };
                            utf8_array(name, &a)
                        })
                        .collect::<Result<_>>()?
                };
                for row in 0..rows {
                    if docs.is_null(row) {
                        out.append_null();
                        continue;
                    }
                    let path: Vec<String> = if list_path {
                        match text_list_at(name, &arrays[1], row)? {
                            Some(p) => p,
                            None => {
                                out.append_null();
                                continue;
                            }
                        }
                    } else {
                        // PostgreSQL returns NULL when any path element is NULL.
                        if steps.iter().any(|s| s.is_null(row)) {
                            out.append_null();
                            continue;
                        }
                        steps.iter().map(|s| s.value(row).to_string()).collect()
                    };
                    let doc = parse_row(name, docs.value(row))?;
                    append_found(&mut out, json::get_path(&doc, &path), text);
                }
                Ok(Arc::new(out.finish()))
            }
            Kind::Contains | Kind::Contained => {
                let left = utf8_array(name, &arrays[0])?;
                let right = utf8_array(name, &arrays[1])?;
                let mut out = BooleanBuilder::with_capacity(rows);
                // The right side is nearly always a constant; parse it once.
                let mut cached: Option<(String, Value)> = None;
                for row in 0..rows {
                    if left.is_null(row) || right.is_null(row) {
                        out.append_null();
                        continue;
                    }
                    let a = parse_row(name, left.value(row))?;
                    let rtext = right.value(row);
                    let b = match &cached {
                        Some((t, v)) if t == rtext => v.clone(),
                        _ => {
                            let v = parse_row(name, rtext)?;
                            cached = Some((rtext.to_string(), v.clone()));
                            v
                        }
                    };
                    let result = if self.kind == Kind::Contains {
                        json::contains(&a, &b)
                    } else {
                        json::contains(&b, &a)
                    };
                    out.append_value(result);
                }
                Ok(Arc::new(out.finish()))
            }
            Kind::Exists => {
                let docs = utf8_array(name, &arrays[0])?;
                let keys = utf8_array(name, &arrays[1])?;
                let mut out = BooleanBuilder::with_capacity(rows);
                let known = known::lookup(&docs);
                for row in 0..rows {
                    if docs.is_null(row) || keys.is_null(row) {
                        out.append_null();
                        continue;
                    }
                    if let Some(kn) = &known
                        && let Some(b) =
                            known::exists(docs.value(row), keys.value(row), kn.rendered[row])
                    {
                        out.append_value(b);
                        continue;
                    }
                    if let Scan::Found(b) = scan::exists(docs.value(row), keys.value(row)) {
                        out.append_value(b);
                        continue;
                    }
                    let doc = parse_row(name, docs.value(row))?;
                    out.append_value(json::exists(&doc, keys.value(row)));
                }
                Ok(Arc::new(out.finish()))
            }
            Kind::ExistsAny | Kind::ExistsAll => {
                let docs = utf8_array(name, &arrays[0])?;
                let mut out = BooleanBuilder::with_capacity(rows);
                for row in 0..rows {
                    if docs.is_null(row) {
                        out.append_null();
                        continue;
                    }
                    let Some(keys) = text_list_at(name, &arrays[1], row)? else {
                        out.append_null();
                        continue;
                    };
                    let doc = parse_row(name, docs.value(row))?;
                    let result = if self.kind == Kind::ExistsAny {
                        keys.iter().any(|k| json::exists(&doc, k))
                    } else {
                        keys.iter().all(|k| json::exists(&doc, k))
                    };
                    out.append_value(result);
                }
                Ok(Arc::new(out.finish()))
            }
            Kind::ArrayLength => {
                let docs = utf8_array(name, &arrays[0])?;
                let mut out = Int32Builder::with_capacity(rows);
                for row in 0..rows {
                    if docs.is_null(row) {
                        out.append_null();
                        continue;
                    }
                    match parse_row(name, docs.value(row))? {
                        Value::Array(items) => {
                            out.append_value(i32::try_from(items.len()).map_err(|_| {
                                SqlExtError::invalid_argument(name, "array too long")
                            })?)
                        }
                        Value::Object(_) => {
                            return exec_err!("cannot get array length of a non-array");
                        }
                        _ => return exec_err!("cannot get array length of a scalar"),
                    }
                }
                Ok(Arc::new(out.finish()))
            }
            Kind::TypeOf | Kind::Pretty | Kind::StripNulls | Kind::Cast => {
                let docs = utf8_array(name, &arrays[0])?;
                let mut out = StringBuilder::with_capacity(rows, rows * 16);
                for row in 0..rows {
                    if docs.is_null(row) {
                        out.append_null();
                        continue;
                    }
                    let doc = parse_row(name, docs.value(row))?;
                    match self.kind {
                        Kind::TypeOf => out.append_value(json::type_name(&doc)),
                        Kind::Pretty => out.append_value(json::render_pretty(&doc)),
                        Kind::StripNulls => {
                            out.append_value(json::render(&json::strip_nulls(&doc)))
                        }
                        _ => out.append_value(json::render(&doc)),
                    }
                }
                Ok(Arc::new(out.finish()))
            }
            Kind::ToJson => {
                let values = json_values(&arrays[0])?;
                let mut out = StringBuilder::with_capacity(rows, rows * 16);
                for (row, v) in values.iter().enumerate().take(rows) {
                    // to_jsonb(NULL) is SQL NULL, not JSON null.
                    if arrays[0].is_null(row) {
                        out.append_null();
                    } else {
                        out.append_value(json::render(v));
                    }
                }
                Ok(Arc::new(out.finish()))
            }
            Kind::BuildObject => {
                if arrays.len() % 2 != 0 {
                    return exec_err!("{name}: argument list must have even number of elements");
                }
                let columns = self.argument_values(arrays)?;
                let mut out = StringBuilder::with_capacity(rows, rows * 32);
                for row in 0..rows {
                    let mut map = Map::new();
                    for pair in 0..columns.len() / 2 {
                        let key = match &columns[2 * pair][row] {
                            Value::Null => {
                                return exec_err!(
                                    "{name}: argument {}: key must not be null",
                                    2 * pair + 1
                                );
                            }
                            Value::String(s) => s.clone(),
                            other => json::render(other),
                        };
                        map.insert(key, columns[2 * pair + 1][row].clone());
                    }
                    out.append_value(json::render(&Value::Object(map)));
                }
                Ok(Arc::new(out.finish()))
            }
            Kind::BuildArray => {
                let columns = self.argument_values(arrays)?;
                let mut out = StringBuilder::with_capacity(rows, rows * 32);
                for row in 0..rows {
                    let items = columns.iter().map(|c| c[row].clone()).collect();
                    out.append_value(json::render(&Value::Array(items)));
                }
                Ok(Arc::new(out.finish()))
            }
        }
    }
}

/// [`append_found`] for the raw text of a value found by [`scan`]: strings without
/// escapes are already in jsonb form, anything else is parsed and rendered.
fn append_raw(out: &mut StringBuilder, context: &str, raw: &str, text: bool) -> Result<()> {
    if let Some(s) = scan::plain_string(raw) {
        out.append_value(if text { s } else { raw });
        return Ok(());
    }
    if text && raw == "null" {
        out.append_null();
        return Ok(());
    }
    if !text && scan::is_rendered(raw) {
        out.append_value(raw);
        return Ok(());
    }
    let value = parse_row(context, raw)?;
    append_found(out, Some(&value), text);
    Ok(())
}

fn append_found(out: &mut StringBuilder, found: Option<&Value>, text: bool) {
    match found {
        None => out.append_null(),
        Some(v) if text => match json::as_text(v) {
            Some(s) => out.append_value(s),
            None => out.append_null(),
        },
        Some(v) => out.append_value(json::render(v)),
    }
}

fn float_value(f: f64) -> Value {
    match Number::from_f64(f) {
        Some(n) => Value::Number(n),
        // PostgreSQL renders non-finite numbers as strings in JSON.
        None if f.is_nan() => Value::String("NaN".to_string()),
        None if f > 0.0 => Value::String("Infinity".to_string()),
        None => Value::String("-Infinity".to_string()),
    }
}

macro_rules! primitive_values {
    ($array:expr, $t:ty, $conv:expr) => {{
        let a = $array.as_primitive::<$t>();
        (0..a.len())
            .map(|i| {
                if a.is_null(i) {
                    Value::Null
                } else {
                    $conv(a.value(i))
                }
            })
            .collect()
    }};
}

/// Converts every row of an Arrow array to the JSON value `to_jsonb` would
/// produce for it (SQL NULL becomes JSON null; callers handle top-level NULL).
pub(crate) fn json_values(array: &ArrayRef) -> Result<Vec<Value>> {
    let n = array.len();
    let values: Vec<Value> = match array.data_type() {
        DataType::Null => vec![Value::Null; n],
        DataType::Boolean => {
            let a = array.as_boolean();
            (0..n)
                .map(|i| {
                    if a.is_null(i) {
                        Value::Null
                    } else {
                        Value::Bool(a.value(i))
                    }
                })
                .collect()
        }
        DataType::Int8 => primitive_values!(array, Int8Type, |v: i8| Value::from(v)),
        DataType::Int16 => primitive_values!(array, Int16Type, |v: i16| Value::from(v)),
        DataType::Int32 => primitive_values!(array, Int32Type, |v: i32| Value::from(v)),
        DataType::Int64 => primitive_values!(array, Int64Type, |v: i64| Value::from(v)),
        DataType::UInt8 => primitive_values!(array, UInt8Type, |v: u8| Value::from(v)),
        DataType::UInt16 => primitive_values!(array, UInt16Type, |v: u16| Value::from(v)),
        DataType::UInt32 => primitive_values!(array, UInt32Type, |v: u32| Value::from(v)),
        DataType::UInt64 => primitive_values!(array, UInt64Type, |v: u64| Value::from(v)),
        DataType::Float16 => {
            let widened = cast(array, &DataType::Float64)?;
            primitive_values!(widened, Float64Type, float_value)
        }
        DataType::Float32 => {
            primitive_values!(array, Float32Type, |v: f32| float_value(f64::from(v)))
        }
        DataType::Float64 => primitive_values!(array, Float64Type, float_value),
        DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8 => {
            let a = utf8_array("to_jsonb", array)?;
            (0..n)
                .map(|i| {
                    if a.is_null(i) {
                        Value::Null
                    } else {
                        Value::String(a.value(i).to_string())
                    }
                })
                .collect()
        }
        DataType::Decimal32(_, _)
        | DataType::Decimal64(_, _)
        | DataType::Decimal128(_, _)
        | DataType::Decimal256(_, _) => {
            let a = utf8_array("to_jsonb", &cast(array, &DataType::Utf8)?)?;
            (0..n)
                .map(|i| {
                    if a.is_null(i) {
                        Value::Null
                    } else {
                        serde_json::from_str::<Number>(a.value(i))
                            .map(Value::Number)
                            .unwrap_or_else(|_| Value::String(a.value(i).to_string()))
                    }
                })
                .collect()
        }
        DataType::List(_) | DataType::LargeList(_) => {
            let (child, offsets): (ArrayRef, Vec<(usize, usize)>) = match array.data_type() {
                DataType::List(_) => {
                    let l = array.as_list::<i32>();
                    let offs = l.value_offsets();
                    (
                        Arc::clone(l.values()),
                        (0..n)
                            .map(|i| (offs[i] as usize, offs[i + 1] as usize))
                            .collect(),
                    )
                }
                _ => {
                    let l = array.as_list::<i64>();
                    let offs = l.value_offsets();
                    (
                        Arc::clone(l.values()),
                        (0..n)
                            .map(|i| (offs[i] as usize, offs[i + 1] as usize))
                            .collect(),
                    )
                }
            };
            let child_values = json_values(&child)?;
            offsets
                .into_iter()
                .enumerate()
                .map(|(i, (start, end))| {
                    if array.is_null(i) {
                        Value::Null
                    } else {
                        Value::Array(child_values.get(start..end).unwrap_or_default().to_vec())
                    }
                })
                .collect()
        }
        DataType::Struct(fields) => {
            let s = array.as_struct();
            let children: Vec<Vec<Value>> =
                s.columns().iter().map(json_values).collect::<Result<_>>()?;
            (0..n)
                .map(|i| {
                    if s.is_null(i) {
                        return Value::Null;
                    }
                    let mut map = Map::new();
                    for (f, child) in fields.iter().zip(children.iter()) {
                        map.insert(f.name().clone(), child[i].clone());
                    }
                    Value::Object(map)
                })
                .collect()
        }
        // Dates, times and timestamps: Arrow's text form is ISO 8601 with a
        // `T`, which is what PostgreSQL's to_jsonb produces as well.
        _ => {
            let text = cast(array, &DataType::Utf8).map_err(|e| {
                SqlExtError::invalid_argument(
                    "to_jsonb",
                    format!("cannot convert {} to JSON: {e}", array.data_type()),
                )
            })?;
            let a = utf8_array("to_jsonb", &text)?;
            // Arrow prints UTC as `Z`; PostgreSQL prints an offset.
            let zoned = matches!(array.data_type(), DataType::Timestamp(_, Some(_)));
            (0..n)
                .map(|i| {
                    if a.is_null(i) {
                        Value::Null
                    } else {
                        let v = a.value(i);
                        match v.strip_suffix('Z') {
                            Some(prefix) if zoned => Value::String(format!("{prefix}+00:00")),
                            _ => Value::String(v.to_string()),
                        }
                    }
                })
                .collect()
        }
    };
    Ok(values)
}
