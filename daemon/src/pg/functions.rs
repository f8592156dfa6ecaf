//! PostgreSQL functions that need the session's wire types: `pg_typeof`.

use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::common::ScalarValue;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use pgwire::api::Type;

/// A PostgreSQL type as `format_type` / `regtype` output names it.
fn type_name(t: &Type) -> String {
    match *t {
        Type::INT8 => "bigint",
        Type::INT4 => "integer",
        Type::INT2 => "smallint",
        Type::BOOL => "boolean",
        Type::FLOAT8 => "double precision",
        Type::FLOAT4 => "real",
        Type::VARCHAR => "character varying",
        Type::BPCHAR => "character",
        Type::TIMESTAMP => "timestamp without time zone",
        Type::TIMESTAMPTZ => "timestamp with time zone",
        Type::TIME => "time without time zone",
        Type::TIMETZ => "time with time zone",
        _ => return t.name().to_string(),
    }
    .to_string()
}

/// The PostgreSQL type name of a value of Arrow field `f`, as clients see it on the wire.
pub fn pg_type_name(f: &Field) -> String {
    if super::plans::is_json_field(f) {
        return "jsonb".into();
    }
    match f.data_type() {
        DataType::Null => return "unknown".into(),
        DataType::List(inner) | DataType::LargeList(inner) | DataType::FixedSizeList(inner, _) => {
            return format!("{}[]", pg_type_name(inner));
        }
        _ => {}
    }
    match datafusion_postgres::arrow_pg::datatypes::into_pg_type(f.data_type()) {
        Ok(t) => type_name(&t),
        Err(_) => "unknown".into(),
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct PgTypeof {
    signature: Signature,
}

impl ScalarUDFImpl for PgTypeof {
    fn name(&self) -> &str {
        "pg_typeof"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> datafusion::error::Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn invoke_with_args(
        &self,
        args: ScalarFunctionArgs,
    ) -> datafusion::error::Result<ColumnarValue> {
        let name = args
            .arg_fields
            .first()
            .map(|f| pg_type_name(f))
            .unwrap_or_else(|| "unknown".into());
        Ok(ColumnarValue::Scalar(ScalarValue::Utf8(Some(name))))
    }
}

/// `pg_typeof(any)`: the argument's type name (`bigint`, `text`, `jsonb`, ...).
pub fn pg_typeof() -> ScalarUDF {
    ScalarUDF::new_from_impl(PgTypeof {
        signature: Signature::any(1, Volatility::Immutable),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_as_postgresql() {
        let f = |dt: DataType| pg_type_name(&Field::new("x", dt, true));
        assert_eq!(f(DataType::Int64), "bigint");
        assert_eq!(f(DataType::Utf8), "text");
        assert_eq!(f(DataType::Boolean), "boolean");
        let json = Field::new("x", DataType::Utf8, true).with_metadata(
            [(
                super::super::plans::JSON_TYPE_KEY.to_string(),
                "jsonb".to_string(),
            )]
            .into(),
        );
        assert_eq!(pg_type_name(&json), "jsonb");
    }
}
