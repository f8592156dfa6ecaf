//! JSON aggregates: `jsonb_agg` and `jsonb_object_agg` (and `json_` aliases).
//!
//! Values are converted as `to_jsonb` converts them. Arguments that are
//! themselves JSON (results of the JSON operators and functions) are embedded
//! as JSON rather than as strings; the analyzer rule marks those calls.

use std::mem::size_of;

use arrow::array::{Array, ArrayRef};
use arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue, exec_err, not_impl_err, plan_err};
use datafusion::logical_expr::function::AccumulatorArgs;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Signature, Volatility,
};
use serde_json::{Map, Value};

use crate::json;
use crate::udf::{json_values, utf8_array};

/// `jsonb_agg(value)` or `jsonb_object_agg(key, value)`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct JsonAgg {
    name: &'static str,
    aliases: Vec<String>,
    object: bool,
    /// The value argument is JSON text to embed as JSON.
    json_value: bool,
    signature: Signature,
}

impl JsonAgg {
    pub(crate) fn new(object: bool, json_value: bool) -> Self {
        let (name, alias) = if object {
            ("jsonb_object_agg", "json_object_agg")
        } else {
            ("jsonb_agg", "json_agg")
        };
        JsonAgg {
            name,
            aliases: vec![alias.to_string()],
            object,
            json_value,
            signature: Signature::any(if object { 2 } else { 1 }, Volatility::Immutable),
        }
    }

    /// Whether this aggregate builds objects (`jsonb_object_agg`).
    pub(crate) fn is_object(&self) -> bool {
        self.object
    }
}

/// Aggregate functions registered by [`crate::register`].
pub(crate) fn aggregate_functions() -> Vec<AggregateUDF> {
    vec![
        AggregateUDF::new_from_impl(JsonAgg::new(false, false)),
        AggregateUDF::new_from_impl(JsonAgg::new(true, false)),
    ]
}

impl AggregateUDFImpl for JsonAgg {
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
        Ok(DataType::Utf8)
    }

    fn accumulator(&self, acc_args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        // The input ordering is not guaranteed to reach the accumulator, and
        // an unordered result where ORDER BY was asked for would be wrong.
        if !acc_args.order_bys.is_empty() {
            return not_impl_err!(
                "ORDER BY inside {}(...) is not supported; sort the aggregated result instead",
                self.name
            );
        }
        Ok(Box::new(JsonAggAccumulator {
            name: self.name,
            object: self.object,
            json_value: self.json_value,
            items: Vec::new(),
            seen_rows: false,
        }))
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let expected = if self.object { 2 } else { 1 };
        if arg_types.len() != expected {
            return plan_err!("function {} takes {expected} argument(s)", self.name);
        }
        Ok(arg_types.to_vec())
    }
}

/// Collected elements (for objects: `[key, value]` pairs), kept as values
/// so partial aggregates merge without re-rendering.
#[derive(Debug)]
struct JsonAggAccumulator {
    name: &'static str,
    object: bool,
    json_value: bool,
    items: Vec<Value>,
    seen_rows: bool,
}

impl JsonAggAccumulator {
    fn values_of(&self, array: &ArrayRef, as_json: bool) -> Result<Vec<Value>> {
        if !as_json {
            return json_values(array);
        }
        let texts = utf8_array(self.name, array)?;
        (0..texts.len())
            .map(|i| {
                if texts.is_null(i) {
                    Ok(Value::Null)
                } else {
                    Ok(json::parse(texts.value(i), self.name)?)
                }
            })
            .collect()
    }
}

impl Accumulator for JsonAggAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        if self.object {
            let (Some(keys), Some(vals)) = (values.first(), values.get(1)) else {
                return exec_err!("{} takes two arguments", self.name);
            };
            let key_values = json_values(keys)?;
            let value_values = self.values_of(vals, self.json_value)?;
            for (k, v) in key_values.into_iter().zip(value_values) {
                let key = match k {
                    Value::Null => {
                        return exec_err!("{}: field name must not be null", self.name);
                    }
                    Value::String(s) => s,
                    other => json::render(&other),
                };
                self.items.push(Value::Array(vec![Value::String(key), v]));
                self.seen_rows = true;
            }
        } else {
            let Some(array) = values.first() else {
                return exec_err!("{} takes one argument", self.name);
            };
            let vals = self.values_of(array, self.json_value)?;
            self.seen_rows |= !vals.is_empty();
            self.items.extend(vals);
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        // Like PostgreSQL, aggregating no rows yields NULL, not an empty array.
        if !self.seen_rows {
            return Ok(ScalarValue::Utf8(None));
        }
        let value = if self.object {
            let mut map = Map::new();
            for pair in &self.items {
                if let Value::Array(kv) = pair
                    && let [Value::String(k), v] = kv.as_slice()
                {
                    map.insert(k.clone(), v.clone());
                }
            }
            Value::Object(map)
        } else {
            Value::Array(self.items.clone())
        };
        Ok(ScalarValue::Utf8(Some(json::render(&value))))
    }

    fn size(&self) -> usize {
        size_of::<Self>() + self.items.len() * 64
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        if !self.seen_rows {
            return Ok(vec![ScalarValue::Utf8(None)]);
        }
        Ok(vec![ScalarValue::Utf8(Some(
            Value::Array(self.items.clone()).to_string(),
        ))])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let Some(state) = states.first() else {
            return Ok(());
        };
        let texts = utf8_array(self.name, state)?;
        for i in 0..texts.len() {
            if texts.is_null(i) {
                continue;
            }
            if let Value::Array(items) = json::parse(texts.value(i), self.name)? {
                self.items.extend(items);
                self.seen_rows = true;
            }
        }
        Ok(())
    }
}
