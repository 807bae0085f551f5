//! Rule expressions in CEL (the Common Expression Language, as used by Kubernetes validation
//! rules), through the `cel` crate. Expressions are parsed once at compile time; evaluation
//! reuses one standard-library context and opens a cheap inner scope per call, because
//! building the CEL standard library is the dearest part of a call (~17 µs, measured).
//!
//! Variables: `m.<measurement>` (mm, body mass in kg), `c.<option>` (value code, list of
//! codes, number, or text), `d.<derived>` (number or size label), `v.<option>.<attr>`
//! (numeric attribute of the chosen value). All numbers are doubles: write `10.0`, not `10`,
//! in arithmetic (comparisons accept either).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use cel::common::ast::{EntryExpr, Expr as Ast, IdedExpr};
use cel::extractors::Arguments;
use cel::objects::{Key, Map};
use cel::{Context, ExecutionError, Program, Value};

/// A parsed expression with what it reads, so the engine knows which options a rule is about
/// and when it is ready to be checked.
pub struct Expr {
    pub source: String,
    program: Program,
    /// Options read through `c.` or `v.`: the rule waits until they are all chosen.
    pub options: BTreeSet<String>,
    /// Options only tested with `has(c.x)`: they may stay unchosen.
    pub tested_options: BTreeSet<String>,
    pub measures: BTreeSet<String>,
    pub derived: BTreeSet<String>,
    /// `(option, attribute)` pairs read through `v.`.
    pub attrs: BTreeSet<(String, String)>,
    /// Root names that are none of m, c, d, v, nor a comprehension variable.
    pub unknown_roots: BTreeSet<String>,
    /// The same expression for the native evaluator, once bound to a product's options.
    pub(crate) native: Option<super::native::Node>,
}

impl std::fmt::Debug for Expr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Expr").field("source", &self.source).finish()
    }
}

impl Expr {
    pub fn parse(source: &str) -> Result<Self, String> {
        let program = Program::compile(source).map_err(|e| parse_error(&e.to_string()))?;
        let mut expr = Expr {
            source: source.to_string(),
            program,
            options: BTreeSet::new(),
            tested_options: BTreeSet::new(),
            measures: BTreeSet::new(),
            derived: BTreeSet::new(),
            attrs: BTreeSet::new(),
            unknown_roots: BTreeSet::new(),
            native: None,
        };
        let ast = expr.program.expression().clone();
        expr.collect(&ast, &mut Vec::new());
        expr.tested_options.retain(|o| !expr.options.contains(o));
        Ok(expr)
    }

    /// Resolves the names the expression reads against a product, so that it can run
    /// natively; shapes the native evaluator lacks keep running in CEL only.
    pub(crate) fn bind(&mut self, options: &[super::compile::OptionSpec], derived: &[super::compile::Derived]) {
        self.native = super::native::compile(self.program.expression(), options, derived);
    }

    fn collect(&mut self, node: &IdedExpr, bound: &mut Vec<String>) {
        match &node.expr {
            Ast::Select(sel) => {
                if let Ast::Ident(root) = &sel.operand.expr {
                    if !bound.contains(root) {
                        let field = sel.field.clone();
                        match root.as_str() {
                            "m" => {
                                self.measures.insert(field);
                            }
                            "d" => {
                                self.derived.insert(field);
                            }
                            "c" if sel.test => {
                                self.tested_options.insert(field);
                            }
                            "c" | "v" => {
                                self.options.insert(field);
                            }
                            other => {
                                self.unknown_roots.insert(other.to_string());
                            }
                        }
                        return;
                    }
                }
                if let Ast::Select(inner) = &sel.operand.expr {
                    if matches!(&inner.operand.expr, Ast::Ident(r) if r == "v" && !bound.contains(r)) {
                        self.options.insert(inner.field.clone());
                        self.attrs.insert((inner.field.clone(), sel.field.clone()));
                        return;
                    }
                }
                self.collect(&sel.operand, bound);
            }
            Ast::Ident(name) => {
                if !bound.contains(name) {
                    self.unknown_roots.insert(name.clone());
                }
            }
            Ast::Call(call) => {
                if let Some(t) = &call.target {
                    self.collect(t, bound);
                }
                for a in &call.args {
                    self.collect(a, bound);
                }
            }
            Ast::List(list) => {
                for e in &list.elements {
                    self.collect(e, bound);
                }
            }
            Ast::Map(map) => {
                for entry in &map.entries {
                    if let EntryExpr::MapEntry(e) = &entry.expr {
                        self.collect(&e.key, bound);
                        self.collect(&e.value, bound);
                    }
                }
            }
            Ast::Comprehension(comp) => {
                self.collect(&comp.iter_range, bound);
                let before = bound.len();
                bound.push(comp.iter_var.clone());
                if let Some(v2) = &comp.iter_var2 {
                    bound.push(v2.clone());
                }
                bound.push(comp.accu_var.clone());
                for e in [&comp.accu_init, &comp.loop_cond, &comp.loop_step, &comp.result] {
                    self.collect(e, bound);
                }
                bound.truncate(before);
            }
            Ast::Literal(_) | Ast::Struct(_) | Ast::Unspecified => {}
        }
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The parser's error for a person: where, and what it found, without the set of grammar
/// tokens it could have taken (`NUM_FLOAT, NUM_UINT, …`) or its pointer drawing.
fn parse_error(s: &str) -> String {
    let s = one_line(s);
    let s = s.strip_prefix("ERROR: <input>:").unwrap_or(&s);
    let (at, rest) = match s.split_once(": ") {
        Some((pos, rest)) if pos.split(':').all(|n| n.parse::<u32>().is_ok()) => (pos.rsplit(':').next().map(|c| format!("at column {c}: ")), rest),
        _ => (None, s),
    };
    let rest = rest.split(" | ").next().unwrap_or(rest);
    let rest = rest.strip_prefix("Syntax error: ").unwrap_or(rest);
    let (found, expected) = match rest.find(" expecting {") {
        Some(i) => (&rest[..i], ": a value or a name was expected"),
        None => (rest, ""),
    };
    let found = match found.strip_prefix("mismatched input ").or_else(|| found.strip_prefix("extraneous input ")) {
        Some("'<EOF>'") => "the expression ends too early".to_owned(),
        Some(token) => format!("unexpected {}", token.replace('\'', "`")),
        None => found.to_owned(),
    };
    format!("{}{found}{expected}", at.unwrap_or_default())
}

/// The variables one evaluation sees. Each is a CEL map behind an `Arc`, so cloning a scope
/// into a context is four reference-count increments.
#[derive(Clone)]
pub struct Scope {
    pub m: Value,
    pub c: Value,
    pub d: Value,
    pub v: Value,
}

pub fn map_value<I: IntoIterator<Item = (String, Value)>>(entries: I) -> Value {
    let map: HashMap<Key, Value> = entries.into_iter().map(|(k, v)| (Key::String(Arc::new(k)), v)).collect();
    Value::Map(Map { map: Arc::new(map) })
}

pub fn string_value(s: &str) -> Value {
    Value::String(Arc::new(s.to_string()))
}

/// One CEL standard library with our few numeric helpers, built once per compiled catalog.
pub struct Evaluator {
    base: Context<'static, 'static>,
}

impl std::fmt::Debug for Evaluator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Evaluator")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum EvalError {
    /// The expression failed (missing key, no such overload, division by zero...).
    Failed(String),
    /// It ran but gave the wrong type.
    WrongType { expected: &'static str, got: String },
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EvalError::Failed(e) => write!(f, "{e}"),
            EvalError::WrongType { expected, got } => write!(f, "gives {got}, expected {expected}"),
        }
    }
}

impl Evaluator {
    pub fn new() -> Self {
        let mut base = Context::default();
        // Names are unique and the signatures plain; registration cannot fail, and if a
        // future cel release refused one, expressions using it would fail lint visibly.
        let _ = base.add_function("round", |x: f64| x.round());
        let _ = base.add_function("floor", |x: f64| x.floor());
        let _ = base.add_function("ceil", |x: f64| x.ceil());
        let _ = base.add_function("nearest", nearest);
        let _ = base.add_function("max", cel::functions::max);
        let _ = base.add_function("min", cel::functions::min);
        Self { base }
    }

    /// A context holding the scope's variables. Handing a variable to CEL converts the whole
    /// map (a rehash), so a caller evaluating many expressions on one scope builds this once
    /// (measured: per-expression contexts made validation 4x slower).
    pub fn context(&self, scope: &Scope) -> Context<'_, 'static> {
        let mut ctx = self.base.new_inner_scope();
        ctx.add_variable_from_value("m", scope.m.clone());
        ctx.add_variable_from_value("c", scope.c.clone());
        ctx.add_variable_from_value("d", scope.d.clone());
        ctx.add_variable_from_value("v", scope.v.clone());
        ctx
    }

    pub fn eval_in(&self, expr: &Expr, ctx: &Context) -> Result<Value, EvalError> {
        expr.program.execute(ctx).map_err(|e| EvalError::Failed(one_line(&e.to_string())))
    }

    pub fn eval(&self, expr: &Expr, scope: &Scope) -> Result<Value, EvalError> {
        self.eval_in(expr, &self.context(scope))
    }

    pub fn eval_bool(&self, expr: &Expr, scope: &Scope) -> Result<bool, EvalError> {
        self.eval_bool_in(expr, &self.context(scope))
    }

    pub fn eval_number(&self, expr: &Expr, scope: &Scope) -> Result<f64, EvalError> {
        self.eval_number_in(expr, &self.context(scope))
    }

    pub fn eval_bool_in(&self, expr: &Expr, ctx: &Context) -> Result<bool, EvalError> {
        match self.eval_in(expr, ctx)? {
            Value::Bool(b) => Ok(b),
            other => Err(EvalError::WrongType { expected: "a boolean (true/false)", got: type_name(&other) }),
        }
    }

    pub fn eval_number_in(&self, expr: &Expr, ctx: &Context) -> Result<f64, EvalError> {
        match self.eval_in(expr, ctx)? {
            Value::Float(f) if f.is_finite() => Ok(f),
            Value::Float(f) => Err(EvalError::Failed(format!("result is not a finite number ({f})"))),
            Value::Int(i) => Ok(i as f64),
            Value::UInt(u) => Ok(u as f64),
            other => Err(EvalError::WrongType { expected: "a number", got: type_name(&other) }),
        }
    }
}

impl Default for Evaluator {
    fn default() -> Self {
        Self::new()
    }
}

pub fn type_name(v: &Value) -> String {
    match v {
        Value::Bool(_) => "a boolean".into(),
        Value::Int(_) | Value::UInt(_) | Value::Float(_) => "a number".into(),
        Value::String(_) => "a text".into(),
        Value::List(_) => "a list".into(),
        Value::Map(_) => "a map".into(),
        Value::Null => "null".into(),
        _ => "another type".into(),
    }
}

/// `nearest(x, [165.0, 170.0, 172.5])`: the listed size closest to `x` (the smaller on a
/// tie), so that a fit formula lands on a length that is actually sold.
fn nearest(Arguments(args): Arguments) -> Result<Value, ExecutionError> {
    let (Some(Value::Float(x)), Some(Value::List(sizes))) = (args.first(), args.get(1)) else {
        return Err(ExecutionError::function_error("nearest", "expects (double, list of doubles)"));
    };
    let mut best: Option<f64> = None;
    for s in sizes.iter() {
        let s = match s {
            Value::Float(f) => *f,
            Value::Int(i) => *i as f64,
            _ => return Err(ExecutionError::function_error("nearest", "list must hold numbers")),
        };
        best = match best {
            Some(b) if (b - x).abs() <= (s - x).abs() => Some(b),
            _ => Some(s),
        };
    }
    best.map(Value::Float).ok_or_else(|| ExecutionError::function_error("nearest", "empty list"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> Scope {
        Scope {
            m: map_value([("inside_leg".to_string(), Value::Float(845.0))]),
            c: map_value([("frame".to_string(), string_value("alu"))]),
            d: map_value([]),
            v: map_value([("tyre".to_string(), map_value([("width".to_string(), Value::Float(28.0))]))]),
        }
    }

    #[test]
    fn references_are_collected_by_kind() {
        let e = Expr::parse(r#"c.frame == "alu" && m.inside_leg > 700.0 && v.tyre.width < d.clearance && has(c.extras)"#)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(e.options, BTreeSet::from(["frame".to_string(), "tyre".to_string()]));
        assert_eq!(e.tested_options, BTreeSet::from(["extras".to_string()]));
        assert_eq!(e.measures, BTreeSet::from(["inside_leg".to_string()]));
        assert_eq!(e.derived, BTreeSet::from(["clearance".to_string()]));
        assert!(e.attrs.contains(&("tyre".to_string(), "width".to_string())));
        assert!(e.unknown_roots.is_empty());
    }

    #[test]
    fn comprehension_variables_are_not_unknown_roots() {
        let e = Expr::parse(r#"c.extras.exists(x, x == "bell") || q > 1"#).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(e.unknown_roots, BTreeSet::from(["q".to_string()]));
    }

    #[test]
    fn evaluates_with_helpers() {
        let ev = Evaluator::new();
        let e = Expr::parse("nearest(m.inside_leg * 0.216, [165.0, 170.0, 172.5, 175.0])").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ev.eval_number(&e, &scope()), Ok(175.0));
        let e = Expr::parse("round(m.inside_leg * 0.883)").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ev.eval_number(&e, &scope()), Ok(746.0));
        let e = Expr::parse("v.tyre.width <= 28").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ev.eval_bool(&e, &scope()), Ok(true));
    }

    #[test]
    fn a_syntax_error_is_reported_not_panicked() {
        let e = Expr::parse("c.frame == ").err().unwrap_or_default();
        assert_eq!(e, "at column 12: the expression ends too early: a value or a name was expected");
        let e = Expr::parse("c.frame == == 'alu'").err().unwrap_or_default();
        assert!(e.starts_with("at column ") && !e.contains("NUM_"), "{e}");
    }

    #[test]
    fn mixing_int_and_double_in_arithmetic_fails_at_evaluation() {
        let ev = Evaluator::new();
        let e = Expr::parse("m.inside_leg + 10 > 0.0").unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(ev.eval_bool(&e, &scope()), Err(EvalError::Failed(_))));
    }
}
