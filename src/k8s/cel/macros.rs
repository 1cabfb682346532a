//! The macros the parser leaves as calls, which the evaluator runs with their variables
//! bound: the two-variable comprehensions (cel-go's `ext.TwoVarComprehensions`) and the
//! lists library's `sortBy`. Which calls they are, and the names they bind, is decided
//! here once for the analysis and the evaluator.

use cel::common::ast::{CallExpr, Expr, IdedExpr};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Form {
    /// `all(i, v, p)`: index and element of a list, or key and value of a map.
    All,
    Exists,
    ExistsOne,
    /// `transformList(i, v, f)` or `transformList(i, v, p, f)`.
    TransformList,
    TransformMap,
    TransformMapEntry,
    /// `sortBy(e, key)`, on a list.
    SortBy,
}

/// A call that binds variables: its form, the names it binds, and the arguments evaluated
/// with them bound (a filter before the transform when there are two).
pub(super) struct Binding<'a> {
    pub(super) form: Form,
    pub(super) vars: Vec<&'a str>,
    pub(super) body: &'a [IdedExpr],
}

/// The names `SUPPORTED` gets from here.
pub(super) const NAMES: &[&str] = &[
    "transformList",
    "transformMap",
    "transformMapEntry",
    "sortBy",
];

/// The binding call `c` is, if it is one: on a target, with the right number of
/// arguments, the variables written as plain (and distinct) names.
pub(super) fn binding_call(c: &CallExpr) -> Option<Binding<'_>> {
    c.target.as_ref()?;
    let (form, vars) = match (c.func_name.as_str(), c.args.len()) {
        ("all", 3) => (Form::All, 2),
        ("exists", 3) => (Form::Exists, 2),
        ("existsOne" | "exists_one", 3) => (Form::ExistsOne, 2),
        ("transformList", 3 | 4) => (Form::TransformList, 2),
        ("transformMap", 3 | 4) => (Form::TransformMap, 2),
        ("transformMapEntry", 3 | 4) => (Form::TransformMapEntry, 2),
        ("sortBy", 2) => (Form::SortBy, 1),
        _ => return None,
    };
    let names: Vec<&str> = c.args[..vars]
        .iter()
        .map(|a| match &a.expr {
            Expr::Ident(name) => Some(name.as_str()),
            _ => None,
        })
        .collect::<Option<_>>()?;
    if names.len() == 2 && names[0] == names[1] {
        return None;
    }
    Some(Binding {
        form,
        vars: names,
        body: &c.args[vars..],
    })
}
