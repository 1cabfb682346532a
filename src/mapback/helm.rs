//! Helm templates read as an outline.
//!
//! A template is YAML with Go template actions (`{{ ... }}`) mixed in, so it cannot be parsed
//! as YAML. Instead each line is classified (structure, action only, comment, block scalar
//! content, ...) and the structural lines are arranged into a tree by indentation, the way a
//! YAML parser would nest them. A finding's path in the rendered document is then looked up in
//! that tree: exactly when the template writes every key literally, else at the deepest
//! enclosing key it does write. Actions that read `.Values` are remembered so a finding can
//! also point at the values file.

use super::{Place, Seg};

/// A template file read as an outline: for every line, its indentation, whether it starts a
/// sequence item (`- `), its literal key (if the line is `key:` or `key: value` with a literal
/// key, quotes allowed), the literal value text after the colon (if any and not a template
/// action), template actions on the line, and the document section (`---` separators) it is in.
#[derive(Debug, Clone, Default)]
pub struct Outline {
    nodes: Vec<Node>,
    sections: Vec<Section>,
}

/// Where a finding maps in the template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateHit {
    /// 1-based line in the template.
    pub line: u32,
    /// 0-based column (code points) of the key (or of the item's `-`).
    pub col: u32,
    /// End of the key text (exclusive); or of the value when exact on a value.
    pub end_col: u32,
    /// True when the full key path of the finding was found written literally; false when
    /// only an enclosing key was (the location is approximate).
    pub exact: bool,
    /// When the hit line, or a template action that fills the hit key's value, reads
    /// `.Values.a.b`: the values path `a.b` followed by the part of the finding's path the
    /// template did not write literally.
    pub values_path: Option<Vec<Seg>>,
}

/// Stand-in for every character inside a template action, so the YAML-level scan keeps
/// columns but never mistakes action text for YAML syntax.
const HOLE: char = '\u{1}';

#[derive(Debug, Clone, PartialEq, Eq)]
enum NodeKind {
    /// The invisible root of a section.
    Root,
    /// A mapping key; `None` when the key is (partly) a template action.
    Key(Option<String>),
    /// A sequence item.
    Item,
}

#[derive(Debug, Clone)]
struct Node {
    kind: NodeKind,
    line: u32,
    col: u32,
    end_col: u32,
    children: Vec<usize>,
    /// Items: position among the items of the same parent.
    index: usize,
    /// Number of item children seen so far.
    item_count: usize,
    /// Items: literal `name:` values of the item's mapping (several under if/else).
    names: Vec<String>,
    /// Items: a `name:` whose value is a template action was seen.
    name_templated: bool,
    /// Literal scalar value written on the line (unquoted) and its columns.
    value: Option<(String, u32, u32)>,
    /// `.Values` path read by an action in the inline value.
    inline_values: Option<Vec<String>>,
    /// `.Values` path read by an action on a following line that fills this node.
    fill_values: Option<Vec<String>>,
}

impl Node {
    fn new(kind: NodeKind, line: u32, col: u32, end_col: u32) -> Node {
        Node {
            kind,
            line,
            col,
            end_col,
            children: Vec::new(),
            index: 0,
            item_count: 0,
            names: Vec::new(),
            name_templated: false,
            value: None,
            inline_values: None,
            fill_values: None,
        }
    }

    fn literal_names(&self) -> Option<&[String]> {
        (!self.names.is_empty() && !self.name_templated).then_some(self.names.as_slice())
    }
}

#[derive(Debug, Clone)]
struct Section {
    root: usize,
    /// The root-level `kind:` key node, and its value when literal.
    kind_node: Option<usize>,
    kind: Option<String>,
}

/// One `{{ ... }}` action, as far as the outline cares.
#[derive(Debug, Clone)]
struct Action {
    /// Column of `{{` on the line it starts on.
    col: u32,
    /// Text between the delimiters, trim markers and surrounding spaces removed.
    body: String,
}

/// The value of `.` while reading a template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Dot {
    /// The top-level context (`.Values`, `.Chart`, ...).
    Root,
    /// A part of the values.
    Values(Vec<String>),
    /// Anything else (range element, define argument, ...).
    Unknown,
}

#[derive(Debug, Clone)]
struct Frame {
    /// `with` or `range`: `else` gives back the outer dot.
    rebinds: bool,
    outer: Dot,
    dot: Dot,
}

// ---------------------------------------------------------------------------------------
// Template action scanning
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lex {
    Text,
    Action,
    Str,
    StrEsc,
    Raw,
    Char,
    CharEsc,
    Comment,
}

/// Splits a line into its YAML view (actions replaced by [`HOLE`]) and the actions that
/// start on it. `state`, `cur` carry an action open at the end of the previous line.
fn scan_line(
    line: &[char],
    state: &mut Lex,
    cur: &mut Option<Action>,
    out: &mut Vec<Action>,
) -> Vec<char> {
    let mut view = Vec::with_capacity(line.len());
    let mut i = 0;
    if let Some(a) = cur.as_mut() {
        a.body.push('\n');
    }
    while i < line.len() {
        let c = line[i];
        let next = line.get(i + 1).copied();
        match *state {
            Lex::Text => {
                if c == '{' && next == Some('{') {
                    *state = Lex::Action;
                    *cur = Some(Action {
                        col: i as u32,
                        body: String::new(),
                    });
                    view.push(HOLE);
                    view.push(HOLE);
                    i += 2;
                    if line.get(i) == Some(&'/') && line.get(i + 1) == Some(&'*') {
                        *state = Lex::Comment;
                    }
                    continue;
                }
                view.push(c);
            }
            _ => {
                view.push(HOLE);
                let mut keep = true;
                match *state {
                    Lex::Action => {
                        if c == '}' && next == Some('}') {
                            view.push(HOLE);
                            i += 2;
                            *state = Lex::Text;
                            if let Some(a) = cur.take() {
                                out.push(finish_action(a));
                            }
                            continue;
                        }
                        match c {
                            '"' => *state = Lex::Str,
                            '`' => *state = Lex::Raw,
                            '\'' => *state = Lex::Char,
                            '/' if next == Some('*') => *state = Lex::Comment,
                            _ => {}
                        }
                    }
                    Lex::Str => match c {
                        '\\' => *state = Lex::StrEsc,
                        '"' => *state = Lex::Action,
                        _ => {}
                    },
                    Lex::StrEsc => *state = Lex::Str,
                    Lex::Raw => {
                        if c == '`' {
                            *state = Lex::Action;
                        }
                    }
                    Lex::Char => match c {
                        '\\' => *state = Lex::CharEsc,
                        '\'' => *state = Lex::Action,
                        _ => {}
                    },
                    Lex::CharEsc => *state = Lex::Char,
                    Lex::Comment => {
                        if c == '*' && next == Some('/') {
                            *state = Lex::Action;
                            view.push(HOLE);
                            if let Some(a) = cur.as_mut() {
                                a.body.push_str("*/");
                            }
                            i += 2;
                            continue;
                        }
                    }
                    Lex::Text => keep = false,
                }
                if keep && let Some(a) = cur.as_mut() {
                    a.body.push(c);
                }
            }
        }
        i += 1;
    }
    view
}

fn finish_action(mut a: Action) -> Action {
    let t = a.body.trim();
    let t = t.strip_prefix('-').unwrap_or(t);
    let t = t.strip_suffix('-').unwrap_or(t);
    a.body = t.trim().to_string();
    a
}

/// Tokens of an action body outside string literals, split at spaces, parentheses, pipes
/// and commas.
fn tokens(body: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut quote: Option<char> = None;
    let mut esc = false;
    for (i, c) in body.char_indices() {
        if let Some(q) = quote {
            if esc {
                esc = false;
            } else if c == '\\' && q != '`' {
                esc = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '`' | '\'' => {
                if let Some(s) = start.take() {
                    out.push(&body[s..i]);
                }
                quote = Some(c);
            }
            c if c.is_whitespace() || matches!(c, '(' | ')' | '|' | ',') => {
                if let Some(s) = start.take() {
                    out.push(&body[s..i]);
                }
            }
            _ => {
                if start.is_none() {
                    start = Some(i);
                }
            }
        }
    }
    if let Some(s) = start
        && quote.is_none()
    {
        out.push(&body[s..]);
    }
    out
}

fn is_ident(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// The values path a token reads, given the current dot.
fn resolve_token(tok: &str, dot: &Dot) -> Option<Vec<String>> {
    let fields = |rest: &str| -> Option<Vec<String>> {
        if rest.is_empty() {
            return Some(Vec::new());
        }
        let rest = rest.strip_prefix('.')?;
        let parts: Vec<&str> = rest.split('.').collect();
        parts
            .iter()
            .all(|p| is_ident(p))
            .then(|| parts.iter().map(|p| p.to_string()).collect())
    };
    if let Some(rest) = tok.strip_prefix("$.Values") {
        let f = fields(rest)?;
        return (!f.is_empty()).then_some(f);
    }
    if !tok.starts_with('.') {
        return None;
    }
    match dot {
        Dot::Root => {
            let f = fields(tok.strip_prefix(".Values")?)?;
            (!f.is_empty()).then_some(f)
        }
        Dot::Values(base) => {
            let f = if tok == "." { Vec::new() } else { fields(tok)? };
            let mut p = base.clone();
            p.extend(f);
            Some(p)
        }
        Dot::Unknown => None,
    }
}

fn resolve_pipeline(toks: &[&str], dot: &Dot) -> Option<Vec<String>> {
    toks.iter().find_map(|t| resolve_token(t, dot))
}

/// The `indent N` / `nindent N` argument of an action, if any.
fn indent_arg(toks: &[&str]) -> Option<u32> {
    toks.windows(2)
        .find(|w| w[0] == "indent" || w[0] == "nindent")
        .and_then(|w| w[1].parse().ok())
}

/// An output action: the values path it reads (if any) and its indentation argument.
type Output = (Option<Vec<String>>, Option<u32>);

/// Applies a control action to the block stack; for an output action returns what it
/// outputs.
fn apply_action(a: &Action, frames: &mut Vec<Frame>) -> Option<Output> {
    let dot = frames.last().map_or(Dot::Root, |f| f.dot.clone());
    if a.body.starts_with("/*") {
        return None;
    }
    let toks = tokens(&a.body);
    let first = toks.first().copied().unwrap_or("");
    let pipeline_dot = |rest: &[&str], base: &Dot| match resolve_pipeline(rest, base) {
        Some(p) => Dot::Values(p),
        None => Dot::Unknown,
    };
    match first {
        "if" => frames.push(Frame {
            rebinds: false,
            outer: dot.clone(),
            dot,
        }),
        "with" => {
            let d = pipeline_dot(&toks[1..], &dot);
            frames.push(Frame {
                rebinds: true,
                outer: dot,
                dot: d,
            });
        }
        "range" | "define" | "block" => frames.push(Frame {
            rebinds: true,
            outer: dot,
            dot: Dot::Unknown,
        }),
        "else" => {
            if let Some(f) = frames.last_mut() {
                if toks.get(1) == Some(&"with") {
                    let outer = f.outer.clone();
                    f.dot = pipeline_dot(&toks[2..], &outer);
                    f.rebinds = true;
                } else if f.rebinds {
                    f.dot = f.outer.clone();
                }
            }
        }
        "end" => {
            frames.pop();
        }
        "break" | "continue" => {}
        _ => {
            let assigns = first.starts_with('$') && matches!(toks.get(1), Some(&":=" | &"="));
            if !assigns {
                return Some((resolve_pipeline(&toks, &dot), indent_arg(&toks)));
            }
        }
    }
    None
}

// ---------------------------------------------------------------------------------------
// YAML-level helpers on the view
// ---------------------------------------------------------------------------------------

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

fn indent_of(view: &[char]) -> usize {
    view.iter().take_while(|&&c| is_blank(c)).count()
}

/// End (exclusive) of a quoted scalar starting at `start`, if closed on this line.
fn quote_end(view: &[char], start: usize) -> Option<usize> {
    let q = view[start];
    let mut i = start + 1;
    while i < view.len() {
        let c = view[i];
        if q == '"' && c == '\\' {
            i += 2;
            continue;
        }
        if c == q {
            if q == '\'' && view.get(i + 1) == Some(&'\'') {
                i += 2;
                continue;
            }
            return Some(i + 1);
        }
        i += 1;
    }
    None
}

fn unquote(raw: &[char]) -> String {
    let s: String = raw.iter().collect();
    if raw.len() >= 2 && raw[0] == '\'' && raw[raw.len() - 1] == '\'' {
        return s[1..s.len() - 1].replace("''", "'");
    }
    if raw.len() >= 2 && raw[0] == '"' && raw[raw.len() - 1] == '"' {
        let inner = &raw[1..raw.len() - 1];
        let mut out = String::new();
        let mut i = 0;
        while i < inner.len() {
            let c = inner[i];
            if c == '\\' && i + 1 < inner.len() {
                i += 1;
                out.push(match inner[i] {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    '0' => '\0',
                    o => o,
                });
            } else {
                out.push(c);
            }
            i += 1;
        }
        return out;
    }
    s
}

/// End of the value text starting at `start`: before a ` #` comment, trailing blanks
/// trimmed. Quoted values end at their closing quote.
fn value_end(view: &[char], start: usize) -> usize {
    if matches!(view.get(start), Some('"' | '\'')) {
        if let Some(e) = quote_end(view, start) {
            return e;
        }
        return view.len();
    }
    let mut end = view.len();
    for i in start..view.len() {
        if view[i] == '#' && (i == start || is_blank(view[i - 1])) {
            end = i;
            break;
        }
    }
    while end > start && is_blank(view[end - 1]) {
        end -= 1;
    }
    end
}

/// Only actions (and blanks, and a trailing comment) on the line.
fn is_action_only(rest: &[char]) -> bool {
    let mut holes = false;
    for (i, &c) in rest.iter().enumerate() {
        match c {
            HOLE => holes = true,
            '#' if i == 0 || is_blank(rest[i - 1]) => break,
            c if is_blank(c) => {}
            _ => return false,
        }
    }
    holes
}

fn is_block_indicator(v: &[char]) -> bool {
    matches!(v.first(), Some('|' | '>'))
        && v[1..]
            .iter()
            .all(|c| c.is_ascii_digit() || *c == '+' || *c == '-')
}

/// A key at `start`: (key text or None when templated, key end column, column after ':').
fn parse_key(view: &[char], start: usize) -> Option<(Option<String>, usize, usize)> {
    let c = *view.get(start)?;
    let colon_ok =
        |i: usize| view.get(i) == Some(&':') && view.get(i + 1).is_none_or(|&n| is_blank(n));
    if c == '"' || c == '\'' {
        let end = quote_end(view, start)?;
        let mut j = end;
        while j < view.len() && is_blank(view[j]) {
            j += 1;
        }
        if !colon_ok(j) {
            return None;
        }
        let raw = &view[start..end];
        let key = (!raw.contains(&HOLE)).then(|| unquote(raw));
        return Some((key, end, j + 1));
    }
    if matches!(
        c,
        '[' | '{' | '#' | '|' | '>' | '?' | '%' | '@' | '`' | '&' | '*' | '!' | ','
    ) {
        return None;
    }
    let mut i = start;
    while i < view.len() {
        if view[i] == '#' && i > start && is_blank(view[i - 1]) {
            return None;
        }
        if colon_ok(i) {
            let mut end = i;
            while end > start && is_blank(view[end - 1]) {
                end -= 1;
            }
            if end == start {
                return None;
            }
            let raw = &view[start..end];
            let key = (!raw.contains(&HOLE)).then(|| raw.iter().collect());
            return Some((key, end, i + 1));
        }
        i += 1;
    }
    None
}

// ---------------------------------------------------------------------------------------
// Building the outline
// ---------------------------------------------------------------------------------------

/// What the following lines belong to, when they are not structure.
#[derive(Debug)]
enum Pending {
    None,
    /// Block scalar content: lines indented more than this.
    Block(usize),
    /// A quoted scalar continues until its closing quote.
    Quoted(char),
    /// A flow collection spanning lines.
    Flow(FlowCollect),
}

#[derive(Debug)]
struct FlowCollect {
    owner: usize,
    parent_indent: usize,
    chars: Vec<(u32, u32, char)>,
    depth: i32,
    quote: Option<char>,
}

impl FlowCollect {
    /// Adds characters; returns true once the brackets balance.
    fn feed(&mut self, line: u32, view: &[char], from: usize) -> bool {
        for (i, &c) in view.iter().enumerate().skip(from) {
            self.chars.push((line, i as u32, c));
            match self.quote {
                Some(q) => {
                    if c == q {
                        self.quote = None;
                    }
                }
                None => match c {
                    '"' | '\'' => self.quote = Some(c),
                    '[' | '{' => self.depth += 1,
                    ']' | '}' => {
                        self.depth -= 1;
                        if self.depth <= 0 {
                            return true;
                        }
                    }
                    _ => {}
                },
            }
        }
        self.chars.push((line, view.len() as u32, ' '));
        false
    }
}

struct Builder {
    out: Outline,
    /// Open nodes by indentation, innermost last.
    stack: Vec<usize>,
    section: usize,
}

impl Builder {
    fn new_section(&mut self) {
        let root = self.out.nodes.len();
        self.out.nodes.push(Node::new(NodeKind::Root, 0, 0, 0));
        self.out.sections.push(Section {
            root,
            kind_node: None,
            kind: None,
        });
        self.section = self.out.sections.len() - 1;
        self.stack.clear();
    }

    fn root(&self) -> usize {
        self.out.sections[self.section].root
    }

    fn parent(&self) -> usize {
        self.stack.last().copied().unwrap_or_else(|| self.root())
    }

    fn add_child(&mut self, parent: usize, mut node: Node) -> usize {
        let id = self.out.nodes.len();
        if node.kind == NodeKind::Item {
            node.index = self.out.nodes[parent].item_count;
            self.out.nodes[parent].item_count += 1;
        }
        self.out.nodes[parent].children.push(id);
        self.out.nodes.push(node);
        id
    }

    /// Records a key's value facts on its parent item (`name`) and section (`kind`).
    fn note_key(&mut self, parent: usize, id: usize) {
        let NodeKind::Key(Some(k)) = &self.out.nodes[id].kind else {
            return;
        };
        let k = k.clone();
        let lit = self.out.nodes[id].value.as_ref().map(|v| v.0.clone());
        if k == "name" && self.out.nodes[parent].kind == NodeKind::Item {
            let p = &mut self.out.nodes[parent];
            match lit {
                Some(v) => p.names.push(v),
                None => p.name_templated = true,
            }
        } else if k == "kind" && parent == self.root() {
            let s = &mut self.out.sections[self.section];
            if s.kind_node.is_none() {
                s.kind_node = Some(id);
                s.kind = lit;
            }
        }
    }

    fn place_item(&mut self, col: usize) -> usize {
        while let Some(&top) = self.stack.last() {
            let n = &self.out.nodes[top];
            if n.col as usize > col || (n.col as usize == col && n.kind == NodeKind::Item) {
                self.stack.pop();
            } else {
                break;
            }
        }
        self.parent()
    }

    fn place_key(&mut self, col: usize) -> usize {
        while let Some(&top) = self.stack.last() {
            if self.out.nodes[top].col as usize >= col {
                self.stack.pop();
            } else {
                break;
            }
        }
        self.parent()
    }

    /// A flow collection collected from `chars`, added under `owner`.
    fn parse_flow(&mut self, owner: usize, chars: &[(u32, u32, char)]) {
        let mut p = FlowParser { chars, pos: 0 };
        p.skip_ws();
        self.flow_node(owner, &mut p, 0);
    }

    fn flow_node(&mut self, owner: usize, p: &mut FlowParser, depth: usize) {
        if depth > 64 {
            p.pos = p.chars.len();
            return;
        }
        match p.peek() {
            Some('[') => {
                p.pos += 1;
                loop {
                    p.skip_ws();
                    match p.peek() {
                        None => return,
                        Some(']') => {
                            p.pos += 1;
                            return;
                        }
                        Some(',') => {
                            p.pos += 1;
                            continue;
                        }
                        Some('}') => {
                            p.pos += 1;
                            continue;
                        }
                        Some(_) => {
                            let (line, col, _) = p.chars[p.pos];
                            let item = self
                                .add_child(owner, Node::new(NodeKind::Item, line, col, col + 1));
                            self.flow_node(item, p, depth + 1);
                        }
                    }
                }
            }
            Some('{') => {
                p.pos += 1;
                loop {
                    p.skip_ws();
                    match p.peek() {
                        None => return,
                        Some('}') => {
                            p.pos += 1;
                            return;
                        }
                        Some(',') | Some(']') => {
                            p.pos += 1;
                            continue;
                        }
                        Some(_) => {
                            let start = p.pos;
                            let (line, col, _) = p.chars[start];
                            let (raw, end_col) = p.scalar(true);
                            let key = (!raw.contains(&HOLE)).then(|| unquote(&raw));
                            let key_node = Node::new(NodeKind::Key(key), line, col, end_col);
                            let id = self.add_child(owner, key_node);
                            p.skip_ws();
                            if p.peek() == Some(':') {
                                p.pos += 1;
                                p.skip_ws();
                                if !matches!(p.peek(), Some(',' | '}') | None) {
                                    self.flow_node(id, p, depth + 1);
                                }
                            }
                            if p.pos == start {
                                p.pos += 1;
                            }
                            self.note_key(owner, id);
                        }
                    }
                }
            }
            Some(_) => {
                let start = p.pos;
                let (_, col, _) = p.chars[start];
                let (raw, end_col) = p.scalar(false);
                if !raw.is_empty() && !raw.contains(&HOLE) {
                    self.out.nodes[owner].value = Some((unquote(&raw), col, end_col));
                }
                if p.pos == start {
                    p.pos += 1;
                }
            }
            None => {}
        }
    }
}

struct FlowParser<'a> {
    chars: &'a [(u32, u32, char)],
    pos: usize,
}

impl FlowParser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).map(|c| c.2)
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(c) if c.is_whitespace()) {
            self.pos += 1;
        }
    }

    /// A scalar (quoted or plain); in a key, a plain scalar also stops at `: `.
    fn scalar(&mut self, key: bool) -> (Vec<char>, u32) {
        let mut raw = Vec::new();
        let mut end_col = self.chars.get(self.pos).map_or(0, |c| c.1);
        if let Some(q @ ('"' | '\'')) = self.peek() {
            raw.push(q);
            self.pos += 1;
            while let Some(&(_, col, c)) = self.chars.get(self.pos) {
                raw.push(c);
                self.pos += 1;
                end_col = col + 1;
                if c == q {
                    break;
                }
            }
            return (raw, end_col);
        }
        while let Some(&(_, col, c)) = self.chars.get(self.pos) {
            if matches!(c, ',' | '[' | ']' | '{' | '}') {
                break;
            }
            if c == ':' {
                let next = self.chars.get(self.pos + 1).map(|n| n.2);
                if key && next.is_none_or(|n| n.is_whitespace() || matches!(n, ',' | '}' | ']')) {
                    break;
                }
            }
            if !c.is_whitespace() {
                end_col = col + 1;
            }
            raw.push(c);
            self.pos += 1;
        }
        while raw.last().is_some_and(|c| c.is_whitespace()) {
            raw.pop();
        }
        (raw, end_col)
    }
}

impl Outline {
    pub fn parse(text: &str) -> Outline {
        let mut b = Builder {
            out: Outline::default(),
            stack: Vec::new(),
            section: 0,
        };
        b.new_section();
        let mut lex = Lex::Text;
        let mut open: Option<Action> = None;
        let mut frames: Vec<Frame> = Vec::new();
        let mut pending = Pending::None;
        let mut actions: Vec<Action> = Vec::new();

        for (ln, raw_line) in text.split('\n').enumerate() {
            let raw_line = raw_line.strip_suffix('\r').unwrap_or(raw_line);
            let chars: Vec<char> = raw_line.chars().collect();
            actions.clear();
            let view = scan_line(&chars, &mut lex, &mut open, &mut actions);
            let indent = indent_of(&view);
            let blank = indent == view.len();
            // Control actions update `.` whatever the line is; output actions are handled
            // below once the line's role is known.
            let outputs = apply_actions(&actions, &mut frames);
            let line = Line {
                no: (ln + 1) as u32,
                view: &view,
                indent,
                blank,
                action_only: !blank && is_action_only(&view[indent..]),
                outputs: &outputs,
            };

            if is_document_separator(&view) {
                b.finish_flow(&mut pending);
                b.new_section();
                continue;
            }
            if b.continues_pending(&line, &mut pending) {
                continue;
            }
            if blank || view.get(indent) == Some(&'#') {
                continue;
            }
            if line.action_only {
                b.attach_fills(indent, &outputs);
                continue;
            }
            if view[indent..].starts_with(&['.', '.', '.']) {
                continue;
            }
            b.structure(&line, &mut pending);
        }
        b.finish_flow(&mut pending);
        b.out
    }
}

/// One line of a template, as the outline builder reads it.
struct Line<'a> {
    /// 1-based.
    no: u32,
    /// Its YAML view: actions replaced by [`HOLE`].
    view: &'a [char],
    indent: usize,
    blank: bool,
    /// Nothing but template actions.
    action_only: bool,
    /// The output actions on it: their column and what they output.
    outputs: &'a [(u32, Output)],
}

/// Applies a line's actions to the block stack; returns its output actions with their
/// columns.
fn apply_actions(actions: &[Action], frames: &mut Vec<Frame>) -> Vec<(u32, Output)> {
    let mut outputs = Vec::new();
    for a in actions {
        if let Some(o) = apply_action(a, frames) {
            outputs.push((a.col, o));
        }
    }
    outputs
}

/// `---`, alone or followed by a blank.
fn is_document_separator(view: &[char]) -> bool {
    view.len() >= 3 && view[..3] == ['-', '-', '-'] && view.get(3).is_none_or(|&c| is_blank(c))
}

/// Whether a quoted scalar opened by `q` on an earlier line closes on this one.
fn closes_quote(view: &[char], q: char) -> bool {
    let mut i = 0;
    while i < view.len() {
        if q == '"' && view[i] == '\\' {
            i += 2;
            continue;
        }
        if view[i] == q {
            if q == '\'' && view.get(i + 1) == Some(&'\'') {
                i += 2;
                continue;
            }
            return true;
        }
        i += 1;
    }
    false
}

/// Skips a tag or anchor before a value (and the blanks after it): it is not the value.
fn skip_tags_and_anchors(view: &[char], mut at: usize) -> usize {
    while matches!(view.get(at), Some('!' | '&')) {
        while view.get(at).is_some_and(|&c| !is_blank(c)) {
            at += 1;
        }
        while view.get(at).is_some_and(|&c| is_blank(c)) {
            at += 1;
        }
    }
    at
}

/// The first column after `at` that is not blank.
fn skip_blanks(view: &[char], mut at: usize) -> usize {
    while view.get(at).is_some_and(|&c| is_blank(c)) {
        at += 1;
    }
    at
}

impl Builder {
    /// Outlines a flow collection still being collected, if any.
    fn finish_flow(&mut self, pending: &mut Pending) {
        if let Pending::Flow(f) = std::mem::replace(pending, Pending::None) {
            self.parse_flow(f.owner, &f.chars);
        }
    }

    /// Lines that continue something started earlier (a block scalar, a quoted scalar, a flow
    /// collection). Returns whether the line is used up; ends `pending` when the line is past
    /// it.
    fn continues_pending(&mut self, line: &Line<'_>, pending: &mut Pending) -> bool {
        let (view, indent) = (line.view, line.indent);
        match pending {
            Pending::None => {}
            Pending::Block(p) => {
                if line.blank || line.action_only || indent > *p {
                    if line.action_only {
                        self.attach_fills(indent, line.outputs);
                    }
                    return true;
                }
                *pending = Pending::None;
            }
            Pending::Quoted(q) => {
                if closes_quote(view, *q) {
                    *pending = Pending::None;
                }
                return true;
            }
            Pending::Flow(f) => {
                let closer = matches!(view.get(indent), Some(']' | '}' | ','));
                if line.blank || line.action_only || indent > f.parent_indent || closer {
                    if f.feed(line.no, view, 0) {
                        self.finish_flow(pending);
                    }
                    return true;
                }
                self.finish_flow(pending);
            }
        }
        false
    }

    /// A line of YAML structure: sequence dashes, then a key, then a value.
    fn structure(&mut self, line: &Line<'_>, pending: &mut Pending) {
        let view = line.view;
        let (mut last, pos) = self.sequence_items(line);
        let mut value_start = pos;
        let mut key_node = None;
        if let Some((key, key_end, after)) = parse_key(view, pos) {
            let parent = self.place_key(pos);
            let id = self.add_child(
                parent,
                Node::new(NodeKind::Key(key), line.no, pos as u32, key_end as u32),
            );
            self.stack.push(id);
            last = Some((id, pos));
            key_node = Some((id, parent));
            value_start = skip_blanks(view, after);
        } else if last.is_none() {
            // A continuation of a plain scalar, or text that is not YAML structure.
            return;
        }
        let Some((owner, owner_indent)) = last else {
            return;
        };
        let value_start = skip_tags_and_anchors(view, value_start);
        self.value(line, owner, owner_indent, value_start, pending);
        if let Some((id, parent)) = key_node {
            self.note_key(parent, id);
        }
    }

    /// The sequence items a line opens with (`- - key: v` opens two). Returns the last
    /// one with its indentation, and where the rest of the line starts.
    fn sequence_items(&mut self, line: &Line<'_>) -> (Option<(usize, usize)>, usize) {
        let view = line.view;
        let mut pos = line.indent;
        let mut last: Option<(usize, usize)> = None; // (node, its indent for blocks)
        while view.get(pos) == Some(&'-') && view.get(pos + 1).is_none_or(|&c| is_blank(c)) {
            let parent = self.place_item(pos);
            let id = self.add_child(
                parent,
                Node::new(NodeKind::Item, line.no, pos as u32, pos as u32 + 1),
            );
            self.stack.push(id);
            last = Some((id, pos));
            pos = skip_blanks(view, pos + 1);
        }
        (last, pos)
    }

    /// The value after a key or dash, from `value_start`, given to `owner`: an output
    /// action's values path, a literal, or the start of a block scalar, a multi-line quoted
    /// scalar or a flow collection (left in `pending`).
    fn value(
        &mut self,
        line: &Line<'_>,
        owner: usize,
        owner_indent: usize,
        value_start: usize,
        pending: &mut Pending,
    ) {
        let view = line.view;
        let vend = value_end(view, value_start);
        if vend <= value_start {
            return;
        }
        let v = &view[value_start..vend];
        if v.contains(&HOLE) {
            let found = line
                .outputs
                .iter()
                .filter(|(c, _)| {
                    (*c as usize) >= value_start && (*c as usize) < vend.max(value_start + 1)
                })
                .find_map(|(_, (p, _))| p.clone());
            self.out.nodes[owner].inline_values = found;
        } else if is_block_indicator(v) {
            *pending = Pending::Block(owner_indent);
        } else if matches!(v[0], '[' | '{') {
            let mut f = FlowCollect {
                owner,
                parent_indent: owner_indent,
                chars: Vec::new(),
                depth: 0,
                quote: None,
            };
            if f.feed(line.no, view, value_start) {
                self.parse_flow(owner, &f.chars);
            } else {
                *pending = Pending::Flow(f);
            }
        } else if matches!(v[0], '"' | '\'') && quote_end(view, value_start).is_none() {
            *pending = Pending::Quoted(v[0]);
        } else {
            self.out.nodes[owner].value = Some((unquote(v), value_start as u32, vend as u32));
        }
    }
}

impl Builder {
    /// Output actions on an action-only line fill the innermost open node indented less
    /// than their output (their `indent`/`nindent` argument, else the line's indentation).
    fn attach_fills(&mut self, line_indent: usize, outputs: &[(u32, Output)]) {
        for (_, (path, ind)) in outputs {
            let Some(path) = path else { continue };
            let eff = ind.map_or(line_indent, |n| n as usize);
            // Columns along the stack never decrease.
            let below = self
                .stack
                .partition_point(|&n| (self.out.nodes[n].col as usize) < eff);
            let target = below.checked_sub(1).map(|i| self.stack[i]);
            if let Some(t) = target
                && self.out.nodes[t].fill_values.is_none()
            {
                self.out.nodes[t].fill_values = Some(path.clone());
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Finding
// ---------------------------------------------------------------------------------------

impl Outline {
    /// `kind`: the rendered document's `kind` (helps choose the template section when one
    /// template file produces several documents); `doc_ordinal`: the 0-based index of this
    /// rendered document among those rendered from this same template file.
    /// `place`: the finding's place in the rendered document (path from the document root).
    /// `occurrence`: how many earlier nodes of the same rendered document have the same path
    /// when item indices are ignored (0 for the first).
    pub fn find(
        &self,
        kind: Option<&str>,
        doc_ordinal: usize,
        place: &Place,
        occurrence: usize,
    ) -> Option<TemplateHit> {
        let sections = self.choose_sections(kind, doc_ordinal);
        let mut frontier: Vec<usize> = sections.iter().map(|&s| self.sections[s].root).collect();
        let mut depth = 0;
        for (i, seg) in place.path.iter().enumerate() {
            let mut next = Vec::new();
            // A scalar item (`- secrets` in a rule's resources) is told by its value: items
            // before it may be conditional, which shifts indices.
            if i + 1 == place.path.len()
                && matches!(seg, Seg::Item { name: None, .. })
                && let Some(v) = &place.value
            {
                for &n in &frontier {
                    next.extend(self.nodes[n].children.iter().copied().filter(|&c| {
                        self.nodes[c].kind == NodeKind::Item
                            && self.nodes[c].value.as_ref().is_some_and(|lit| &lit.0 == v)
                    }));
                }
            }
            if next.is_empty() {
                for &n in &frontier {
                    self.match_children(n, seg, &mut next);
                }
            }
            if next.is_empty() {
                break;
            }
            frontier = next;
            depth += 1;
        }
        if depth == 0 {
            return self.kind_fallback(&sections, kind);
        }
        frontier.sort_by_key(|&n| (self.nodes[n].line, self.nodes[n].col));
        let exact = depth == place.path.len();
        let mut pool: Vec<usize> = frontier.clone();
        if exact && let Some(v) = &place.value {
            let kept: Vec<usize> = frontier
                .iter()
                .copied()
                .filter(|&n| self.nodes[n].value.as_ref().is_none_or(|lit| &lit.0 == v))
                .collect();
            if !kept.is_empty() {
                pool = kept;
            }
        }
        let hit = pool[occurrence.min(pool.len() - 1)];
        let node = &self.nodes[hit];
        let (mut col, mut end_col) = (node.col, node.end_col);
        if exact
            && !place.on_key
            && let Some((_, vs, ve)) = &node.value
        {
            col = *vs;
            end_col = *ve;
        }
        let values_path = node
            .inline_values
            .as_ref()
            .or(node.fill_values.as_ref())
            .map(|prefix| {
                let mut p: Vec<Seg> = prefix.iter().cloned().map(Seg::Key).collect();
                p.extend(place.path[depth..].iter().cloned());
                p
            });
        Some(TemplateHit {
            line: node.line,
            col,
            end_col,
            exact,
            values_path,
        })
    }

    /// Sections with at least one node: those that can render a document.
    fn live_sections(&self) -> Vec<usize> {
        (0..self.sections.len())
            .filter(|&s| !self.nodes[self.sections[s].root].children.is_empty())
            .collect()
    }

    /// Whether the template writes an object of `kind` literally (`kind: Deployment`).
    pub fn writes_kind(&self, kind: &str) -> bool {
        self.live_sections()
            .iter()
            .any(|&s| self.sections[s].kind.as_deref() == Some(kind))
    }

    fn choose_sections(&self, kind: Option<&str>, doc_ordinal: usize) -> Vec<usize> {
        let live = self.live_sections();
        let mut pool = live.clone();
        if let Some(k) = kind {
            let same: Vec<usize> = live
                .iter()
                .copied()
                .filter(|&s| self.sections[s].kind.as_deref() == Some(k))
                .collect();
            if same.len() == 1 {
                return same;
            }
            // A section whose literal kind differs cannot have rendered this document.
            pool.retain(|&s| self.sections[s].kind.as_deref().is_none_or(|sk| sk == k));
        }
        if let Some(&s) = live.get(doc_ordinal)
            && pool.contains(&s)
        {
            return vec![s];
        }
        if pool.is_empty() { live } else { pool }
    }

    fn kind_fallback(&self, sections: &[usize], kind: Option<&str>) -> Option<TemplateHit> {
        let with_kind = || {
            sections
                .iter()
                .filter_map(|&s| Some((s, self.sections[s].kind_node?)))
        };
        let (_, n) = with_kind()
            .find(|&(s, _)| kind.is_some() && self.sections[s].kind.as_deref() == kind)
            .or_else(|| with_kind().next())?;
        let node = &self.nodes[n];
        Some(TemplateHit {
            line: node.line,
            col: node.col,
            end_col: node.end_col,
            exact: false,
            values_path: None,
        })
    }

    /// Children of `parent` that `seg` can stand for. Items: those with the finding's
    /// literal name; else the one at the finding's index (unless its literal name differs);
    /// else any item whose literal name does not contradict (the template writes fewer items
    /// than were rendered, e.g. from a `range`).
    fn match_children(&self, parent: usize, seg: &Seg, out: &mut Vec<usize>) {
        let children = &self.nodes[parent].children;
        match seg {
            Seg::Key(k) => out.extend(
                children
                    .iter()
                    .copied()
                    .filter(|&c| matches!(&self.nodes[c].kind, NodeKind::Key(Some(ck)) if ck == k)),
            ),
            Seg::Item { index, name } => {
                let items = || {
                    children
                        .iter()
                        .copied()
                        .filter(|&c| self.nodes[c].kind == NodeKind::Item)
                };
                let conflicts = |c: usize| match (name, self.nodes[c].literal_names()) {
                    (Some(n), Some(names)) => !names.contains(n),
                    _ => false,
                };
                let start = out.len();
                if let Some(n) = name {
                    out.extend(items().filter(|&c| {
                        self.nodes[c]
                            .literal_names()
                            .is_some_and(|ns| ns.contains(n))
                    }));
                }
                if out.len() == start {
                    out.extend(items().filter(|&c| self.nodes[c].index == *index && !conflicts(c)));
                }
                if out.len() == start {
                    out.extend(items().filter(|&c| !conflicts(c)));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
