//! Native evaluation of the CEL shapes catalogs are written in: comparisons, `&&`/`||`/`!`,
//! the ternary, double arithmetic, `in`, `has(c.x)` and our numeric helpers, reading
//! `m.`, `c.`, `d.` and `v.` straight from the assignment instead of from CEL maps.
//!
//! The `cel` interpreter boxes every value and needs its variables as hash maps, which cost
//! more to build than the rule costs to run; availability evaluates hundreds of rules per
//! live update. This evaluator answers only when it is sure to give CEL's answer: anything
//! it does not model (an error, a type it does not know, an operator or function it lacks)
//! makes it return `None`, and the caller asks CEL, so messages and edge cases stay CEL's.
//! An expression with a shape outside this subset is never compiled here at all.

use cel::common::ast::{Expr as Ast, IdedExpr, LiteralValue, operators};

use super::compile::{Derived, OptionSpec};
use super::derive::DerivedValue;
use super::eval::DerivedResult;
use super::input::{Assignment, Val};
use super::measures;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Double(f64),
    Int(i64),
    Str(String),
    Bool(bool),
    /// A literal list of doubles or of texts (`nearest`'s sizes, `x in [...]`).
    Doubles(Vec<f64>),
    Strs(Vec<String>),
    /// `m.<code>`, by index into [`measures::MEASURES`].
    Measure(usize),
    /// `c.<option>`, by option index.
    Choice(usize),
    /// `has(c.<option>)`.
    Has(usize),
    /// `v.<option>.<attr>`: the option's index and the attribute of each of its values, in
    /// order (looked up here once, not by name on every evaluation).
    Attr(usize, Box<[Option<f64>]>),
    /// `d.<derived>`, by derived index.
    Derived(usize),
    Not(Box<Node>),
    Neg(Box<Node>),
    And(Box<[Node; 2]>),
    Or(Box<[Node; 2]>),
    Cond(Box<[Node; 3]>),
    Bin(Op, Box<[Node; 2]>),
    Call(Func, Vec<Node>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    In,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Func {
    Round,
    Floor,
    Ceil,
    Nearest,
    Max,
    Min,
}

/// A value during evaluation; borrowed, so evaluating allocates nothing.
#[derive(Debug, Clone, Copy)]
pub(crate) enum V<'x> {
    D(f64),
    I(i64),
    S(&'x str),
    B(bool),
    /// The value codes of a multi choice.
    Codes(&'x OptionSpec, &'x [usize]),
    Doubles(&'x [f64]),
    Strs(&'x [String]),
}

/// What an expression reads, as the engine holds it.
pub(crate) struct Env<'x> {
    pub options: &'x [OptionSpec],
    pub a: &'x Assignment,
    /// By index into [`measures::MEASURES`], in the units expressions see.
    pub m: &'x [Option<f64>],
    /// The derived values computed so far (an expression only reads earlier ones).
    pub d: &'x [DerivedResult],
}

/// The native form of a parsed expression, or `None` when it uses anything outside the
/// subset (it is then always evaluated by CEL).
pub(crate) fn compile(ast: &IdedExpr, options: &[OptionSpec], derived: &[Derived]) -> Option<Node> {
    let c = |e: &IdedExpr| compile(e, options, derived);
    Some(match &ast.expr {
        Ast::Literal(lit) => match lit {
            LiteralValue::Double(d) => Node::Double(*d.inner()),
            LiteralValue::Int(i) => Node::Int(*i.inner()),
            LiteralValue::String(s) => Node::Str(s.inner().to_string()),
            LiteralValue::Boolean(b) => Node::Bool(*b.inner()),
            _ => return None,
        },
        Ast::List(list) => {
            if !list.optional_indices.is_empty() {
                return None;
            }
            let lits: Vec<Node> = list.elements.iter().map(c).collect::<Option<_>>()?;
            if lits.iter().all(|n| matches!(n, Node::Double(_))) {
                Node::Doubles(lits.into_iter().filter_map(|n| if let Node::Double(d) = n { Some(d) } else { None }).collect())
            } else if lits.iter().all(|n| matches!(n, Node::Str(_))) {
                Node::Strs(lits.into_iter().filter_map(|n| if let Node::Str(s) = n { Some(s) } else { None }).collect())
            } else {
                return None;
            }
        }
        Ast::Select(sel) => match &sel.operand.expr {
            Ast::Ident(root) => {
                let field = sel.field.as_str();
                match (root.as_str(), sel.test) {
                    ("m", false) => Node::Measure(measures::MEASURES.iter().position(|m| m.code == field)?),
                    ("c", false) => Node::Choice(options.iter().position(|o| o.code == field)?),
                    ("c", true) => Node::Has(options.iter().position(|o| o.code == field)?),
                    ("d", false) => Node::Derived(derived.iter().position(|d| d.code == field)?),
                    _ => return None,
                }
            }
            Ast::Select(inner) if !sel.test && !inner.test && matches!(&inner.operand.expr, Ast::Ident(r) if r == "v") => {
                let o = options.iter().position(|o| o.code == inner.field)?;
                Node::Attr(o, options[o].values.iter().map(|v| v.attrs.get(&sel.field).copied()).collect())
            }
            _ => return None,
        },
        Ast::Call(call) => {
            if call.target.is_some() {
                return None;
            }
            let args = &call.args;
            let two = || -> Option<Box<[Node; 2]>> { if args.len() == 2 { Some(Box::new([c(&args[0])?, c(&args[1])?])) } else { None } };
            let bin = |op| two().map(|b| Node::Bin(op, b));
            match call.func_name.as_str() {
                operators::CONDITIONAL if args.len() == 3 => Node::Cond(Box::new([c(&args[0])?, c(&args[1])?, c(&args[2])?])),
                operators::LOGICAL_AND => Node::And(two()?),
                operators::LOGICAL_OR => Node::Or(two()?),
                operators::LOGICAL_NOT if args.len() == 1 => Node::Not(Box::new(c(&args[0])?)),
                operators::NEGATE if args.len() == 1 => Node::Neg(Box::new(c(&args[0])?)),
                operators::EQUALS => bin(Op::Eq)?,
                operators::NOT_EQUALS => bin(Op::Ne)?,
                operators::LESS => bin(Op::Lt)?,
                operators::LESS_EQUALS => bin(Op::Le)?,
                operators::GREATER => bin(Op::Gt)?,
                operators::GREATER_EQUALS => bin(Op::Ge)?,
                operators::ADD => bin(Op::Add)?,
                operators::SUBSTRACT => bin(Op::Sub)?,
                operators::MULTIPLY => bin(Op::Mul)?,
                operators::DIVIDE => bin(Op::Div)?,
                operators::IN => bin(Op::In)?,
                name => {
                    let f = match name {
                        "round" if args.len() == 1 => Func::Round,
                        "floor" if args.len() == 1 => Func::Floor,
                        "ceil" if args.len() == 1 => Func::Ceil,
                        "nearest" if args.len() == 2 => Func::Nearest,
                        "max" if !args.is_empty() => Func::Max,
                        "min" if !args.is_empty() => Func::Min,
                        _ => return None,
                    };
                    Node::Call(f, args.iter().map(c).collect::<Option<_>>()?)
                }
            }
        }
        _ => return None,
    })
}

fn num_cmp(l: V, r: V) -> Option<Option<std::cmp::Ordering>> {
    Some(match (l, r) {
        (V::D(x), V::D(y)) => x.partial_cmp(&y),
        (V::D(x), V::I(y)) => x.partial_cmp(&(y as f64)),
        (V::I(x), V::D(y)) => (x as f64).partial_cmp(&y),
        (V::I(x), V::I(y)) => Some(x.cmp(&y)),
        _ => return None,
    })
}

/// CEL's `==` on the kinds modelled here; `None` for pairs it is not modelled for.
fn equal(l: V, r: V) -> Option<bool> {
    match (l, r) {
        (V::S(x), V::S(y)) => Some(x == y),
        (V::B(x), V::B(y)) => Some(x == y),
        _ => num_cmp(l, r).map(|o| o == Some(std::cmp::Ordering::Equal)),
    }
}

pub(crate) fn eval<'x>(n: &'x Node, env: &Env<'x>) -> Option<V<'x>> {
    use std::cmp::Ordering::{Greater, Less};
    Some(match n {
        Node::Double(d) => V::D(*d),
        Node::Int(i) => V::I(*i),
        Node::Str(s) => V::S(s),
        Node::Bool(b) => V::B(*b),
        Node::Doubles(ds) => V::Doubles(ds),
        Node::Strs(ss) => V::Strs(ss),
        Node::Measure(i) => V::D((*env.m.get(*i)?)?),
        Node::Choice(o) => {
            let spec = env.options.get(*o)?;
            match env.a.get(*o)?.as_ref()? {
                Val::One(i) => V::S(&spec.values.get(*i)?.code),
                Val::Many(is) => {
                    if is.iter().any(|i| *i >= spec.values.len()) {
                        return None;
                    }
                    V::Codes(spec, is)
                }
                v @ Val::Number(_) => V::D(v.number().unwrap_or(f64::NAN)),
                Val::Text(t) => V::S(t),
            }
        }
        Node::Has(o) => {
            let spec = env.options.get(*o)?;
            V::B(match env.a.get(*o)? {
                None => false,
                Some(Val::One(i)) => *i < spec.values.len(),
                Some(_) => true,
            })
        }
        Node::Attr(o, by_value) => match env.a.get(*o)?.as_ref()? {
            Val::One(i) => V::D((*by_value.get(*i)?)?),
            _ => return None,
        },
        Node::Derived(i) => match env.d.get(*i)? {
            Ok(DerivedValue::Number(x)) => V::D(rust_decimal::prelude::ToPrimitive::to_f64(x).unwrap_or(f64::NAN)),
            Ok(DerivedValue::Size(s)) => V::S(s),
            Err(_) => return None,
        },
        Node::Not(x) => match eval(x, env)? {
            V::B(b) => V::B(!b),
            _ => return None,
        },
        Node::Neg(x) => match eval(x, env)? {
            V::D(d) => V::D(-d),
            V::I(i) => V::I(i.checked_neg()?),
            _ => return None,
        },
        // CEL's `&&` and `||` are commutative over errors: a false (true) on either side
        // decides, whatever the other side did.
        Node::And(lr) => {
            let l = eval(&lr[0], env);
            if matches!(l, Some(V::B(false))) {
                return Some(V::B(false));
            }
            match (l, eval(&lr[1], env)?) {
                (_, V::B(false)) => V::B(false),
                (Some(V::B(true)), V::B(true)) => V::B(true),
                _ => return None,
            }
        }
        Node::Or(lr) => {
            let l = eval(&lr[0], env);
            if matches!(l, Some(V::B(true))) {
                return Some(V::B(true));
            }
            match (l, eval(&lr[1], env)?) {
                (_, V::B(true)) => V::B(true),
                (Some(V::B(false)), V::B(false)) => V::B(false),
                _ => return None,
            }
        }
        Node::Cond(x) => match eval(&x[0], env)? {
            V::B(true) => eval(&x[1], env)?,
            V::B(false) => eval(&x[2], env)?,
            _ => return None,
        },
        Node::Bin(op, lr) => {
            let (l, r) = (eval(&lr[0], env)?, eval(&lr[1], env)?);
            match op {
                Op::Eq => V::B(equal(l, r)?),
                Op::Ne => V::B(!equal(l, r)?),
                Op::Lt | Op::Le | Op::Gt | Op::Ge => {
                    let ord = match (l, r) {
                        (V::S(x), V::S(y)) => x.cmp(y),
                        _ => num_cmp(l, r)??,
                    };
                    V::B(match op {
                        Op::Lt => ord == Less,
                        Op::Le => ord != Greater,
                        Op::Gt => ord == Greater,
                        _ => ord != Less,
                    })
                }
                Op::Add | Op::Sub | Op::Mul | Op::Div => {
                    let (V::D(x), V::D(y)) = (l, r) else { return None };
                    V::D(match op {
                        Op::Add => x + y,
                        Op::Sub => x - y,
                        Op::Mul => x * y,
                        _ => x / y,
                    })
                }
                Op::In => V::B(match (l, r) {
                    (V::S(s), V::Codes(spec, is)) => is.iter().any(|i| spec.values[*i].code == s),
                    (V::S(s), V::Strs(ss)) => ss.iter().any(|x| x == s),
                    (V::D(_) | V::I(_), V::Doubles(ds)) => {
                        let mut hit = false;
                        for d in ds {
                            hit |= equal(V::D(*d), l)?;
                        }
                        hit
                    }
                    _ => return None,
                }),
            }
        }
        Node::Call(f, args) => match f {
            Func::Round | Func::Floor | Func::Ceil => {
                let V::D(x) = eval(&args[0], env)? else { return None };
                V::D(match f {
                    Func::Round => x.round(),
                    Func::Floor => x.floor(),
                    _ => x.ceil(),
                })
            }
            Func::Nearest => {
                let (V::D(x), V::Doubles(sizes)) = (eval(&args[0], env)?, eval(&args[1], env)?) else { return None };
                let mut best: Option<f64> = None;
                for &s in sizes {
                    best = match best {
                        Some(b) if (b - x).abs() <= (s - x).abs() => Some(b),
                        _ => Some(s),
                    };
                }
                V::D(best?)
            }
            Func::Max | Func::Min => {
                let keep_acc = if *f == Func::Max { Greater } else { Less };
                let fold = |items: &mut dyn Iterator<Item = f64>| -> Option<f64> {
                    let mut acc = items.next()?;
                    for x in items {
                        if acc.partial_cmp(&x)? != keep_acc {
                            acc = x;
                        }
                    }
                    Some(acc)
                };
                if args.len() == 1 {
                    match eval(&args[0], env)? {
                        V::Doubles(ds) => V::D(fold(&mut ds.iter().copied())?),
                        v @ (V::D(_) | V::I(_) | V::S(_) | V::B(_)) => v,
                        _ => return None,
                    }
                } else {
                    let mut xs = Vec::with_capacity(args.len());
                    for a in args {
                        let V::D(x) = eval(a, env)? else { return None };
                        xs.push(x);
                    }
                    V::D(fold(&mut xs.into_iter())?)
                }
            }
        },
    })
}
