//! One compiled copy of sqlparser's AST walk for every rewrite.
//!
//! `node.visit(&mut v)` is generic over the visitor's type, and `visit_expressions_mut(node,
//! closure)` over the closure's: each of the front end's fifty-odd rewrites and checks
//! compiled its own copy of the walk over every node type of the SQL AST (hundreds of
//! types), which made this crate the longest step of a release build (295 s of code
//! generation out of 304 s). Here every walk goes through one visitor type that forwards to
//! a `dyn` visitor, so the walk is compiled once per root node type; the rewrites' own code
//! is unchanged. A virtual call per visited node is nothing next to planning a query.

use std::ops::ControlFlow;

use datafusion::sql::sqlparser::ast::{
    Expr, ObjectName, Query, Select, Statement, TableFactor, ValueWithSpan, Visit, VisitMut,
    Visitor, VisitorMut,
};

/// A mutable visitor behind a trait object.
struct DynMut<'a>(&'a mut dyn VisitorMut<Break = ()>);

impl VisitorMut for DynMut<'_> {
    type Break = ();
    fn pre_visit_query(&mut self, q: &mut Query) -> ControlFlow<()> {
        self.0.pre_visit_query(q)
    }
    fn post_visit_query(&mut self, q: &mut Query) -> ControlFlow<()> {
        self.0.post_visit_query(q)
    }
    fn pre_visit_select(&mut self, s: &mut Select) -> ControlFlow<()> {
        self.0.pre_visit_select(s)
    }
    fn post_visit_select(&mut self, s: &mut Select) -> ControlFlow<()> {
        self.0.post_visit_select(s)
    }
    fn pre_visit_relation(&mut self, r: &mut ObjectName) -> ControlFlow<()> {
        self.0.pre_visit_relation(r)
    }
    fn post_visit_relation(&mut self, r: &mut ObjectName) -> ControlFlow<()> {
        self.0.post_visit_relation(r)
    }
    fn pre_visit_table_factor(&mut self, t: &mut TableFactor) -> ControlFlow<()> {
        self.0.pre_visit_table_factor(t)
    }
    fn post_visit_table_factor(&mut self, t: &mut TableFactor) -> ControlFlow<()> {
        self.0.post_visit_table_factor(t)
    }
    fn pre_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
        self.0.pre_visit_expr(e)
    }
    fn post_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
        self.0.post_visit_expr(e)
    }
    fn pre_visit_statement(&mut self, s: &mut Statement) -> ControlFlow<()> {
        self.0.pre_visit_statement(s)
    }
    fn post_visit_statement(&mut self, s: &mut Statement) -> ControlFlow<()> {
        self.0.post_visit_statement(s)
    }
    fn pre_visit_value(&mut self, v: &mut ValueWithSpan) -> ControlFlow<()> {
        self.0.pre_visit_value(v)
    }
    fn post_visit_value(&mut self, v: &mut ValueWithSpan) -> ControlFlow<()> {
        self.0.post_visit_value(v)
    }
}

/// A read-only visitor behind a trait object.
struct Dyn<'a>(&'a mut dyn Visitor<Break = ()>);

impl Visitor for Dyn<'_> {
    type Break = ();
    fn pre_visit_query(&mut self, q: &Query) -> ControlFlow<()> {
        self.0.pre_visit_query(q)
    }
    fn post_visit_query(&mut self, q: &Query) -> ControlFlow<()> {
        self.0.post_visit_query(q)
    }
    fn pre_visit_select(&mut self, s: &Select) -> ControlFlow<()> {
        self.0.pre_visit_select(s)
    }
    fn post_visit_select(&mut self, s: &Select) -> ControlFlow<()> {
        self.0.post_visit_select(s)
    }
    fn pre_visit_relation(&mut self, r: &ObjectName) -> ControlFlow<()> {
        self.0.pre_visit_relation(r)
    }
    fn post_visit_relation(&mut self, r: &ObjectName) -> ControlFlow<()> {
        self.0.post_visit_relation(r)
    }
    fn pre_visit_table_factor(&mut self, t: &TableFactor) -> ControlFlow<()> {
        self.0.pre_visit_table_factor(t)
    }
    fn post_visit_table_factor(&mut self, t: &TableFactor) -> ControlFlow<()> {
        self.0.post_visit_table_factor(t)
    }
    fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
        self.0.pre_visit_expr(e)
    }
    fn post_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
        self.0.post_visit_expr(e)
    }
    fn pre_visit_statement(&mut self, s: &Statement) -> ControlFlow<()> {
        self.0.pre_visit_statement(s)
    }
    fn post_visit_statement(&mut self, s: &Statement) -> ControlFlow<()> {
        self.0.post_visit_statement(s)
    }
    fn pre_visit_value(&mut self, v: &ValueWithSpan) -> ControlFlow<()> {
        self.0.pre_visit_value(v)
    }
    fn post_visit_value(&mut self, v: &ValueWithSpan) -> ControlFlow<()> {
        self.0.post_visit_value(v)
    }
}

/// `node.visit(v)` through the shared walk.
pub(crate) trait Walk {
    /// Visits `self` mutably with `v`.
    fn walk_mut(&mut self, v: &mut dyn VisitorMut<Break = ()>) -> ControlFlow<()>;
    /// Visits `self` with `v`.
    fn walk(&self, v: &mut dyn Visitor<Break = ()>) -> ControlFlow<()>;
}

impl<T: VisitMut + Visit + ?Sized> Walk for T {
    fn walk_mut(&mut self, v: &mut dyn VisitorMut<Break = ()>) -> ControlFlow<()> {
        VisitMut::visit(self, &mut DynMut(v))
    }
    fn walk(&self, v: &mut dyn Visitor<Break = ()>) -> ControlFlow<()> {
        Visit::visit(self, &mut Dyn(v))
    }
}

/// `sqlparser`'s `visit_expressions_mut` through the shared walk: `f` sees every
/// expression after its children (post-order), as there.
pub(crate) fn exprs_mut<N: Walk + ?Sized>(
    node: &mut N,
    mut f: impl FnMut(&mut Expr) -> ControlFlow<()>,
) -> ControlFlow<()> {
    struct Post<'a>(&'a mut dyn FnMut(&mut Expr) -> ControlFlow<()>);
    impl VisitorMut for Post<'_> {
        type Break = ();
        fn post_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
            (self.0)(e)
        }
    }
    node.walk_mut(&mut Post(&mut f))
}

/// `sqlparser`'s `visit_expressions` through the shared walk: `f` sees every expression
/// before its children (pre-order), as there.
pub(crate) fn exprs<N: Walk + ?Sized>(
    node: &N,
    mut f: impl FnMut(&Expr) -> ControlFlow<()>,
) -> ControlFlow<()> {
    struct Pre<'a>(&'a mut dyn FnMut(&Expr) -> ControlFlow<()>);
    impl Visitor for Pre<'_> {
        type Break = ();
        fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            (self.0)(e)
        }
    }
    node.walk(&mut Pre(&mut f))
}
