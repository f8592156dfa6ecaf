//! Typed table registrations: a provider's table holds its definition and references to
//! its list, get and hydrate functions, so that nothing dispatches on a table's or a
//! hydrate call's name. A misspelt hydrate is a compile error, not a silent NULL.

use std::any::Any;
use std::fmt;

use futures::future::BoxFuture;

use super::def::TableDef;
use super::source::{FetchError, ListRequest, Page, Row};

/// One page of a list call of source `S`: `(source, request, page token)`.
pub type ListFn<S> =
    for<'a> fn(&'a S, &'a ListRequest, Option<String>) -> BoxFuture<'a, Result<Page, FetchError>>;

/// A get call of source `S`: `(source, region, key column, key)`.
pub type GetFn<S> = for<'a> fn(
    &'a S,
    Option<&'a str>,
    &'a str,
    &'a str,
) -> BoxFuture<'a, Result<Option<Row>, FetchError>>;

/// A hydrate call of source `S`: `(source, region, row)` to the columns it fills. The row
/// is the one the list or get call built: a row's hydrate calls run at the same time, so
/// none sees what another one fills.
pub type HydrateFn<S> =
    for<'a> fn(&'a S, Option<&'a str>, &'a Row) -> BoxFuture<'a, Result<Row, FetchError>>;

/// A hydrate call as the framework sees it, whatever the source type: a name (for cache
/// keys, logs and docs) and a way back to the typed call. Columns refer to it by address.
pub trait HydrateCall: fmt::Debug + Send + Sync + 'static {
    /// Name of the call, unique within its table (`get_role`).
    fn name(&self) -> &'static str;
    /// The typed [`Hydrate`] behind it.
    fn as_any(&self) -> &dyn Any;
}

/// A reference to a declared hydrate call, as stored in a [`ColumnDef`](super::ColumnDef).
pub type HydrateRef = &'static dyn HydrateCall;

/// Whether two hydrate references are the same declared call.
pub fn same_hydrate(a: HydrateRef, b: HydrateRef) -> bool {
    std::ptr::addr_eq(a as *const dyn HydrateCall, b as *const dyn HydrateCall)
}

/// A hydrate call of source `S`, declared as a `static` beside the columns it fills.
pub struct Hydrate<S: 'static> {
    /// Name of the call, unique within its table.
    pub name: &'static str,
    /// The function that makes the call.
    pub call: HydrateFn<S>,
}

impl<S: 'static> Hydrate<S> {
    /// Declare a hydrate call.
    pub const fn new(name: &'static str, call: HydrateFn<S>) -> Self {
        Hydrate { name, call }
    }
}

impl<S: 'static> fmt::Debug for Hydrate<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hydrate({})", self.name)
    }
}

impl<S: 'static> HydrateCall for Hydrate<S> {
    fn name(&self) -> &'static str {
        self.name
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A table of source `S`: its definition and its list and get functions. Its hydrate
/// calls are referenced from the columns they fill.
pub struct Table<S: 'static> {
    /// Schema, keys and scope.
    pub def: TableDef,
    /// The list call (one page).
    pub list: ListFn<S>,
    /// The get call, when the API has one; then `def.get_keys` names its key columns.
    pub get: Option<GetFn<S>>,
}

impl<S: 'static> fmt::Debug for Table<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Table({})", self.def.name)
    }
}

/// The registered table of a provider whose definition is `def` (found by address,
/// not by name).
pub fn find<S: 'static>(
    registry: &'static [&'static Table<S>],
    def: &TableDef,
) -> Option<&'static Table<S>> {
    registry.iter().copied().find(|t| std::ptr::eq(&t.def, def))
}

/// Run hydrate call `hydrate` of `def` on `row` for a source of type `S`.
pub async fn run_hydrate<S: 'static>(
    source: &S,
    def: &TableDef,
    hydrate: HydrateRef,
    region: Option<&str>,
    row: &Row,
) -> Result<Row, FetchError> {
    match hydrate.as_any().downcast_ref::<Hydrate<S>>() {
        Some(h) => (h.call)(source, region, row).await,
        // A column of this source's table names another provider's call: a declaration bug.
        None => Err(FetchError::Api {
            api_call: format!("{}:{}", def.name, hydrate.name()),
            message: "hydrate call belongs to another provider".into(),
        }),
    }
}

/// The registered table of `registry` behind `def`, or an error naming the call.
pub fn registered<S: 'static>(
    registry: &'static [&'static Table<S>],
    def: &TableDef,
    call: &str,
) -> Result<&'static Table<S>, FetchError> {
    find(registry, def).ok_or_else(|| FetchError::Api {
        api_call: format!("{}:{call}", def.name),
        message: "not a table of this provider".into(),
    })
}

/// Whether `def` has a get call in `registry`.
pub fn supports_get<S: 'static>(registry: &'static [&'static Table<S>], def: &TableDef) -> bool {
    find(registry, def).is_some_and(|t| t.get.is_some())
}

/// One page of `def`'s list call.
pub async fn list_page<S: 'static>(
    registry: &'static [&'static Table<S>],
    source: &S,
    def: &TableDef,
    req: &ListRequest,
    token: Option<String>,
) -> Result<Page, FetchError> {
    (registered(registry, def, "list")?.list)(source, req, token).await
}

/// `def`'s get call for one key.
pub async fn get<S: 'static>(
    registry: &'static [&'static Table<S>],
    source: &S,
    def: &TableDef,
    region: Option<&str>,
    key_column: &str,
    key: &str,
) -> Result<Option<Row>, FetchError> {
    match registered(registry, def, "get")?.get {
        Some(get) => get(source, region, key_column, key).await,
        None => Err(FetchError::Api {
            api_call: format!("{}:get", def.name),
            message: "table has no get call".into(),
        }),
    }
}

/// The registry as plain definitions, in registration order.
pub fn defs<S: 'static>(registry: &'static [&'static Table<S>]) -> Vec<&'static TableDef> {
    registry.iter().map(|t| &t.def).collect()
}
