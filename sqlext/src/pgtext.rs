//! `x::text` as PostgreSQL prints `x`: timestamps in PostgreSQL's output format
//! (`2026-12-02 01:28:56.245155+00`, in the session's time zone for `timestamptz`)
//! rather than Arrow's (`2026-12-02T01:28:56.245155555`); every other type as
//! DataFusion casts it. The front end turns casts to text into calls of this function.

use std::str::FromStr;
use std::sync::Arc;

use arrow::array::temporal_conversions::{as_datetime, as_datetime_with_timezone};
use arrow::array::timezone::Tz;
use arrow::array::{Array, ArrayRef, AsArray, StringBuilder};
use arrow::compute::cast;
use arrow::datatypes::{DataType, TimeUnit, TimestampMicrosecondType, TimestampSecondType};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

/// The function the front end calls for `x::text`.
pub const TEXT_FUNCTION: &str = "__pw_text";

#[derive(Debug, PartialEq, Eq, Hash)]
struct PgText {
    signature: Signature,
}

impl ScalarUDFImpl for PgText {
    fn name(&self) -> &str {
        TEXT_FUNCTION
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let zone = args.config_options.execution.time_zone.clone();
        let Some(arg) = args.args.first() else {
            return Ok(ColumnarValue::Scalar(ScalarValue::Utf8(None)));
        };
        let scalar = matches!(arg, ColumnarValue::Scalar(_));
        let array = arg.to_array(if scalar { 1 } else { args.number_rows })?;
        let out = to_text(&array, zone.as_deref())?;
        if scalar {
            Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?))
        } else {
            Ok(ColumnarValue::Array(out))
        }
    }
}

/// The `__pw_text` function.
pub(crate) fn text_function() -> ScalarUDF {
    ScalarUDF::new_from_impl(PgText {
        signature: Signature::any(1, Volatility::Stable),
    })
}

/// The values of `array` as PostgreSQL prints them; `zone` is the session's time zone
/// (`None`: UTC).
pub fn to_text(array: &ArrayRef, zone: Option<&str>) -> Result<ArrayRef> {
    let DataType::Timestamp(_, column_zone) = array.data_type() else {
        return Ok(cast(array, &DataType::Utf8)?);
    };
    // PostgreSQL keeps microseconds.
    let micros = cast(
        array,
        &DataType::Timestamp(TimeUnit::Microsecond, column_zone.clone()),
    )?;
    let micros = micros.as_primitive::<TimestampMicrosecondType>();
    let zone: Option<Tz> = column_zone.as_ref().map(|_| {
        zone.and_then(|z| Tz::from_str(z).ok())
            .unwrap_or_else(|| Tz::from_str("+00:00").expect("a fixed offset parses"))
    });
    let mut out = StringBuilder::with_capacity(micros.len(), micros.len() * 29);
    for i in 0..micros.len() {
        if micros.is_null(i) {
            out.append_null();
            continue;
        }
        let v = micros.value(i);
        match format_micros(v, zone) {
            Some(s) => out.append_value(s),
            None => out.append_null(),
        }
    }
    Ok(Arc::new(out.finish()))
}

/// One timestamp (microseconds since the epoch) as PostgreSQL prints it: with the
/// zone's offset (`+00`, `+05:30`) when `zone` is given, without otherwise.
fn format_micros(v: i64, zone: Option<Tz>) -> Option<String> {
    let secs = v.div_euclid(1_000_000);
    let frac = v.rem_euclid(1_000_000);
    let fraction = if frac == 0 {
        String::new()
    } else {
        format!(".{frac:06}").trim_end_matches('0').to_string()
    };
    match zone {
        None => {
            let dt = as_datetime::<TimestampSecondType>(secs)?;
            Some(format!("{}{fraction}", dt.format("%Y-%m-%d %H:%M:%S")))
        }
        Some(tz) => {
            let dt = as_datetime_with_timezone::<TimestampSecondType>(secs, tz)?;
            let offset = dt.format("%:z").to_string();
            let offset = offset.strip_suffix(":00").unwrap_or(&offset).to_string();
            Some(format!(
                "{}{fraction}{offset}",
                dt.format("%Y-%m-%d %H:%M:%S")
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Int64Array, StringArray, TimestampNanosecondArray};

    fn text(a: ArrayRef, zone: Option<&str>) -> Vec<Option<String>> {
        let out = to_text(&a, zone).unwrap();
        out.as_string::<i32>()
            .iter()
            .map(|v| v.map(str::to_string))
            .collect()
    }

    #[test]
    fn timestamps_print_as_postgres_does() {
        // 2026-12-02 01:28:56.245155555 UTC
        let ns = 1_796_174_936_245_155_555_i64;
        let tz = Arc::new(
            TimestampNanosecondArray::from(vec![Some(ns), None, Some(0)]).with_timezone("UTC"),
        ) as ArrayRef;
        assert_eq!(
            text(tz.clone(), None),
            vec![
                Some("2026-12-02 01:28:56.245155+00".to_string()),
                None,
                Some("1970-01-01 00:00:00+00".to_string())
            ]
        );
        assert_eq!(
            text(tz.clone(), Some("Asia/Kolkata"))[0].as_deref(),
            Some("2026-12-02 06:58:56.245155+05:30")
        );
        assert_eq!(
            text(tz, Some("America/New_York"))[2].as_deref(),
            Some("1969-12-31 19:00:00-05")
        );
        let naive = Arc::new(TimestampNanosecondArray::from(vec![Some(1_500_000)])) as ArrayRef;
        assert_eq!(
            text(naive, Some("Asia/Tokyo"))[0].as_deref(),
            Some("1970-01-01 00:00:00.0015")
        );
    }

    #[test]
    fn other_types_cast_as_before() {
        let ints = Arc::new(Int64Array::from(vec![Some(7), None])) as ArrayRef;
        assert_eq!(text(ints, None), vec![Some("7".to_string()), None]);
        let s = Arc::new(StringArray::from(vec!["a"])) as ArrayRef;
        assert_eq!(text(s, None), vec![Some("a".to_string())]);
    }
}

/// The function the front end calls for `x::regtype[]`.
pub const REGTYPE_NAMES_FUNCTION: &str = "__pw_regtype_names";

/// `x::regtype[]`: the type names of a list of type oids (a list, or an `oidvector`
/// as the catalog holds it here: text `25 23`), as `format_type(oid, NULL)` names them.
#[derive(Debug, PartialEq, Eq, Hash)]
struct RegtypeNames {
    signature: Signature,
}

impl ScalarUDFImpl for RegtypeNames {
    fn name(&self) -> &str {
        REGTYPE_NAMES_FUNCTION
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::List(Arc::new(arrow::datatypes::Field::new(
            "item",
            DataType::Utf8,
            true,
        ))))
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        use arrow::array::{Int32Array, ListBuilder};
        let Some(arg) = args.args.first() else {
            return Ok(ColumnarValue::Scalar(ScalarValue::Null));
        };
        let scalar = matches!(arg, ColumnarValue::Scalar(_));
        let rows = if scalar { 1 } else { args.number_rows };
        let array = arg.to_array(rows)?;
        // Each row's oids.
        let lists: Vec<Option<Vec<i32>>> = match array.data_type() {
            DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(_, _) => {
                let texts = cast(
                    &array,
                    &DataType::List(Arc::new(arrow::datatypes::Field::new(
                        "item",
                        DataType::Int32,
                        true,
                    ))),
                )?;
                let l = texts.as_list::<i32>();
                (0..l.len())
                    .map(|i| {
                        (!l.is_null(i)).then(|| {
                            let v = l.value(i);
                            let v = v.as_primitive::<arrow::datatypes::Int32Type>();
                            v.iter().map(|x| x.unwrap_or(0)).collect()
                        })
                    })
                    .collect()
            }
            DataType::Null => vec![None; rows],
            _ => {
                let text = cast(&array, &DataType::Utf8)?;
                let text = text.as_string::<i32>();
                (0..text.len())
                    .map(|i| {
                        (!text.is_null(i)).then(|| {
                            text.value(i)
                                .split(|c: char| {
                                    c == ' '
                                        || c == ','
                                        || c == '{'
                                        || c == '}'
                                        || c == '['
                                        || c == ']'
                                })
                                .filter_map(|s| s.trim().parse::<i32>().ok())
                                .collect()
                        })
                    })
                    .collect()
            }
        };
        let all: Vec<i32> = lists.iter().flatten().flatten().copied().collect();
        let format_type = datafusion_postgres::datafusion_pg_catalog::pg_catalog::format_type::create_format_type_udf();
        let oids: ArrayRef = Arc::new(Int32Array::from(all.clone()));
        let names = format_type.inner().invoke_with_args(ScalarFunctionArgs {
            args: vec![
                ColumnarValue::Array(oids),
                ColumnarValue::Scalar(ScalarValue::Int32(Some(-1))),
            ],
            arg_fields: vec![
                Arc::new(arrow::datatypes::Field::new("oid", DataType::Int32, true)),
                Arc::new(arrow::datatypes::Field::new(
                    "typmod",
                    DataType::Int32,
                    true,
                )),
            ],
            number_rows: all.len(),
            return_field: Arc::new(arrow::datatypes::Field::new("name", DataType::Utf8, true)),
            config_options: args.config_options.clone(),
        })?;
        let names = names.to_array(all.len())?;
        let names = cast(&names, &DataType::Utf8)?;
        let names = names.as_string::<i32>();
        let mut out = ListBuilder::new(StringBuilder::new());
        let mut next = 0;
        for l in &lists {
            match l {
                None => out.append_null(),
                Some(oids) => {
                    for _ in oids {
                        out.values().append_value(names.value(next));
                        next += 1;
                    }
                    out.append(true);
                }
            }
        }
        let out: ArrayRef = Arc::new(out.finish());
        if scalar {
            Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?))
        } else {
            Ok(ColumnarValue::Array(out))
        }
    }
}

/// The `__pw_regtype_names` function.
pub(crate) fn regtype_names_function() -> ScalarUDF {
    ScalarUDF::new_from_impl(RegtypeNames {
        signature: Signature::any(1, Volatility::Stable),
    })
}

/// The function behind `information_schema._pg_expandarray(a)`.
pub const EXPAND_ARRAY_FUNCTION: &str = "__pw_expandarray";

/// `_pg_expandarray(a)` as a list to unnest: one `{x, n}` struct per element (the
/// element and its 1-based position), from a list or a catalog vector held as text
/// (`1 2`, `[1, 2]`).
#[derive(Debug, PartialEq, Eq, Hash)]
struct ExpandArray {
    signature: Signature,
}

fn expand_fields() -> arrow::datatypes::Fields {
    use arrow::datatypes::Field;
    vec![
        Field::new("x", DataType::Int32, true),
        Field::new("n", DataType::Int32, true),
    ]
    .into()
}

impl ScalarUDFImpl for ExpandArray {
    fn name(&self) -> &str {
        EXPAND_ARRAY_FUNCTION
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::List(Arc::new(arrow::datatypes::Field::new(
            "item",
            DataType::Struct(expand_fields()),
            true,
        ))))
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        use arrow::array::{Int32Builder, ListBuilder, StructBuilder};
        let Some(arg) = args.args.first() else {
            return Ok(ColumnarValue::Scalar(ScalarValue::Null));
        };
        let scalar = matches!(arg, ColumnarValue::Scalar(_));
        let rows = if scalar { 1 } else { args.number_rows };
        let array = arg.to_array(rows)?;
        let text = match array.data_type() {
            DataType::List(_) | DataType::LargeList(_) => {
                // `[1, 2]`-style text, parsed below like the catalog's vectors.
                cast(&array, &DataType::Utf8).or_else(|_| {
                    let list = array.as_list::<i32>();
                    let mut b = StringBuilder::new();
                    for i in 0..list.len() {
                        if list.is_null(i) {
                            b.append_null();
                        } else {
                            let v = cast(&list.value(i), &DataType::Utf8)?;
                            let v = v.as_string::<i32>();
                            b.append_value(v.iter().flatten().collect::<Vec<_>>().join(" "));
                        }
                    }
                    Ok::<ArrayRef, arrow::error::ArrowError>(Arc::new(b.finish()))
                })?
            }
            _ => cast(&array, &DataType::Utf8)?,
        };
        let text = text.as_string::<i32>();
        let mut out = ListBuilder::new(StructBuilder::from_fields(expand_fields(), 0));
        for i in 0..text.len() {
            if text.is_null(i) {
                out.append_null();
                continue;
            }
            let values = text
                .value(i)
                .split(|c: char| {
                    c == ' ' || c == ',' || c == '{' || c == '}' || c == '[' || c == ']'
                })
                .filter_map(|s| s.trim().parse::<i32>().ok());
            for (n, x) in values.enumerate() {
                let s = out.values();
                s.field_builder::<Int32Builder>(0)
                    .expect("x is an Int32 field")
                    .append_value(x);
                s.field_builder::<Int32Builder>(1)
                    .expect("n is an Int32 field")
                    .append_value(n as i32 + 1);
                s.append(true);
            }
            out.append(true);
        }
        let out: ArrayRef = Arc::new(out.finish());
        if scalar {
            Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?))
        } else {
            Ok(ColumnarValue::Array(out))
        }
    }
}

/// The `__pw_expandarray` function.
pub(crate) fn expand_array_function() -> ScalarUDF {
    ScalarUDF::new_from_impl(ExpandArray {
        signature: Signature::any(1, Volatility::Immutable),
    })
}
