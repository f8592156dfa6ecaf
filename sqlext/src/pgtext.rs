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
                                .map(|s| s.trim().trim_matches('"'))
                                .filter(|s| !s.is_empty())
                                // A literal names types (`'{int4,text}'::regtype[]`);
                                // the catalog's vectors hold oids.
                                .map(|s| s.parse::<i32>().ok().or_else(|| type_oid(s)).unwrap_or(0))
                                .collect()
                        })
                    })
                    .collect()
            }
        };
        let all: Vec<i32> = lists.iter().flatten().flatten().copied().collect();
        let format_type = format_type_function();
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

/// Types `format_type` and `regtype` name that datafusion-pg-catalog's `format_type`
/// prints as `oid(n)`: pseudo-types (what psql `\df` shows for polymorphic functions),
/// system types of the catalog, network and other built-in types.
const EXTRA_TYPES: &[(i32, &str)] = &[
    (22, "int2vector"),
    (30, "oidvector"),
    (142, "xml"),
    (194, "pg_node_tree"),
    (600, "point"),
    (650, "cidr"),
    (869, "inet"),
    (705, "unknown"),
    (774, "macaddr8"),
    (829, "macaddr"),
    (1033, "aclitem"),
    (1034, "aclitem[]"),
    (1040, "macaddr[]"),
    (1041, "inet[]"),
    (651, "cidr[]"),
    (1028, "oid[]"),
    (1002, "\"char\"[]"),
    (1003, "name[]"),
    (1006, "int2vector[]"),
    (1013, "oidvector[]"),
    (1187, "interval[]"),
    (1790, "refcursor"),
    (2202, "regprocedure"),
    (2203, "regoper"),
    (2204, "regoperator"),
    (2205, "regclass"),
    (2206, "regtype"),
    (2211, "regtype[]"),
    (4089, "regnamespace"),
    (4096, "regrole"),
    (3734, "regconfig"),
    (3769, "regdictionary"),
    (3614, "tsvector"),
    (3615, "tsquery"),
    (2249, "record"),
    (2287, "record[]"),
    (2275, "cstring"),
    (2276, "\"any\""),
    (2277, "anyarray"),
    (2278, "void"),
    (2279, "trigger"),
    (3838, "event_trigger"),
    (2280, "language_handler"),
    (2281, "internal"),
    (2283, "anyelement"),
    (2776, "anynonarray"),
    (3500, "anyenum"),
    (3115, "fdw_handler"),
    (325, "index_am_handler"),
    (3310, "tsm_handler"),
    (269, "table_am_handler"),
    (3831, "anyrange"),
    (4537, "anymultirange"),
    (5077, "anycompatible"),
    (5078, "anycompatiblearray"),
    (5079, "anycompatiblenonarray"),
    (5080, "anycompatiblerange"),
    (4538, "anycompatiblemultirange"),
    (3904, "int4range"),
    (3926, "int8range"),
    (3906, "numrange"),
    (3908, "tsrange"),
    (3910, "tstzrange"),
    (3912, "daterange"),
];

/// The oid of a type given by name, as `'name'::regtype` reads it (PostgreSQL's names
/// and aliases: `int4`, `integer`, `timestamptz`, `anyelement`, ...).
pub(crate) fn type_oid(name: &str) -> Option<i32> {
    let lower = name.trim().to_ascii_lowercase();
    let lower = lower.strip_prefix("pg_catalog.").unwrap_or(&lower);
    if let Some(elem) = lower.strip_suffix("[]") {
        let base = type_oid(elem)?;
        return ARRAY_TYPES
            .iter()
            .find(|(_, b)| *b == base)
            .map(|(a, _)| *a);
    }
    let oid = match lower {
        "bool" | "boolean" => 16,
        "bytea" => 17,
        "char" | "\"char\"" => 18,
        "name" => 19,
        "int8" | "bigint" => 20,
        "int2" | "smallint" => 21,
        "int4" | "integer" | "int" => 23,
        "regproc" => 24,
        "text" => 25,
        "oid" => 26,
        "json" => 114,
        "float4" | "real" => 700,
        "float8" | "double precision" => 701,
        "bpchar" | "character" => 1042,
        "varchar" | "character varying" => 1043,
        "date" => 1082,
        "time" | "time without time zone" => 1083,
        "timestamp" | "timestamp without time zone" => 1114,
        "timestamptz" | "timestamp with time zone" => 1184,
        "interval" => 1186,
        "timetz" | "time with time zone" => 1266,
        "numeric" | "decimal" => 1700,
        "uuid" => 2950,
        "jsonb" => 3802,
        "any" => 2276,
        other => EXTRA_TYPES
            .iter()
            .find(|(_, n)| *n == other)
            .map(|(o, _)| *o)?,
    };
    Some(oid)
}

/// Array types and their element types (datafusion-pg-catalog's list).
const ARRAY_TYPES: &[(i32, i32)] = &[
    (1000, 16),
    (1001, 17),
    (1005, 21),
    (1007, 23),
    (1016, 20),
    (1009, 25),
    (1014, 1042),
    (1015, 1043),
    (1021, 700),
    (1022, 701),
    (1231, 1700),
    (1182, 1082),
    (1183, 1083),
    (1115, 1114),
    (1185, 1184),
    (199, 114),
    (3807, 3802),
    (2951, 2950),
];

/// `format_type(oid, typmod)`: datafusion-pg-catalog's, knowing the pseudo-types and
/// the other types of [`EXTRA_TYPES`] by name instead of printing `oid(n)`.
#[derive(Debug, PartialEq, Eq, Hash)]
struct FormatType {
    signature: Signature,
}

impl ScalarUDFImpl for FormatType {
    fn name(&self) -> &str {
        "format_type"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let scalar = args
            .args
            .iter()
            .all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let rows = if scalar { 1 } else { args.number_rows };
        let oids = match args.args.first() {
            Some(a) => cast(&a.to_array(rows)?, &DataType::Int32)?,
            None => return Ok(ColumnarValue::Scalar(ScalarValue::Utf8(None))),
        };
        let typmods = match args.args.get(1) {
            Some(a) => cast(&a.to_array(rows)?, &DataType::Int32)?,
            None => Arc::new(arrow::array::Int32Array::from(vec![-1; rows])) as ArrayRef,
        };
        let inner = datafusion_pg_catalog::pg_catalog::format_type::create_format_type_udf();
        let names = inner.inner().invoke_with_args(ScalarFunctionArgs {
            args: vec![
                ColumnarValue::Array(oids.clone()),
                ColumnarValue::Array(typmods),
            ],
            arg_fields: vec![
                Arc::new(arrow::datatypes::Field::new("oid", DataType::Int32, true)),
                Arc::new(arrow::datatypes::Field::new(
                    "typmod",
                    DataType::Int32,
                    true,
                )),
            ],
            number_rows: rows,
            return_field: Arc::new(arrow::datatypes::Field::new("name", DataType::Utf8, true)),
            config_options: args.config_options.clone(),
        })?;
        let names = cast(&names.to_array(rows)?, &DataType::Utf8)?;
        let names = names.as_string::<i32>();
        let oids = oids.as_primitive::<arrow::datatypes::Int32Type>();
        let mut out = StringBuilder::with_capacity(rows, rows * 8);
        for i in 0..rows {
            if names.is_null(i) {
                out.append_null();
                continue;
            }
            let name = names.value(i);
            let extra = (name.starts_with("oid(") && !oids.is_null(i))
                .then(|| {
                    EXTRA_TYPES
                        .iter()
                        .find(|(o, _)| *o == oids.value(i))
                        .map(|(_, n)| *n)
                })
                .flatten();
            out.append_value(extra.unwrap_or(name));
        }
        let out: ArrayRef = Arc::new(out.finish());
        if scalar {
            Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?))
        } else {
            Ok(ColumnarValue::Array(out))
        }
    }
}

/// The `format_type` function (replaces datafusion-pg-catalog's).
pub(crate) fn format_type_function() -> ScalarUDF {
    ScalarUDF::new_from_impl(FormatType {
        signature: Signature::one_of(
            vec![
                datafusion::logical_expr::TypeSignature::Any(2),
                datafusion::logical_expr::TypeSignature::Any(1),
            ],
            Volatility::Immutable,
        ),
    })
}

/// `'name'::regtype::text` on a literal: the type's name as `format_type` prints it.
pub(crate) fn regtype_literal_name(name: &str) -> Option<String> {
    let oid = type_oid(name)?;
    if let Some((_, n)) = EXTRA_TYPES.iter().find(|(o, _)| *o == oid) {
        return Some((*n).to_string());
    }
    Some(
        match oid {
            16 => "boolean",
            17 => "bytea",
            18 => "\"char\"",
            19 => "name",
            20 => "bigint",
            21 => "smallint",
            23 => "integer",
            24 => "regproc",
            25 => "text",
            26 => "oid",
            114 => "json",
            700 => "real",
            701 => "double precision",
            1042 => "character",
            1043 => "character varying",
            1082 => "date",
            1083 => "time without time zone",
            1114 => "timestamp without time zone",
            1184 => "timestamp with time zone",
            1186 => "interval",
            1266 => "time with time zone",
            1700 => "numeric",
            2950 => "uuid",
            3802 => "jsonb",
            _ => return None,
        }
        .to_string(),
    )
}

#[cfg(test)]
mod type_name_tests {
    use super::*;

    #[test]
    fn pseudo_types_and_literals_have_names() {
        assert_eq!(type_oid("anyelement"), Some(2283));
        assert_eq!(type_oid("int4"), Some(23));
        assert_eq!(type_oid("pg_catalog.text[]"), Some(1009));
        assert_eq!(regtype_literal_name("int4").as_deref(), Some("integer"));
        assert_eq!(
            regtype_literal_name("anyarray").as_deref(),
            Some("anyarray")
        );
        assert_eq!(regtype_literal_name("no_such_type"), None);
    }
}
