//! JSON aggregates: `jsonb_agg` and `jsonb_object_agg` (and `json_` aliases).
//!
//! Values are converted as `to_jsonb` converts them. Arguments that are
//! themselves JSON (results of the JSON operators and functions) are embedded
//! as JSON rather than as strings; the analyzer rule marks those calls.

use std::cmp::Ordering;
use std::mem::size_of;

use arrow::array::{Array, ArrayRef};
use arrow::compute::SortOptions;
use arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue, exec_err, not_impl_err, plan_err};
use datafusion::logical_expr::function::AccumulatorArgs;
use datafusion::logical_expr::utils::AggregateOrderSensitivity;
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
        if acc_args.is_distinct {
            return not_impl_err!("DISTINCT inside {}(...) is not supported", self.name);
        }
        // `jsonb_agg(x ORDER BY k)`: the ORDER BY values arrive after the arguments, are
        // kept with each element (also through partial aggregates, whose input order
        // says nothing about the final one) and the elements sorted by them at the end.
        let order: Vec<SortOptions> = acc_args.order_bys.iter().map(|o| o.options).collect();
        Ok(Box::new(JsonAggAccumulator {
            name: self.name,
            object: self.object,
            json_value: self.json_value,
            items: Vec::new(),
            keys: Vec::new(),
            order,
            seen_rows: false,
        }))
    }

    fn order_sensitivity(&self) -> AggregateOrderSensitivity {
        // The accumulator sorts by the ORDER BY values itself: a sorted input saves
        // nothing it needs.
        AggregateOrderSensitivity::SoftRequirement
    }

    fn state_fields(
        &self,
        args: datafusion::logical_expr::function::StateFieldsArgs,
    ) -> Result<Vec<arrow::datatypes::FieldRef>> {
        // One JSON text: the elements, with their ORDER BY values when there are some
        // (not the separate ordering columns the default state adds).
        Ok(vec![std::sync::Arc::new(arrow::datatypes::Field::new(
            format!("{}[items]", args.name),
            DataType::Utf8,
            true,
        ))])
    }

    fn with_beneficial_ordering(
        self: std::sync::Arc<Self>,
        _beneficial_ordering: bool,
    ) -> Result<Option<std::sync::Arc<dyn AggregateUDFImpl>>> {
        Ok(Some(self))
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
    /// Per element, its ORDER BY values (empty without ORDER BY).
    keys: Vec<Vec<Value>>,
    /// The ORDER BY directions.
    order: Vec<SortOptions>,
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

/// Orders two ORDER BY values as PostgreSQL orders the SQL values they came from: JSON
/// numbers as numbers, strings (text, and timestamps as their ISO text) bytewise (the C
/// collation), NULL first or last as asked.
fn compare_keys(a: &[Value], b: &[Value], order: &[SortOptions]) -> Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Null => 0,
            Value::Bool(_) => 1,
            Value::Number(_) => 2,
            Value::String(_) => 3,
            Value::Array(_) => 4,
            Value::Object(_) => 5,
        }
    }
    for ((x, y), o) in a.iter().zip(b).zip(order) {
        let c = match (x, y) {
            (Value::Null, Value::Null) => Ordering::Equal,
            (Value::Null, _) => {
                if o.nulls_first {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            (_, Value::Null) => {
                if o.nulls_first {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
            (x, y) => {
                let c = match (x, y) {
                    (Value::Bool(p), Value::Bool(q)) => p.cmp(q),
                    (Value::Number(p), Value::Number(q)) => match (p.as_i64(), q.as_i64()) {
                        (Some(p), Some(q)) => p.cmp(&q),
                        _ => p
                            .as_f64()
                            .unwrap_or(f64::NAN)
                            .total_cmp(&q.as_f64().unwrap_or(f64::NAN)),
                    },
                    (Value::String(p), Value::String(q)) => p.as_bytes().cmp(q.as_bytes()),
                    (p, q) if rank(p) == rank(q) => p.to_string().cmp(&q.to_string()),
                    (p, q) => rank(p).cmp(&rank(q)),
                };
                if o.descending { c.reverse() } else { c }
            }
        };
        if c != Ordering::Equal {
            return c;
        }
    }
    Ordering::Equal
}

impl Accumulator for JsonAggAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let args = if self.object { 2 } else { 1 };
        if !self.order.is_empty() {
            let Some(ordering) = values.get(args..) else {
                return exec_err!("{}: ORDER BY values missing", self.name);
            };
            let columns: Vec<Vec<Value>> =
                ordering.iter().map(json_values).collect::<Result<_>>()?;
            let rows = values.first().map_or(0, |v| v.len());
            for r in 0..rows {
                self.keys
                    .push(columns.iter().map(|c| c[r].clone()).collect());
            }
        }
        let values = &values[..args.min(values.len())];
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
        if !self.order.is_empty() && self.keys.len() == self.items.len() {
            // Stable: equal keys keep their input order, as PostgreSQL's sort does not
            // promise otherwise.
            let mut idx: Vec<usize> = (0..self.items.len()).collect();
            idx.sort_by(|&a, &b| compare_keys(&self.keys[a], &self.keys[b], &self.order));
            self.items = idx.iter().map(|&i| self.items[i].clone()).collect();
            self.keys = idx.iter().map(|&i| self.keys[i].clone()).collect();
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
        size_of::<Self>() + self.items.len() * 64 + self.keys.len() * (32 + 64 * self.order.len())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        if !self.seen_rows {
            return Ok(vec![ScalarValue::Utf8(None)]);
        }
        // With ORDER BY, each element travels with its ORDER BY values: `[[e, [k..]], ..]`.
        let state = if self.order.is_empty() {
            Value::Array(self.items.clone())
        } else {
            Value::Array(
                self.items
                    .iter()
                    .zip(&self.keys)
                    .map(|(e, k)| Value::Array(vec![e.clone(), Value::Array(k.clone())]))
                    .collect(),
            )
        };
        Ok(vec![ScalarValue::Utf8(Some(state.to_string()))])
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
                if self.order.is_empty() {
                    self.items.extend(items);
                } else {
                    for pair in items {
                        let Value::Array(mut pair) = pair else {
                            return exec_err!("{}: malformed partial state", self.name);
                        };
                        let keys = match pair.pop() {
                            Some(Value::Array(k)) => k,
                            _ => return exec_err!("{}: malformed partial state", self.name),
                        };
                        self.items.push(pair.pop().unwrap_or(Value::Null));
                        self.keys.push(keys);
                    }
                }
                self.seen_rows = true;
            }
        }
        Ok(())
    }
}
