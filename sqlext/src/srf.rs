//! Set-returning JSON functions (`jsonb_array_elements`, `jsonb_each`, ...).
//!
//! With constant arguments they are ordinary table functions. With arguments
//! that read a preceding FROM item (PostgreSQL's implicit LATERAL), the SQL
//! planner produces a join whose right side scans a [`LateralSrfProvider`]
//! holding the outer-column arguments; [`LateralSrfRule`] then replaces that
//! join with `Unnest(Projection(left, <list of rows>))`, which DataFusion
//! executes natively. DataFusion cannot decorrelate a LATERAL subquery whose
//! projection reads outer columns, hence this rewrite.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, ListArray, RecordBatch, StringArray, StringBuilder, StructArray,
};
use arrow::buffer::{NullBuffer, OffsetBuffer};
use arrow::datatypes::{DataType, Field, Fields, Schema, SchemaRef};
use datafusion::catalog::{Session, TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::DFSchema;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::{
    Column, NullHandling, Result, ScalarValue, UnnestOptions, exec_err, not_impl_err, plan_err,
};
use datafusion::datasource::MemTable;
use datafusion::datasource::{provider_as_source, source_as_provider};
use datafusion::logical_expr::planner::{
    PlannedRelation, RelationPlanner, RelationPlannerContext, RelationPlanning,
};
use datafusion::logical_expr::{
    ColumnarValue, Expr, Filter, JoinType, LogicalPlan, LogicalPlanBuilder, ScalarFunctionArgs,
    ScalarUDF, ScalarUDFImpl, Signature, TableType, Volatility,
};
use datafusion::optimizer::AnalyzerRule;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::sql::sqlparser::ast::{FunctionArg, FunctionArgExpr, TableFactor};
use serde_json::Value;

use crate::json;
use crate::known;
use crate::scan::{self, Scan};
use crate::udf::{text_type, utf8_array};

/// Which set-returning function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum SrfKind {
    ArrayElements,
    ArrayElementsText,
    Each,
    EachText,
    ObjectKeys,
}

impl SrfKind {
    /// Output column names; `jsonb_object_keys`' column is named after the
    /// function, as in PostgreSQL.
    fn columns(self, function: &str) -> Vec<String> {
        match self {
            SrfKind::ArrayElements | SrfKind::ArrayElementsText => vec!["value".into()],
            SrfKind::Each | SrfKind::EachText => vec!["key".into(), "value".into()],
            SrfKind::ObjectKeys => vec![function.to_string()],
        }
    }

    fn is_pair(self) -> bool {
        matches!(self, SrfKind::Each | SrfKind::EachText)
    }
}

/// All set-returning function names, PostgreSQL's jsonb and json spellings.
pub(crate) const SRF_NAMES: &[(&str, SrfKind)] = &[
    ("jsonb_array_elements", SrfKind::ArrayElements),
    ("json_array_elements", SrfKind::ArrayElements),
    ("jsonb_array_elements_text", SrfKind::ArrayElementsText),
    ("json_array_elements_text", SrfKind::ArrayElementsText),
    ("jsonb_each", SrfKind::Each),
    ("json_each", SrfKind::Each),
    ("jsonb_each_text", SrfKind::EachText),
    ("json_each_text", SrfKind::EachText),
    ("jsonb_object_keys", SrfKind::ObjectKeys),
    ("json_object_keys", SrfKind::ObjectKeys),
];

/// Looks up a set-returning function by (lower-case) name.
pub(crate) fn srf_kind(name: &str) -> Option<SrfKind> {
    SRF_NAMES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, k)| *k)
}

/// The rows one input document expands to, one `Vec` of column values per row.
fn expand(kind: SrfKind, function: &str, text: &str) -> Result<Vec<Vec<Option<String>>>> {
    if kind == SrfKind::ArrayElements
        && let Scan::Found((Some(items), rendered)) = scan::array_elements_rendered(text)
        && (rendered || items.iter().all(|raw| scan::is_rendered(raw)))
    {
        // Elements already printed as jsonb (the output of `->` and the other JSON
        // functions is): no need to parse and print them again.
        return Ok(items
            .into_iter()
            .map(|raw| vec![Some(raw.to_string())])
            .collect());
    }
    let doc = json::parse(text, function)?;
    match kind {
        SrfKind::ArrayElements | SrfKind::ArrayElementsText => match doc {
            Value::Array(items) => Ok(items
                .iter()
                .map(|v| {
                    vec![if kind == SrfKind::ArrayElements {
                        Some(json::render(v))
                    } else {
                        json::as_text(v)
                    }]
                })
                .collect()),
            Value::Object(_) => exec_err!("cannot extract elements from an object"),
            _ => exec_err!("cannot extract elements from a scalar"),
        },
        SrfKind::Each | SrfKind::EachText => match &doc {
            Value::Object(map) => Ok(json::sorted_entries(map)
                .into_iter()
                .map(|(k, v)| {
                    let value = if kind == SrfKind::Each {
                        Some(json::render(v))
                    } else {
                        json::as_text(v)
                    };
                    vec![Some(k.clone()), value]
                })
                .collect()),
            _ => exec_err!("cannot call {function} on a non-object"),
        },
        SrfKind::ObjectKeys => match &doc {
            Value::Object(map) => Ok(json::sorted_entries(map)
                .into_iter()
                .map(|(k, _)| vec![Some(k.clone())])
                .collect()),
            Value::Array(_) => exec_err!("cannot call {function} on an array"),
            _ => exec_err!("cannot call {function} on a scalar"),
        },
    }
}

fn output_schema(kind: SrfKind, function: &str) -> SchemaRef {
    Arc::new(Schema::new(
        kind.columns(function)
            .into_iter()
            .map(|c| Field::new(c, DataType::Utf8, true))
            .collect::<Vec<_>>(),
    ))
}

fn pair_fields() -> Fields {
    Fields::from(vec![
        Field::new("key", DataType::Utf8, true),
        Field::new("value", DataType::Utf8, true),
    ])
}

/// The scalar function computing, per input row, the list of rows a
/// set-returning function produces; the lateral rewrite unnests it.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct SrfListUdf {
    name: String,
    function: String,
    kind: SrfKind,
    signature: Signature,
}

impl SrfListUdf {
    fn new(function: &str, kind: SrfKind) -> Self {
        SrfListUdf {
            name: format!("pw_{function}_rows"),
            function: function.to_string(),
            kind,
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }

    fn item_type(&self) -> DataType {
        if self.kind.is_pair() {
            DataType::Struct(pair_fields())
        } else {
            DataType::Utf8
        }
    }
}

impl ScalarUDFImpl for SrfListUdf {
    fn name(&self) -> &str {
        &self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::List(Arc::new(Field::new_list_field(
            self.item_type(),
            true,
        ))))
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        if arg_types.len() != 1 {
            return plan_err!("function {} takes exactly one argument", self.function);
        }
        Ok(vec![text_type(&self.function, 0, &arg_types[0])?])
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let Some(input) = arrays.first() else {
            return exec_err!("function {} takes exactly one argument", self.function);
        };
        let docs = utf8_array(&self.function, input)?;
        let rows = args.number_rows.min(docs.len());
        let known = known::lookup(&docs);
        let mut offsets: Vec<i32> = Vec::with_capacity(rows + 1);
        offsets.push(0);
        let mut validity = Vec::with_capacity(rows);
        let mut first = StringBuilder::new();
        let mut second = StringBuilder::new();
        let mut total: i32 = 0;
        for row in 0..rows {
            if docs.is_null(row) {
                // SQL NULL input: no rows (or one NULL row for LEFT JOIN).
                validity.push(false);
                offsets.push(total);
                continue;
            }
            let known_rendered = known.as_ref().is_some_and(|k| k.rendered[row]);
            let count = if self.kind == SrfKind::ArrayElements
                && known_rendered
                && let Some(items) = known::array_elements(docs.value(row))
            {
                // A document known to be valid and printed as jsonb: so are its elements.
                for raw in &items {
                    first.append_value(raw);
                }
                items.len()
            } else {
                let expanded = expand(self.kind, &self.function, docs.value(row))?;
                let count = expanded.len();
                for columns in expanded {
                    let mut columns = columns.into_iter();
                    first.append_option(columns.next().flatten());
                    if self.kind.is_pair() {
                        second.append_option(columns.next().flatten());
                    }
                }
                count
            };
            total = total
                .checked_add(i32::try_from(count).unwrap_or(i32::MAX))
                .ok_or_else(|| {
                    datafusion::error::DataFusionError::Execution(format!(
                        "{}: too many elements in one batch",
                        self.function
                    ))
                })?;
            validity.push(true);
            offsets.push(total);
        }
        let values: ArrayRef = if self.kind.is_pair() {
            Arc::new(StructArray::try_new(
                pair_fields(),
                vec![Arc::new(first.finish()), Arc::new(second.finish())],
                None,
            )?)
        } else {
            Arc::new(first.finish())
        };
        let list = ListArray::try_new(
            Arc::new(Field::new_list_field(self.item_type(), true)),
            OffsetBuffer::new(offsets.into()),
            values,
            Some(NullBuffer::from(validity)),
        )?;
        Ok(ColumnarValue::Array(Arc::new(list)))
    }
}

/// The list functions, registered so that the select-list form
/// (`select jsonb_array_elements_text(x)`) can be rewritten to `unnest`.
pub(crate) fn list_functions() -> Vec<ScalarUDF> {
    SRF_NAMES
        .iter()
        .map(|(name, kind)| ScalarUDF::new_from_impl(SrfListUdf::new(name, *kind)))
        .collect()
}

/// Name of the list function behind a set-returning function.
pub(crate) fn list_function_name(function: &str) -> String {
    format!("pw_{}_rows", function.to_ascii_lowercase())
}

/// Table function entry point for one set-returning function.
#[derive(Debug)]
struct SrfTableFunction {
    name: &'static str,
    kind: SrfKind,
}

/// Registered table functions.
pub(crate) fn table_functions() -> Vec<(String, Arc<dyn TableFunctionImpl>)> {
    SRF_NAMES
        .iter()
        .map(|(name, kind)| {
            (
                name.to_string(),
                Arc::new(SrfTableFunction { name, kind: *kind }) as Arc<dyn TableFunctionImpl>,
            )
        })
        .collect()
}

fn literal_text(value: &ScalarValue) -> Option<Option<&str>> {
    match value {
        ScalarValue::Utf8(s) | ScalarValue::Utf8View(s) | ScalarValue::LargeUtf8(s) => {
            Some(s.as_deref())
        }
        ScalarValue::Null => Some(None),
        _ => None,
    }
}

impl TableFunctionImpl for SrfTableFunction {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let exprs = args.exprs();
        if exprs.len() != 1 {
            return plan_err!("function {} takes exactly one argument", self.name);
        }
        let arg = &exprs[0];
        let schema = output_schema(self.kind, self.name);
        if let Expr::Literal(value, _) = arg {
            let Some(text) = literal_text(value) else {
                return plan_err!(
                    "function {} expects JSON text, got {}",
                    self.name,
                    value.data_type()
                );
            };
            let rows = match text {
                Some(t) => expand(self.kind, self.name, t)?,
                None => Vec::new(),
            };
            let columns: Vec<ArrayRef> = (0..schema.fields().len())
                .map(|c| {
                    Arc::new(StringArray::from(
                        rows.iter()
                            .map(|r| r.get(c).cloned().flatten())
                            .collect::<Vec<_>>(),
                    )) as ArrayRef
                })
                .collect();
            let batch = RecordBatch::try_new(Arc::clone(&schema), columns)?;
            return Ok(Arc::new(MemTable::try_new(schema, vec![vec![batch]])?));
        }
        let mut reads_columns = false;
        arg.apply(|e| {
            if matches!(e, Expr::Column(_) | Expr::OuterReferenceColumn(_, _)) {
                reads_columns = true;
                return Ok(TreeNodeRecursion::Stop);
            }
            Ok(TreeNodeRecursion::Continue)
        })?;
        if !reads_columns {
            return not_impl_err!(
                "the argument of {} must be a constant or read columns of a preceding FROM item",
                self.name
            );
        }
        Ok(Arc::new(LateralSrfProvider {
            function: self.name,
            kind: self.kind,
            arg: arg.clone(),
            schema,
        }))
    }
}

/// Placeholder scan for a set-returning function whose argument reads outer
/// columns; [`LateralSrfRule`] replaces it before execution.
#[derive(Debug)]
pub(crate) struct LateralSrfProvider {
    function: &'static str,
    kind: SrfKind,
    arg: Expr,
    schema: SchemaRef,
}

impl LateralSrfProvider {
    fn unsupported(&self) -> datafusion::error::DataFusionError {
        datafusion::error::DataFusionError::NotImplemented(format!(
            "{}({}) reads columns that are not from a preceding item of the same FROM clause; \
             set-returning functions over columns are supported as FROM items after the table \
             they read: `FROM t, {f}(t.col) AS x`, `CROSS JOIN LATERAL {f}(t.col) AS x` or \
             `LEFT JOIN LATERAL {f}(t.col) AS x ON true`",
            self.function,
            self.arg,
            f = self.function
        ))
    }
}

type ScanFuture<'a> = Pin<Box<dyn Future<Output = Result<Arc<dyn ExecutionPlan>>> + Send + 'a>>;

impl TableProvider for LateralSrfProvider {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn table_type(&self) -> TableType {
        TableType::Temporary
    }

    // Spelled out instead of `#[async_trait]` (not a dependency of this
    // crate); the scan is never meant to run, so it only reports why.
    fn scan<'life0, 'life1, 'life2, 'life3, 'async_trait>(
        &'life0 self,
        _state: &'life1 dyn Session,
        _projection: Option<&'life2 Vec<usize>>,
        _filters: &'life3 [Expr],
        _limit: Option<usize>,
    ) -> ScanFuture<'async_trait>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        'life2: 'async_trait,
        'life3: 'async_trait,
        Self: 'async_trait,
    {
        let err = self.unsupported();
        Box::pin(async move { Err(err) })
    }
}

/// Plans set-returning functions in FROM whose arguments read columns of
/// preceding FROM items (the rewrite marks them LATERAL, which makes those
/// columns visible as outer references).
///
/// DataFusion's own table-function path coerces the arguments against an
/// empty schema, which fails for any expression over such columns, so the
/// placeholder scan is built here; constant arguments take the normal path.
#[derive(Debug, Default)]
pub(crate) struct SrfRelationPlanner;

impl RelationPlanner for SrfRelationPlanner {
    fn plan_relation(
        &self,
        relation: TableFactor,
        context: &mut dyn RelationPlannerContext,
    ) -> Result<RelationPlanning> {
        let TableFactor::Function {
            name, args, alias, ..
        } = &relation
        else {
            return Ok(RelationPlanning::Original(Box::new(relation)));
        };
        let Some((function, kind)) =
            name.0
                .last()
                .and_then(|part| part.as_ident())
                .and_then(|id| {
                    SRF_NAMES
                        .iter()
                        .find(|(n, _)| n.eq_ignore_ascii_case(&id.value))
                        .map(|(n, k)| (*n, *k))
                })
        else {
            return Ok(RelationPlanning::Original(Box::new(relation)));
        };
        if args.len() != 1 {
            return plan_err!("function {function} takes exactly one argument");
        }
        let arg = match &args[0] {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => e.clone(),
            other => return plan_err!("unsupported argument to {function}: {other}"),
        };
        let empty = DFSchema::empty();
        let arg = context.sql_to_expr(arg, &empty)?;
        let mut outer = false;
        arg.apply(|e| {
            if matches!(e, Expr::OuterReferenceColumn(_, _) | Expr::Column(_)) {
                outer = true;
                return Ok(TreeNodeRecursion::Stop);
            }
            Ok(TreeNodeRecursion::Continue)
        })?;
        if !outer {
            return Ok(RelationPlanning::Original(Box::new(relation)));
        }
        let provider = LateralSrfProvider {
            function,
            kind,
            arg,
            schema: output_schema(kind, function),
        };
        let plan =
            LogicalPlanBuilder::scan(function, provider_as_source(Arc::new(provider)), None)?
                .build()?;
        Ok(RelationPlanning::Planned(Box::new(PlannedRelation::new(
            plan,
            alias.clone(),
        ))))
    }
}

/// Finds the lateral placeholder scan under aliases and column renames.
fn lateral_scan(plan: &LogicalPlan) -> Option<(SrfKind, &'static str, Expr)> {
    match plan {
        LogicalPlan::SubqueryAlias(a) => lateral_scan(&a.input),
        LogicalPlan::Projection(p)
            if p.expr.iter().all(|e| {
                matches!(e, Expr::Column(_))
                    || matches!(e, Expr::Alias(a) if matches!(*a.expr, Expr::Column(_)))
            }) =>
        {
            lateral_scan(&p.input)
        }
        LogicalPlan::TableScan(scan) => {
            let provider = source_as_provider(&scan.source).ok()?;
            let srf = provider.downcast_ref::<LateralSrfProvider>()?;
            Some((srf.kind, srf.function, srf.arg.clone()))
        }
        _ => None,
    }
}

fn is_true(expr: &Expr) -> bool {
    matches!(expr, Expr::Literal(ScalarValue::Boolean(Some(true)), _))
}

/// Name of [`LateralSrfRule`], used to keep registration idempotent.
pub(crate) const LATERAL_RULE_NAME: &str = "pathwarden_lateral_set_returning_functions";

/// Analyzer rule executing LATERAL set-returning functions via `Unnest`.
#[derive(Debug, Default)]
pub(crate) struct LateralSrfRule;

impl AnalyzerRule for LateralSrfRule {
    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        let mut next_id = 0usize;
        let mut changed = false;
        let plan = plan
            .transform_up_with_subqueries(|node| {
                let result = rewrite_join(node, &mut next_id)?;
                if result.transformed {
                    changed = true;
                    return Ok(result);
                }
                // Ancestors of a rewritten join cache schemas built against
                // the join; refresh them.
                if changed {
                    return Ok(Transformed::yes(result.data.recompute_schema()?));
                }
                Ok(result)
            })?
            .data;
        let plan = plan
            .transform_up_with_subqueries(|node| {
                node.map_expressions(|e| e.transform_up(crate::udf::embed_json_arguments))
            })?
            .data;
        let mut leftover: Option<datafusion::error::DataFusionError> = None;
        plan.apply_with_subqueries(|node| {
            if let LogicalPlan::TableScan(scan) = node
                && let Ok(provider) = source_as_provider(&scan.source)
                && let Some(srf) = provider.downcast_ref::<LateralSrfProvider>()
            {
                leftover = Some(srf.unsupported());
                return Ok(TreeNodeRecursion::Stop);
            }
            Ok(TreeNodeRecursion::Continue)
        })?;
        match leftover {
            Some(e) => Err(e),
            None => Ok(plan),
        }
    }

    fn name(&self) -> &str {
        LATERAL_RULE_NAME
    }
}

fn rewrite_join(node: LogicalPlan, next_id: &mut usize) -> Result<Transformed<LogicalPlan>> {
    let LogicalPlan::Join(join) = &node else {
        return Ok(Transformed::no(node));
    };
    let Some((kind, function, arg)) = lateral_scan(&join.right) else {
        return Ok(Transformed::no(node));
    };
    if !join.on.is_empty() {
        return not_impl_err!("equi-join conditions on LATERAL {function}(...) are not supported");
    }
    let null_handling = match join.join_type {
        JoinType::Inner => NullHandling::Drop,
        JoinType::Left => {
            if join.filter.as_ref().is_some_and(|f| !is_true(f)) {
                return not_impl_err!(
                    "LEFT JOIN LATERAL {function}(...) is supported only with ON true; \
                     move the condition into WHERE or use an inner join"
                );
            }
            // PostgreSQL keeps the outer row, with NULLs, when the function
            // returns no rows (empty array, or NULL input).
            NullHandling::PreserveAndExpandEmpty
        }
        other => {
            return not_impl_err!("{other} JOIN LATERAL {function}(...) is not supported");
        }
    };

    let left = join.left.as_ref().clone();
    let left_schema = Arc::clone(left.schema());
    let arg = arg
        .transform(|e| match e {
            Expr::OuterReferenceColumn(_, col) if left_schema.has_column(&col) => {
                Ok(Transformed::yes(Expr::Column(col)))
            }
            other => Ok(Transformed::no(other)),
        })?
        .data;

    let list_name = format!("__pw_srf_{}", *next_id);
    *next_id += 1;
    let list_udf = ScalarUDF::new_from_impl(SrfListUdf::new(function, kind));
    let left_columns: Vec<Expr> = left_schema
        .columns()
        .into_iter()
        .map(Expr::Column)
        .collect();

    let mut expand_exprs = left_columns.clone();
    expand_exprs.push(list_udf.call(vec![arg]).alias(&list_name));
    let list_col = Expr::Column(Column::new_unqualified(&list_name));

    let mut output = left_columns;
    for (i, (qualifier, field)) in join.right.schema().iter().enumerate() {
        let value = if kind.is_pair() {
            let member = if i == 0 { "key" } else { "value" };
            datafusion::functions::core::expr_fn::get_field(list_col.clone(), member)
        } else {
            list_col.clone()
        };
        output.push(value.alias_qualified(qualifier.cloned(), field.name()));
    }

    let mut plan = LogicalPlanBuilder::from(left)
        .project(expand_exprs)?
        .unnest_column_with_options(
            Column::new_unqualified(&list_name),
            UnnestOptions {
                null_handling,
                ..UnnestOptions::default()
            },
        )?
        .project(output)?
        .build()?;
    if join.join_type == JoinType::Inner
        && let Some(filter) = &join.filter
        && !is_true(filter)
    {
        plan = LogicalPlan::Filter(Filter::try_new(filter.clone(), Arc::new(plan))?);
    }
    Ok(Transformed::yes(plan))
}
