//! Bicep files: the `resource` declarations read into the common value tree with the exact
//! position of every key and value, plus the defaults of `param`s and the values of `var`s.
//!
//! The text is cut into tokens (comments dropped, strings decoded, new lines kept since they
//! separate declarations and object entries), then read by a small recursive-descent parser.
//! Only what a cluster rule needs is built: objects, arrays and literals become `Map`, `List`,
//! `Str`, `Bool`, `Num` and `Null` nodes; every other expression (references, calls,
//! operators, interpolated strings, `for` expressions) becomes an `Expr` with its text as
//! written. Other declarations (`module`, `output`, `type`, `func`, `import`, ...) are skipped
//! by matching brackets.
//!
//! Columns are 0-based and counted in Unicode code points, lines are 1-based, as in
//! [`crate::span::Pos`]. Every token is looked at a bounded number of times and nesting is
//! limited to [`MAX_DEPTH`], so the reading is linear in the size of the text and no input
//! makes it panic or exhaust the stack.

use std::collections::HashMap;

use super::value_tree::{Entry, Kind, Node};
use crate::span::{Pos, Span};

/// How deeply expressions, objects and arrays may nest before the read is abandoned.
pub const MAX_DEPTH: usize = 128;

/// What a Bicep file declares.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BicepFile {
    pub resources: Vec<BicepResource>,
    /// `param NAME TYPE = DEFAULT`: the default's value tree (only params with a default).
    pub params: HashMap<String, Node>,
    /// `var NAME = VALUE`.
    pub vars: HashMap<String, Node>,
}

/// One `resource` declaration (top-level or nested in another resource's body).
#[derive(Debug, Clone, PartialEq)]
pub struct BicepResource {
    /// The symbolic name (`aks` in `resource aks '...' = {`).
    pub symbol: String,
    /// `Microsoft.ContainerService/managedClusters` (as written; compare case-insensitively).
    pub type_name: String,
    pub api_version: String,
    /// The span of the `'type@version'` string (where "missing setting" findings go).
    pub type_span: Span,
    /// `existing` resources are references, not definitions.
    pub existing: bool,
    /// The body object (for `= if (cond) { }` the object; for `= [for x in y: { }]` the
    /// loop's object).
    pub body: Node,
    /// The `parent:` property's symbol, or for a resource nested inside another resource's
    /// body, the enclosing resource's symbol.
    pub parent: Option<String>,
}

/// A syntax error the reader could not get past.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BicepError {
    pub pos: Pos,
    pub message: String,
}

/// Reads a Bicep file. A syntax error it cannot recover from ends the read with an error at
/// its position (the caller reports it); what was read before is still returned.
pub fn read(text: &str) -> (BicepFile, Option<BicepError>) {
    let lx = lex(text);
    let mut p = Parser {
        lx: &lx,
        i: 0,
        last_end: 0,
        depth: 0,
        file: BicepFile::default(),
    };
    let error = match p.file() {
        Ok(()) => lx.error.clone(),
        // The tokens ran out early because the lexer stopped: its error is the cause.
        Err(e) if p.i >= lx.toks.len() => lx.error.clone().or(Some(e)),
        Err(e) => Some(e),
    };
    (p.file, error)
}

// ---------------------------------------------------------------------------------------
// Tokens

#[derive(Debug, Clone, PartialEq)]
enum T {
    /// An identifier or keyword.
    Ident(String),
    /// A string: its value, or `None` when it has `${...}` holes.
    Str(Option<String>),
    Int,
    Sym(&'static str),
    Newline,
    /// A character Bicep does not use.
    Unknown,
}

#[derive(Debug, Clone)]
struct Tok {
    t: T,
    /// Character indices, end exclusive.
    s: usize,
    e: usize,
}

struct Lexed {
    chars: Vec<char>,
    /// The position of every character, plus the end of the text.
    pos: Vec<Pos>,
    toks: Vec<Tok>,
    /// An error that stopped the lexer (the tokens end there).
    error: Option<BicepError>,
}

/// Longest first, so that a prefix never shadows a longer symbol.
const SYMS: &[&str] = &[
    "...", "??", "::", "==", "!=", "=~", "!~", "=>", "<=", ">=", "&&", "||", "{", "}", "[", "]",
    "(", ")", ",", ":", ".", "?", "!", "=", "<", ">", "+", "-", "*", "/", "%", "@", "|", "&",
];

/// Binary operators (the ternary `?` is handled on its own).
const BINARY: &[&str] = &[
    "??", "||", "&&", "==", "!=", "=~", "!~", "<", "<=", ">", ">=", "+", "-", "*", "/", "%",
];

fn lex(text: &str) -> Lexed {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let chars: Vec<char> = text.chars().collect();
    let pos = positions(&chars);
    let mut toks = Vec::new();
    let mut error = None;
    let mut i = 0;
    while i < chars.len() {
        match token(&chars, i) {
            Ok((t, e)) => {
                if let Some(t) = t {
                    toks.push(Tok { t, s: i, e });
                }
                i = e;
            }
            Err(message) => {
                error = Some(BicepError {
                    pos: pos[i],
                    message,
                });
                break;
            }
        }
    }
    Lexed {
        chars,
        pos,
        toks,
        error,
    }
}

/// The position of every character, plus the end of the text.
fn positions(chars: &[char]) -> Vec<Pos> {
    let mut pos = Vec::with_capacity(chars.len() + 1);
    let (mut line, mut col) = (1u32, 0u32);
    for &c in chars {
        pos.push(Pos { line, col });
        if c == '\n' {
            line = line.saturating_add(1);
            col = 0;
        } else {
            col = col.saturating_add(1);
        }
    }
    pos.push(Pos { line, col });
    pos
}

/// Reads what starts at `chars[i]`: the token (`None` for blanks and comments that do not
/// separate) and where it ends, always past `i`; or why the lexer stops there.
fn token(chars: &[char], i: usize) -> Result<(Option<T>, usize), String> {
    let at = |k: usize| chars.get(k).copied();
    let c = chars[i];
    if c == '\n' {
        Ok((Some(T::Newline), i + 1))
    } else if c.is_whitespace() || c == '\u{feff}' {
        Ok((None, i + 1))
    } else if c == '/' && at(i + 1) == Some('/') {
        Ok((None, end_of_run(chars, i, |c| c != '\n')))
    } else if c == '/' && at(i + 1) == Some('*') {
        block_comment(chars, i)
    } else if c == '\'' && at(i + 1) == Some('\'') && at(i + 2) == Some('\'') {
        match multiline_string(chars, i) {
            Some((value, e)) => Ok((Some(T::Str(Some(value))), e)),
            None => Err("this `'''` string is never closed".into()),
        }
    } else if c == '\'' {
        string(chars, i).map(|(value, e)| (Some(T::Str(value)), e))
    } else if c.is_ascii_digit() {
        Ok((Some(T::Int), end_of_run(chars, i, |c| c.is_ascii_digit())))
    } else if c.is_ascii_alphabetic() || c == '_' {
        let e = end_of_run(chars, i, |c| c.is_ascii_alphanumeric() || c == '_');
        Ok((Some(T::Ident(chars[i..e].iter().collect())), e))
    } else {
        let (t, e) = symbol(chars, i);
        Ok((Some(t), e))
    }
}

/// The end of the run of characters from `i` that satisfy `keep`.
fn end_of_run(chars: &[char], mut i: usize, keep: impl Fn(char) -> bool) -> usize {
    while i < chars.len() && keep(chars[i]) {
        i += 1;
    }
    i
}

/// `/* ... */` from `start`: a comment over several lines separates like a new line.
fn block_comment(chars: &[char], start: usize) -> Result<(Option<T>, usize), String> {
    let n = chars.len();
    let mut j = start + 2;
    let mut newline = false;
    while j < n && !(chars[j] == '*' && chars.get(j + 1) == Some(&'/')) {
        newline |= chars[j] == '\n';
        j += 1;
    }
    if j >= n {
        return Err("this `/*` comment is never closed".into());
    }
    Ok((newline.then_some(T::Newline), j + 2))
}

/// The longest symbol at `i`, or one character Bicep does not use.
fn symbol(chars: &[char], i: usize) -> (T, usize) {
    let sym = SYMS.iter().find(|sym| {
        sym.chars()
            .enumerate()
            .all(|(k, sc)| chars.get(i + k) == Some(&sc))
    });
    match sym {
        Some(sym) => (T::Sym(sym), i + sym.chars().count()),
        None => (T::Unknown, i + 1),
    }
}

/// `'''...'''` from `start`: its value (no escapes; a new line right after the opening is
/// dropped; in a run of more than three closing quotes the last three close) and its end.
fn multiline_string(chars: &[char], start: usize) -> Option<(String, usize)> {
    let n = chars.len();
    let mut body = start + 3;
    if chars.get(body) == Some(&'\r') && chars.get(body + 1) == Some(&'\n') {
        body += 2;
    } else if chars.get(body) == Some(&'\n') {
        body += 1;
    }
    let mut j = body;
    while j < n {
        if chars[j] == '\'' {
            let mut run = j;
            while run < n && chars[run] == '\'' {
                run += 1;
            }
            if run - j >= 3 {
                return Some((chars[body..run - 3].iter().collect(), run));
            }
            j = run;
        } else {
            j += 1;
        }
    }
    None
}

/// A single-quoted string from `start`: its decoded value (`None` when it has `${...}`
/// holes) and its end; or why it is not closed.
fn string(chars: &[char], start: usize) -> Result<(Option<String>, usize), String> {
    enum F {
        Str,
        /// Inside `${ }`, with the count of `{` opened in it.
        Hole(u32),
    }
    let at = |i: usize| chars.get(i).copied();
    let mut stack = vec![F::Str];
    let mut value = String::new();
    let mut interpolated = false;
    let mut i = start + 1;
    while let Some(top) = stack.last() {
        let Some(c) = at(i) else {
            return Err("this string is never closed".into());
        };
        let top_level = stack.len() == 1;
        match *top {
            F::Str => match c {
                '\'' => {
                    stack.pop();
                    i += 1;
                }
                '\n' => return Err("this string is not closed on its line".into()),
                '\\' => {
                    let (decoded, len) = escape(chars, i);
                    if top_level {
                        value.push_str(&decoded);
                    }
                    i += len;
                }
                '$' if at(i + 1) == Some('{') => {
                    interpolated |= top_level;
                    stack.push(F::Hole(0));
                    i += 2;
                }
                _ => {
                    if top_level {
                        value.push(c);
                    }
                    i += 1;
                }
            },
            F::Hole(depth) => match c {
                '\'' if at(i + 1) == Some('\'') && at(i + 2) == Some('\'') => {
                    match multiline_string(chars, i) {
                        Some((_, e)) => i = e,
                        None => return Err("this string is never closed".into()),
                    }
                }
                '\'' => {
                    stack.push(F::Str);
                    i += 1;
                }
                '{' => {
                    stack.pop();
                    stack.push(F::Hole(depth + 1));
                    i += 1;
                }
                '}' if depth == 0 => {
                    stack.pop();
                    i += 1;
                }
                '}' => {
                    stack.pop();
                    stack.push(F::Hole(depth - 1));
                    i += 1;
                }
                _ => i += 1,
            },
        }
    }
    Ok(((!interpolated).then_some(value), i))
}

/// The escape at `chars[i] == '\\'`: what it stands for and how many characters it takes.
/// An unknown escape is kept as written.
fn escape(chars: &[char], i: usize) -> (String, usize) {
    let Some(&c) = chars.get(i + 1) else {
        return ("\\".into(), 1);
    };
    let simple = match c {
        '\'' => Some('\''),
        '\\' => Some('\\'),
        'n' => Some('\n'),
        'r' => Some('\r'),
        't' => Some('\t'),
        '$' => Some('$'),
        _ => None,
    };
    if let Some(d) = simple {
        return (d.to_string(), 2);
    }
    if c == 'u' && chars.get(i + 2) == Some(&'{') {
        let mut j = i + 3;
        while j < chars.len() && j < i + 3 + 8 && chars[j].is_ascii_hexdigit() {
            j += 1;
        }
        if j > i + 3 && chars.get(j) == Some(&'}') {
            let hex: String = chars[i + 3..j].iter().collect();
            if let Some(d) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                return (d.to_string(), j + 1 - i);
            }
        }
    }
    if c == '\n' {
        return ("\\".into(), 1);
    }
    (format!("\\{c}"), 2)
}

// ---------------------------------------------------------------------------------------
// Parser

type R<X> = Result<X, BicepError>;

/// A parsed expression: a value tree node, or the source range of a computed expression
/// (its text is only taken when it becomes a value).
enum Val {
    Node(Node),
    Span(usize, usize),
}

/// The resource whose body is being read, for nested resources.
struct Enclosing {
    symbol: String,
    type_name: String,
    api_version: String,
}

struct Parser<'a> {
    lx: &'a Lexed,
    /// The next token.
    i: usize,
    /// The end (character index) of the last token taken.
    last_end: usize,
    depth: usize,
    file: BicepFile,
}

impl<'a> Parser<'a> {
    // -- token helpers

    fn tok(&self) -> Option<&'a Tok> {
        self.lx.toks.get(self.i)
    }

    fn peek(&self) -> Option<&'a T> {
        self.lx.toks.get(self.i).map(|t| &t.t)
    }

    fn peek_at(&self, k: usize) -> Option<&'a T> {
        self.lx.toks.get(self.i + k).map(|t| &t.t)
    }

    fn is_sym(&self, s: &str) -> bool {
        matches!(self.peek(), Some(T::Sym(x)) if *x == s)
    }

    fn is_ident(&self, s: &str) -> bool {
        matches!(self.peek(), Some(T::Ident(x)) if x == s)
    }

    fn bump(&mut self) {
        if let Some(t) = self.lx.toks.get(self.i) {
            self.last_end = t.e;
            self.i += 1;
        }
    }

    fn skip_nl(&mut self) {
        while matches!(self.peek(), Some(T::Newline)) {
            self.i += 1;
        }
    }

    /// Whether the next token after any new lines is the symbol `s`.
    fn is_sym_after_nl(&self, s: &str) -> bool {
        let mut k = self.i;
        while matches!(self.lx.toks.get(k).map(|t| &t.t), Some(T::Newline)) {
            k += 1;
        }
        matches!(self.lx.toks.get(k).map(|t| &t.t), Some(T::Sym(x)) if *x == s)
    }

    /// The start of the next token (the end of the text when there is none).
    fn cur_start(&self) -> usize {
        self.lx
            .toks
            .get(self.i)
            .map_or(self.lx.chars.len(), |t| t.s)
    }

    fn span(&self, s: usize, e: usize) -> Span {
        let get = |k: usize| {
            self.lx
                .pos
                .get(k)
                .or(self.lx.pos.last())
                .copied()
                .unwrap_or_default()
        };
        Span {
            start: get(s),
            end: get(e),
        }
    }

    fn text(&self, s: usize, e: usize) -> String {
        let e = e.min(self.lx.chars.len());
        let s = s.min(e);
        self.lx.chars[s..e]
            .iter()
            .collect::<String>()
            .trim()
            .to_string()
    }

    fn err_at(&self, char_index: usize, message: impl Into<String>) -> BicepError {
        let pos = self
            .lx
            .pos
            .get(char_index)
            .or(self.lx.pos.last())
            .copied()
            .unwrap_or_default();
        BicepError {
            pos,
            message: message.into(),
        }
    }

    /// An error at the next token, naming it.
    fn err_here(&self, what: &str) -> BicepError {
        match self.tok() {
            None => self.err_at(
                self.lx.chars.len(),
                format!("{what}, found the end of the file"),
            ),
            Some(t) if t.t == T::Newline => self.err_at(t.s, format!("{what}, found a new line")),
            Some(t) => {
                let found = self.text(t.s, t.e);
                self.err_at(t.s, format!("{what}, found `{found}`"))
            }
        }
    }

    fn expect_sym(&mut self, s: &str) -> R<()> {
        if self.is_sym(s) {
            self.bump();
            Ok(())
        } else {
            Err(self.err_here(&format!("expected `{s}`")))
        }
    }

    fn expect_ident(&mut self, what: &str) -> R<String> {
        match self.peek() {
            Some(T::Ident(x)) => {
                let x = x.clone();
                self.bump();
                Ok(x)
            }
            _ => Err(self.err_here(&format!("expected {what}"))),
        }
    }

    /// After a declaration: a new line or the end of the file.
    fn end_of_statement(&mut self) -> R<()> {
        match self.peek() {
            None | Some(T::Newline) => Ok(()),
            _ => Err(self.err_here("expected a new line after the declaration")),
        }
    }

    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err_at(self.cur_start(), "expressions nest too deeply"));
        }
        Ok(())
    }

    fn node(&self, v: Val) -> Node {
        match v {
            Val::Node(n) => n,
            Val::Span(s, e) => Node {
                span: self.span(s, e),
                kind: Kind::Expr {
                    text: self.text(s, e),
                    param: None,
                },
            },
        }
    }

    // -- declarations

    fn file(&mut self) -> R<()> {
        loop {
            self.skip_nl();
            let Some(t) = self.peek() else { return Ok(()) };
            match t {
                T::Sym("@") => {
                    self.decorator()?;
                    continue;
                }
                T::Ident(kw) => match kw.as_str() {
                    "resource" => {
                        let rs = self.resource(None)?;
                        self.end_of_statement()?;
                        self.file.resources.extend(rs);
                    }
                    "param" => self.param_or_var(true)?,
                    "var" => self.param_or_var(false)?,
                    // A property outside any object: a `}` closed the body too early.
                    _ if matches!(self.peek_at(1), Some(T::Sym(":"))) => {
                        return Err(self
                            .err_here("expected a declaration (`param`, `var`, `resource`, ...)"));
                    }
                    // module, output, type, func, import, metadata, targetScope, and
                    // declarations of newer Bicep versions.
                    _ => self.skip_statement()?,
                },
                _ => {
                    return Err(
                        self.err_here("expected a declaration (`param`, `var`, `resource`, ...)")
                    );
                }
            }
        }
    }

    /// `@name(args)` (also `@sys.name(...)`): read and dropped.
    fn decorator(&mut self) -> R<()> {
        self.expect_sym("@")?;
        self.enter()?;
        self.postfix()?;
        self.depth -= 1;
        Ok(())
    }

    /// `param NAME TYPE [= DEFAULT]` / `var NAME [TYPE] = VALUE`.
    fn param_or_var(&mut self, param: bool) -> R<()> {
        self.bump();
        let name = self.expect_ident("a name")?;
        if !self.skip_balanced(true)? {
            if param {
                return Ok(());
            }
            return Err(self.err_here("expected `=`"));
        }
        let value = self.value()?;
        self.end_of_statement()?;
        if param {
            self.file.params.insert(name, value);
        } else {
            self.file.vars.insert(name, value);
        }
        Ok(())
    }

    fn skip_statement(&mut self) -> R<()> {
        self.skip_balanced(false).map(|_| ())
    }

    /// Skips tokens, matching brackets, up to a new line outside brackets (not taken) or,
    /// with `stop_at_eq`, up to a `=` outside brackets (taken; then returns true). Without
    /// `stop_at_eq`, a line ending with an operator, or followed by one starting with `?` or
    /// `:` (a ternary written over lines), continues on the next.
    fn skip_balanced(&mut self, stop_at_eq: bool) -> R<bool> {
        let mut open: Vec<(&'static str, usize)> = Vec::new();
        let mut continues = false;
        loop {
            let Some(tok) = self.tok() else {
                return match open.last() {
                    Some(&(o, at)) => Err(self.err_at(at, format!("this `{o}` is never closed"))),
                    None => Ok(false),
                };
            };
            match &tok.t {
                T::Newline => {
                    // Before `=` (a type) a line never continues: `string?` ends it.
                    let continued = !stop_at_eq
                        && (continues || self.is_sym_after_nl("?") || self.is_sym_after_nl(":"));
                    if open.is_empty() && !continued {
                        return Ok(false);
                    }
                    self.skip_nl();
                    continue;
                }
                T::Sym("=") if open.is_empty() && stop_at_eq => {
                    self.bump();
                    return Ok(true);
                }
                T::Sym(o @ ("{" | "[" | "(")) => open.push((o, tok.s)),
                T::Sym(c @ ("}" | "]" | ")")) => {
                    let want = match *c {
                        "}" => "{",
                        "]" => "[",
                        _ => "(",
                    };
                    match open.pop() {
                        Some((o, _)) if o == want => {}
                        _ => return Err(self.err_at(tok.s, format!("unexpected `{c}`"))),
                    }
                }
                _ => {}
            }
            continues = matches!(&tok.t, T::Sym(s) if BINARY.contains(s) || matches!(*s, "?" | ":" | "=" | "=>" | "," | "."));
            self.bump();
        }
    }

    /// `resource SYM 'TYPE@VERSION' [existing] = BODY`, with the resources nested in its
    /// body after it.
    fn resource(&mut self, enclosing: Option<&Enclosing>) -> R<Vec<BicepResource>> {
        self.bump(); // `resource`
        let symbol = self.expect_ident("a resource symbol")?;
        let (type_written, type_span) = match self.tok() {
            Some(Tok {
                t: T::Str(Some(v)),
                s,
                e,
            }) => (v.clone(), self.span(*s, *e)),
            _ => return Err(self.err_here("expected the resource type string `'TYPE@VERSION'`")),
        };
        self.bump();
        let (mut type_name, mut api_version) = match type_written.rsplit_once('@') {
            Some((t, v)) => (t.to_string(), v.to_string()),
            None => (type_written.clone(), String::new()),
        };
        if let Some(enc) = enclosing {
            if !type_name.contains('/') {
                type_name = format!("{}/{}", enc.type_name, type_name);
            }
            if api_version.is_empty() {
                api_version = enc.api_version.clone();
            }
        }
        let existing = self.is_ident("existing");
        if existing {
            self.bump();
        }
        self.expect_sym("=")?;
        self.skip_nl();
        let me = Enclosing {
            symbol: symbol.clone(),
            type_name: type_name.clone(),
            api_version: api_version.clone(),
        };
        let mut nested = Vec::new();
        let body = if self.is_ident("if") {
            self.condition()?;
            self.resource_object(&me, &mut nested)?
        } else if self.is_sym("[") {
            self.bump();
            self.skip_nl();
            self.for_head()?;
            if self.is_ident("if") {
                self.condition()?;
            }
            let body = self.resource_object(&me, &mut nested)?;
            self.skip_nl();
            self.expect_sym("]")?;
            body
        } else {
            self.resource_object(&me, &mut nested)?
        };
        let parent = match enclosing {
            Some(enc) => Some(enc.symbol.clone()),
            None => body.get("parent").and_then(parent_symbol),
        };
        let mut out = vec![BicepResource {
            symbol,
            type_name,
            api_version,
            type_span,
            existing,
            body,
            parent,
        }];
        out.append(&mut nested);
        Ok(out)
    }

    fn resource_object(&mut self, me: &Enclosing, nested: &mut Vec<BicepResource>) -> R<Node> {
        self.skip_nl();
        if !self.is_sym("{") {
            return Err(self.err_here("expected the resource body `{`"));
        }
        self.enter()?;
        let n = self.object(Some((me, nested)));
        self.depth -= 1;
        n
    }

    /// `if (COND)`, then any new lines.
    fn condition(&mut self) -> R<()> {
        self.bump(); // `if`
        self.skip_nl();
        self.expect_sym("(")?;
        self.skip_nl();
        self.expr()?;
        self.skip_nl();
        self.expect_sym(")")?;
        self.skip_nl();
        Ok(())
    }

    /// `for ITEM in LIST:` / `for (ITEM, INDEX) in LIST:`, then any new lines.
    fn for_head(&mut self) -> R<()> {
        if !self.is_ident("for") {
            return Err(self.err_here("expected `for`"));
        }
        self.bump();
        self.skip_nl();
        if self.is_sym("(") {
            self.bump();
            self.skip_nl();
            self.expect_ident("a loop variable")?;
            self.skip_nl();
            if self.is_sym(",") {
                self.bump();
                self.skip_nl();
                self.expect_ident("a loop index")?;
                self.skip_nl();
            }
            self.expect_sym(")")?;
        } else {
            self.expect_ident("a loop variable")?;
        }
        self.skip_nl();
        if !self.is_ident("in") {
            return Err(self.err_here("expected `in`"));
        }
        self.bump();
        self.skip_nl();
        self.expr()?;
        self.skip_nl();
        self.expect_sym(":")?;
        self.skip_nl();
        Ok(())
    }

    // -- values

    /// An expression as a value node.
    fn value(&mut self) -> R<Node> {
        let v = self.expr()?;
        Ok(self.node(v))
    }

    fn expr(&mut self) -> R<Val> {
        self.enter()?;
        let r = self.ternary();
        self.depth -= 1;
        r
    }

    fn ternary(&mut self) -> R<Val> {
        let s = self.cur_start();
        let v = self.binary()?;
        if !self.is_sym_after_nl("?") {
            return Ok(v);
        }
        self.skip_nl();
        self.bump();
        self.skip_nl();
        self.expr()?;
        self.skip_nl();
        self.expect_sym(":")?;
        self.skip_nl();
        self.expr()?;
        Ok(Val::Span(s, self.last_end))
    }

    fn binary(&mut self) -> R<Val> {
        let s = self.cur_start();
        let mut v = self.unary()?;
        while matches!(self.peek(), Some(T::Sym(x)) if BINARY.contains(x)) {
            self.bump();
            self.skip_nl();
            self.unary()?;
            v = Val::Span(s, self.last_end);
        }
        Ok(v)
    }

    fn unary(&mut self) -> R<Val> {
        let s = self.cur_start();
        let mut ops = 0;
        let mut only_minus = true;
        while let Some(T::Sym(x @ ("!" | "-"))) = self.peek() {
            only_minus &= *x == "-";
            ops += 1;
            self.bump();
        }
        let v = self.postfix()?;
        if ops == 0 {
            return Ok(v);
        }
        if ops == 1
            && only_minus
            && let Val::Node(Node {
                span,
                kind: Kind::Num(digits),
            }) = &v
            && self.span(s + 1, s + 1).start == span.start
        {
            return Ok(Val::Node(Node {
                span: self.span(s, self.last_end),
                kind: Kind::Num(format!("-{digits}")),
            }));
        }
        Ok(Val::Span(s, self.last_end))
    }

    /// A primary with member access, indexing, calls, `!` assertions and lambdas.
    fn postfix(&mut self) -> R<Val> {
        let s = self.cur_start();
        let mut v = self.primary()?;
        while let Some(tok) = self.tok() {
            match &tok.t {
                T::Sym("." | "::") => {
                    self.bump();
                    // `.?` : safe dereference.
                    if self.is_sym("?") {
                        self.bump();
                    }
                    self.expect_ident("a property name")?;
                }
                T::Sym("[") => {
                    self.bump();
                    self.skip_nl();
                    if self.is_sym("?") {
                        self.bump();
                    }
                    self.expr()?;
                    self.skip_nl();
                    self.expect_sym("]")?;
                }
                T::Sym("(") => {
                    self.bump();
                    self.args(")")?;
                }
                T::Sym("!") if tok.s == self.last_end => self.bump(),
                T::Sym("=>") => {
                    self.bump();
                    self.skip_nl();
                    self.expr()?;
                }
                _ => break,
            }
            v = Val::Span(s, self.last_end);
        }
        Ok(v)
    }

    /// Comma-separated expressions up to `close` (the opening bracket is taken).
    fn args(&mut self, close: &str) -> R<()> {
        loop {
            self.skip_nl();
            if self.is_sym(close) {
                self.bump();
                return Ok(());
            }
            self.expr()?;
            self.skip_nl();
            if self.is_sym(",") {
                self.bump();
            } else if !self.is_sym(close) {
                return Err(self.err_here(&format!("expected `,` or `{close}`")));
            }
        }
    }

    fn primary(&mut self) -> R<Val> {
        let Some(tok) = self.tok() else {
            return Err(self.err_here("expected a value"));
        };
        let (s, e) = (tok.s, tok.e);
        let span = self.span(s, e);
        let kind = match &tok.t {
            T::Str(Some(v)) => Kind::Str(v.clone()),
            T::Str(None) => Kind::Expr {
                text: self.text(s, e),
                param: None,
            },
            T::Int => Kind::Num(self.text(s, e)),
            T::Ident(x) => match x.as_str() {
                "true" => Kind::Bool(true),
                "false" => Kind::Bool(false),
                "null" => Kind::Null,
                _ => Kind::Expr {
                    text: x.clone(),
                    param: Some(x.clone()),
                },
            },
            // The values inside go through `expr`, which counts the depth.
            T::Sym("{") => return self.object(None).map(Val::Node),
            T::Sym("[") => return self.array(),
            T::Sym("(") => {
                self.bump();
                self.args(")")?;
                return Ok(Val::Span(s, self.last_end));
            }
            _ => return Err(self.err_here("expected a value")),
        };
        self.bump();
        Ok(Val::Node(Node { span, kind }))
    }

    /// `{ key: value ... }` at the next token. In a resource body (`res`), `resource`
    /// declarations are read into `res.1`.
    fn object(&mut self, mut res: Option<(&Enclosing, &mut Vec<BicepResource>)>) -> R<Node> {
        let open = self.cur_start();
        self.bump(); // `{`
        let mut entries = Vec::new();
        loop {
            self.skip_nl();
            let Some(tok) = self.tok() else {
                return Err(self.err_at(open, "this `{` is never closed"));
            };
            match &tok.t {
                T::Sym("}") => {
                    self.bump();
                    break;
                }
                T::Sym("@") => {
                    self.decorator()?;
                    continue;
                }
                T::Sym("...") => {
                    self.bump();
                    self.expr()?;
                }
                T::Ident(k) if k == "resource" && matches!(self.peek_at(1), Some(T::Ident(_))) => {
                    let Some((enc, nested)) = res.as_mut() else {
                        return Err(self.err_at(
                            tok.s,
                            "a `resource` can only be declared in a resource body",
                        ));
                    };
                    let rs = self.resource(Some(enc))?;
                    nested.extend(rs);
                }
                T::Ident(_) | T::Str(_) => {
                    let key = match &tok.t {
                        T::Ident(k) | T::Str(Some(k)) => k.clone(),
                        // An interpolated key: kept as written.
                        _ => self.text(tok.s, tok.e),
                    };
                    let key_span = self.span(tok.s, tok.e);
                    self.bump();
                    self.expect_sym(":")?;
                    self.skip_nl();
                    let value = self.value()?;
                    entries.push(Entry {
                        key,
                        key_span,
                        value,
                    });
                }
                _ => return Err(self.err_here("expected a property name or `}`")),
            }
            match self.peek() {
                Some(T::Sym(",")) => self.bump(),
                Some(T::Newline | T::Sym("}")) => {}
                None => return Err(self.err_at(open, "this `{` is never closed")),
                _ => {
                    return Err(self.err_here("expected a new line, `,` or `}` after the property"));
                }
            }
        }
        Ok(Node {
            span: self.span(open, self.last_end),
            kind: Kind::Map(entries),
        })
    }

    /// `[ item ... ]` or `[for ...: value]` at the next token.
    fn array(&mut self) -> R<Val> {
        let open = self.cur_start();
        self.bump(); // `[`
        self.skip_nl();
        if self.is_ident("for") {
            self.for_head()?;
            if self.is_ident("if") {
                self.condition()?;
            }
            self.expr()?;
            self.skip_nl();
            self.expect_sym("]")?;
            return Ok(Val::Span(open, self.last_end));
        }
        let mut items = Vec::new();
        loop {
            self.skip_nl();
            match self.peek() {
                None => return Err(self.err_at(open, "this `[` is never closed")),
                Some(T::Sym("]")) => {
                    self.bump();
                    break;
                }
                Some(T::Sym("...")) => {
                    let s = self.cur_start();
                    self.bump();
                    self.expr()?;
                    items.push(self.node(Val::Span(s, self.last_end)));
                }
                _ => items.push(self.value()?),
            }
            match self.peek() {
                Some(T::Sym(",")) => self.bump(),
                Some(T::Newline | T::Sym("]")) => {}
                None => return Err(self.err_at(open, "this `[` is never closed")),
                _ => return Err(self.err_here("expected a new line, `,` or `]` after the item")),
            }
        }
        Ok(Val::Node(Node {
            span: self.span(open, self.last_end),
            kind: Kind::List(items),
        }))
    }
}

/// The symbol a `parent:` value names: `aks` for `aks`, also for `aks[i]`; else the
/// expression as written (`aks::pool`).
fn parent_symbol(v: &Node) -> Option<String> {
    let Kind::Expr { text, param } = &v.kind else {
        return None;
    };
    if let Some(p) = param {
        return Some(p.clone());
    }
    let ident_len = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    if ident_len > 0 && text[ident_len..].starts_with('[') {
        return Some(text[..ident_len].to_string());
    }
    Some(text.clone())
}

#[cfg(test)]
mod tests;
