//! Plans PostgreSQL's JSON operators (`->`, `->>`, `#>`, `#>>`, `@>`, `<@`,
//! `?`, `?|`, `?&`) into the scalar functions of [`crate::udf`].

use datafusion::common::{DFSchema, Result, ScalarValue, plan_err};
use datafusion::logical_expr::planner::{ExprPlanner, PlannerResult, RawBinaryExpr};
use datafusion::logical_expr::{Expr, ExprSchemable, lit};
use datafusion::sql::sqlparser::ast::BinaryOperator;

use crate::json;
use crate::udf::{self, Kind};

/// The [`ExprPlanner`] installed by [`crate::register`].
#[derive(Debug, Default)]
pub(crate) struct JsonOperatorPlanner;

fn is_list(expr: &Expr, schema: &DFSchema) -> bool {
    matches!(
        expr.get_type(schema),
        Ok(arrow::datatypes::DataType::List(_)
            | arrow::datatypes::DataType::LargeList(_)
            | arrow::datatypes::DataType::FixedSizeList(_, _))
    )
}

fn string_literal(expr: &Expr) -> Option<Option<&str>> {
    match expr {
        Expr::Literal(ScalarValue::Utf8(s), _)
        | Expr::Literal(ScalarValue::Utf8View(s), _)
        | Expr::Literal(ScalarValue::LargeUtf8(s), _) => Some(s.as_deref()),
        _ => None,
    }
}

/// Turns the right side of `#>` / `#>>` into path arguments: a text-array
/// literal is split at plan time, an array expression is passed through.
fn path_args(right: Expr, schema: &DFSchema) -> Result<Vec<Expr>> {
    if let Some(text) = string_literal(&right) {
        return match text {
            // A NULL path yields NULL; an empty list of steps would instead
            // return the whole document, so keep the NULL as an argument.
            None => Ok(vec![right]),
            Some(t) => Ok(json::parse_text_array(t)?.into_iter().map(lit).collect()),
        };
    }
    if is_list(&right, schema) {
        return Ok(vec![right]);
    }
    plan_err!(
        "the right operand of #> and #>> must be a text array such as '{{Statement,0,Effect}}' or ARRAY['Statement','0']"
    )
}

impl ExprPlanner for JsonOperatorPlanner {
    fn plan_binary_op(
        &self,
        expr: RawBinaryExpr,
        schema: &DFSchema,
    ) -> Result<PlannerResult<RawBinaryExpr>> {
        let RawBinaryExpr { op, left, right } = expr;
        let planned = match op {
            BinaryOperator::Arrow | BinaryOperator::LongArrow => {
                let text = op == BinaryOperator::LongArrow;
                let integer = right
                    .get_type(schema)
                    .map(|t| t.is_integer())
                    .unwrap_or(false);
                let f = if integer {
                    udf::array_element_udf(text)
                } else {
                    udf::udf(Kind::Get { text })
                };
                f.call(vec![left, right])
            }
            BinaryOperator::HashArrow | BinaryOperator::HashLongArrow => {
                let text = op == BinaryOperator::HashLongArrow;
                let mut args = vec![left];
                args.extend(path_args(right, schema)?);
                udf::udf(Kind::ExtractPath { text }).call(args)
            }
            BinaryOperator::AtArrow | BinaryOperator::ArrowAt => {
                // Array containment on Arrow lists belongs to DataFusion's own
                // planner; only text operands are JSON.
                if is_list(&left, schema) || is_list(&right, schema) {
                    return Ok(PlannerResult::Original(RawBinaryExpr { op, left, right }));
                }
                let kind = if op == BinaryOperator::AtArrow {
                    Kind::Contains
                } else {
                    Kind::Contained
                };
                udf::udf(kind).call(vec![left, right])
            }
            BinaryOperator::Question => udf::udf(Kind::Exists).call(vec![left, right]),
            BinaryOperator::QuestionPipe => udf::udf(Kind::ExistsAny).call(vec![left, right]),
            BinaryOperator::QuestionAnd => udf::udf(Kind::ExistsAll).call(vec![left, right]),
            // `jsonb = 'literal'` compares JSON values in PostgreSQL; the
            // literal is parsed and rendered canonically so it compares equal
            // to the canonical text the JSON functions produce.
            BinaryOperator::Eq | BinaryOperator::NotEq
                if (udf::is_json_producing(&left) && string_literal(&right).is_some())
                    || (udf::is_json_producing(&right) && string_literal(&left).is_some()) =>
            {
                let cast = udf::udf(Kind::Cast);
                let (left, right) = if udf::is_json_producing(&left) {
                    (left, cast.call(vec![right]))
                } else {
                    (cast.call(vec![left]), right)
                };
                let op = if op == BinaryOperator::Eq {
                    datafusion::logical_expr::Operator::Eq
                } else {
                    datafusion::logical_expr::Operator::NotEq
                };
                datafusion::logical_expr::binary_expr(left, op, right)
            }
            _ => return Ok(PlannerResult::Original(RawBinaryExpr { op, left, right })),
        };
        Ok(PlannerResult::Planned(planned))
    }
}
