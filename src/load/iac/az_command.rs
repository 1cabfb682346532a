//! `az aks ...` command lines, read with the exact position of every flag and value.
//!
//! The commands live in shell scripts, PowerShell scripts, CI workflows (`run:` steps,
//! Dockerfile `RUN` lines, Makefile recipes) and fenced code blocks of Markdown documents.
//! Each is read line by line with a small shell-like tokenizer: quotes, escapes, expansions
//! (`$VAR`, `${...}`, `$(...)`, backticks, `${{ ... }}`), comments, separators, redirections,
//! here-documents and line continuations (`\` for shell, a backtick for PowerShell). It is
//! not a shell: nothing is expanded, and a value that would be computed at run time is
//! reported with `literal: false` so that no rule judges it.
//!
//! Columns are 0-based and counted in Unicode code points, lines are 1-based, as in
//! [`crate::span::Pos`]. Every character is looked at a bounded number of times, so the
//! reading is linear in the size of the text; no input makes it panic.

use std::path::Path;

use crate::span::{Pos, Span};

/// How the text of a file is tokenized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// POSIX shell / bash / zsh: `\` continues a line.
    Shell,
    /// PowerShell: a backtick continues a line.
    PowerShell,
    /// Markdown: only fenced code blocks are read; the info string of the fence decides
    /// between the shell and the PowerShell rules.
    Markdown,
    /// Anything else (YAML workflows, Dockerfiles, Makefiles): read line by line with the
    /// shell rules.
    Other,
}

impl Dialect {
    /// The dialect of a file, from its extension (case-insensitive).
    pub fn of_path(p: &Path) -> Dialect {
        let ext = p
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("sh" | "bash" | "zsh") => Dialect::Shell,
            Some("ps1" | "psm1") => Dialect::PowerShell,
            Some("md" | "markdown") => Dialect::Markdown,
            _ => Dialect::Other,
        }
    }
}

/// One `az aks ...` invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AzCommand {
    /// "create", "update", "nodepool add", "nodepool update", "upgrade", ... : the words after `az aks`.
    pub subcommand: String,
    /// Span of `az aks <subcommand>` itself.
    pub span: Span,
    /// Last line of the command (continuations included).
    pub end_line: u32,
    pub args: Vec<AzArg>,
}

/// One flag of a command, with its value if it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AzArg {
    /// As written, long or short: "--network-policy", "-k", "-n".
    pub flag: String,
    pub flag_span: Span,
    pub value: Option<AzValue>,
}

/// The value of a flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AzValue {
    /// Unquoted text.
    pub text: String,
    pub span: Span,
    /// False when the value is computed: contains `$VAR`, `${...}`, `$(...)`, backticks (shell),
    /// `$var` / `$(...)` (PowerShell), `%VAR%`, `${{ ... }}` (GitHub expressions), `<placeholder>`
    /// or `{placeholder}`. Such values must not be judged.
    pub literal: bool,
}

/// Every `az aks ...` invocation in `text`, in the order they start.
pub fn find_commands(text: &str, dialect: Dialect) -> Vec<AzCommand> {
    let mut asm = Assembler::default();
    let mut lx = Lexer::default();
    let mut fence: Option<Fence> = None;
    for (idx, raw) in text.split('\n').enumerate() {
        let line = to_u32(idx + 1);
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let cs: Vec<char> = raw.chars().collect();
        match dialect {
            Dialect::Shell | Dialect::Other => lx.line(&mut asm, &cs, 0, line, Mode::Sh),
            Dialect::PowerShell => lx.line(&mut asm, &cs, 0, line, Mode::Ps),
            Dialect::Markdown => match fence {
                None => {
                    if let Some(f) = Fence::open(&cs) {
                        fence = Some(f);
                        asm.end();
                        lx = Lexer::default();
                    }
                }
                Some(f) => {
                    let (from, _) = strip_quote_markers(&cs, f.depth);
                    if f.closes(&cs[from..]) {
                        fence = None;
                        asm.end();
                        lx = Lexer::default();
                    } else {
                        lx.line(&mut asm, &cs, from, line, f.mode);
                    }
                }
            },
        }
    }
    asm.end();
    // Commands inside `$(...)` are complete before the command around them.
    asm.out.sort_by_key(|c| c.span.start);
    asm.out
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn pos(line: u32, col: usize) -> Pos {
    Pos {
        line,
        col: to_u32(col),
    }
}

/// Which continuation, quoting and escaping rules apply to a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Sh,
    Ps,
}

// ---------------------------------------------------------------------------------------
// Markdown fences

#[derive(Debug, Clone, Copy)]
struct Fence {
    ch: char,
    len: usize,
    /// Blockquote depth (`>` markers) of the opening fence.
    depth: usize,
    mode: Mode,
}

impl Fence {
    fn open(cs: &[char]) -> Option<Fence> {
        let (from, depth) = strip_quote_markers(cs, usize::MAX);
        let k = skip_ws(cs, from);
        let ch = *cs.get(k)?;
        if ch != '`' && ch != '~' {
            return None;
        }
        let len = cs[k..].iter().take_while(|&&c| c == ch).count();
        if len < 3 {
            return None;
        }
        let info = &cs[k + len..];
        if ch == '`' && info.contains(&'`') {
            return None;
        }
        let info: String = info.iter().collect();
        let word = info
            .split_whitespace()
            .next()
            .unwrap_or("")
            .trim_start_matches(['{', '.'])
            .to_ascii_lowercase();
        let ps = word.contains("powershell")
            || matches!(word.as_str(), "pwsh" | "ps" | "ps1" | "psm1" | "posh");
        Some(Fence {
            ch,
            len,
            depth,
            mode: if ps { Mode::Ps } else { Mode::Sh },
        })
    }

    fn closes(&self, cs: &[char]) -> bool {
        let k = skip_ws(cs, 0);
        let run = cs[k..].iter().take_while(|&&c| c == self.ch).count();
        run >= self.len && rest_is_ws(cs, k + run)
    }
}

/// Skips up to `max` blockquote markers (`>` with an optional following space); returns the
/// index after them and how many were skipped.
fn strip_quote_markers(cs: &[char], max: usize) -> (usize, usize) {
    let (mut at, mut depth) = (0, 0);
    while depth < max {
        let k = skip_ws(cs, at);
        if cs.get(k) != Some(&'>') {
            break;
        }
        at = k + 1;
        if cs.get(at) == Some(&' ') {
            at += 1;
        }
        depth += 1;
    }
    (at, depth)
}

fn is_ws(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}'
}

fn skip_ws(cs: &[char], mut i: usize) -> usize {
    while i < cs.len() && is_ws(cs[i]) {
        i += 1;
    }
    i
}

fn rest_is_ws(cs: &[char], i: usize) -> bool {
    cs.get(i..).is_none_or(|r| r.iter().all(|&c| is_ws(c)))
}

// ---------------------------------------------------------------------------------------
// Tokenizer

/// A word as the shell would see it, quotes removed.
#[derive(Debug)]
struct Word {
    text: String,
    start: Pos,
    end: Pos,
    /// A `$`, backtick or `@` expansion was met outside single quotes.
    expanded: bool,
    /// The first `=`: its byte index in `text`, its column, and whether an expansion follows it.
    eq: Option<(usize, usize, bool)>,
    /// Nesting depth of command substitutions around the word.
    depth: u8,
    /// Commands found inside `$(...)` in the word.
    nested: Vec<AzCommand>,
}

impl Word {
    fn push(&mut self, c: char, col: usize) {
        if c == '=' && self.eq.is_none() {
            self.eq = Some((self.text.len(), col, false));
        }
        self.text.push(c);
    }

    /// Appends an expansion as written.
    fn push_expansion(&mut self, raw: &[char]) {
        self.text.extend(raw);
        self.expanded = true;
        if let Some(eq) = &mut self.eq {
            eq.2 = true;
        }
    }

    /// Number of characters the word covers in the source.
    fn raw_len(&self) -> usize {
        (self.end.col - self.start.col) as usize
    }
}

/// Tokenizer state carried from one line to the next.
#[derive(Debug, Default)]
struct Lexer {
    /// The previous line ended with a continuation.
    continued: bool,
    /// The next word is the target of a redirection (`> file`), not an argument.
    redirect_target: bool,
    /// The next word is a here-document delimiter (`<<EOF`).
    heredoc_delim: bool,
    /// Delimiter read on the current line: the body starts on the next line.
    heredoc_pending: Option<String>,
    /// Inside a here-document body, until a line equal to the delimiter.
    heredoc: Option<String>,
    /// Inside a PowerShell `<# ... #>` comment.
    block_comment: bool,
    /// Inside a PowerShell here-string, closed by `"@` or `'@` at the start of a line.
    here_string: Option<char>,
    /// Nesting depth of the command substitution being read (0 for the text itself).
    depth: u8,
}

/// Where the lexer goes after a token.
enum Step {
    /// On from this index of the line.
    At(usize),
    /// The rest of the line is not read (a comment, or the start of a block comment).
    Stop,
    /// The statement goes on on the next line.
    Continued,
}

impl Lexer {
    /// Reads one line from `cs[from..]`, feeding its words to `asm`.
    fn line(&mut self, asm: &mut Assembler, cs: &[char], from: usize, line: u32, mode: Mode) {
        let Some(mut i) = self.resume(cs, from) else {
            return;
        };
        if !self.continued {
            i = strip_prompt(cs, skip_ws(cs, i));
        }
        let mut continued = false;
        while i < cs.len() {
            if is_ws(cs[i]) {
                i += 1;
                continue;
            }
            match self.token(asm, cs, i, line, mode) {
                Step::At(next) => i = next,
                Step::Stop => break,
                Step::Continued => {
                    continued = true;
                    break;
                }
            }
        }
        self.continued = continued;
        if !continued {
            asm.end();
            self.redirect_target = false;
            self.heredoc_delim = false;
        }
        if let Some(d) = self.heredoc_pending.take() {
            self.heredoc = Some(d);
        }
    }

    /// Where the line's own text starts, after what an earlier line left open: a
    /// here-document body, a PowerShell here-string or block comment. `None` when the whole
    /// line belongs to it.
    fn resume(&mut self, cs: &[char], from: usize) -> Option<usize> {
        let mut i = from;
        if let Some(delim) = &self.heredoc {
            let body: String = cs[from..].iter().collect();
            if body.trim() == delim {
                self.heredoc = None;
            }
            return None;
        }
        if let Some(q) = self.here_string {
            let k = skip_ws(cs, from);
            if cs.get(k) == Some(&q) && cs.get(k + 1) == Some(&'@') {
                self.here_string = None;
                i = k + 2;
            } else {
                return None;
            }
        }
        if self.block_comment {
            match find_pair(cs, i, '#', '>') {
                Some(k) => {
                    self.block_comment = false;
                    i = k + 2;
                }
                None => return None,
            }
        }
        Some(i)
    }

    /// Reads the token at `cs[i]` (not a blank).
    fn token(&mut self, asm: &mut Assembler, cs: &[char], i: usize, line: u32, mode: Mode) -> Step {
        let c = cs[i];
        let next = cs.get(i + 1).copied();
        match c {
            '#' => Step::Stop,
            ';' | '(' | ')' => {
                asm.end();
                Step::At(i + 1)
            }
            '|' => {
                asm.end();
                Step::At(i + if next == Some('|') { 2 } else { 1 })
            }
            '&' => Step::At(self.ampersand(asm, cs, i, line, mode)),
            '{' | '}' if mode == Mode::Ps && next.is_none_or(is_ws) => {
                asm.end();
                Step::At(i + 1)
            }
            '>' => Step::At(self.output_redirection(asm, cs, i, line)),
            '<' if mode == Mode::Ps && next == Some('#') => match find_pair(cs, i + 2, '#', '>') {
                Some(k) => Step::At(k + 2),
                None => {
                    self.block_comment = true;
                    Step::Stop
                }
            },
            '<' if placeholder_end(cs, i).is_none() => {
                Step::At(self.input_redirection(asm, cs, i, line))
            }
            '\\' if mode == Mode::Sh && rest_is_ws(cs, i + 1) => Step::Continued,
            '`' if mode == Mode::Ps && rest_is_ws(cs, i + 1) => Step::Continued,
            '@' if mode == Mode::Ps
                && matches!(next, Some('"' | '\''))
                && rest_is_ws(cs, i + 2) =>
            {
                // A here-string: its lines are data; the statement goes on after it.
                self.here_string = next;
                asm.touch(line);
                Step::Continued
            }
            _ => {
                let (w, end) = scan_word(cs, i, line, mode, self.depth);
                if end == i {
                    return Step::At(i + 1); // not expected; keeps the loop moving whatever the input
                }
                self.take_word(asm, w, cs.get(end).copied(), mode);
                Step::At(end)
            }
        }
    }

    /// `&&` ends a statement, `&>`/`&>>` redirects, a lone `&` ends one too, except in
    /// PowerShell where it is the call operator (`& az aks ...`). Returns where to go on.
    fn ampersand(
        &mut self,
        asm: &mut Assembler,
        cs: &[char],
        i: usize,
        line: u32,
        mode: Mode,
    ) -> usize {
        match cs.get(i + 1).copied() {
            Some('&') => {
                asm.end();
                i + 2
            }
            Some('>') => {
                let mut i = i + 2;
                if cs.get(i) == Some(&'>') {
                    i += 1;
                }
                self.redirect_target = true;
                i
            }
            _ if mode == Mode::Ps => {
                let w = Word {
                    text: "&".into(),
                    start: pos(line, i),
                    end: pos(line, i + 1),
                    expanded: false,
                    eq: None,
                    depth: self.depth,
                    nested: Vec::new(),
                };
                asm.word(w);
                i + 1
            }
            _ => {
                asm.end();
                i + 1
            }
        }
    }

    /// `>`, `>>`, `>&`, `>|`: the next word is the target. Returns where to go on.
    fn output_redirection(
        &mut self,
        asm: &mut Assembler,
        cs: &[char],
        i: usize,
        line: u32,
    ) -> usize {
        let mut i = i + 1;
        if cs.get(i) == Some(&'>') {
            i += 1;
        }
        if matches!(cs.get(i), Some('&' | '|')) {
            i += 1;
        }
        self.redirect_target = true;
        asm.touch(line);
        i
    }

    /// `<`, `<>`, `<&`, `<<<` (the next word is the target) or `<<`, `<<-` (it is a
    /// here-document's delimiter). Returns where to go on.
    fn input_redirection(
        &mut self,
        asm: &mut Assembler,
        cs: &[char],
        i: usize,
        line: u32,
    ) -> usize {
        asm.touch(line);
        let mut i = i;
        if cs.get(i + 1) == Some(&'<') {
            if cs.get(i + 2) == Some(&'<') {
                i += 3;
                self.redirect_target = true;
            } else {
                i += 2;
                if cs.get(i) == Some(&'-') {
                    i += 1;
                }
                self.heredoc_delim = true;
            }
        } else {
            i += 1;
            if matches!(cs.get(i), Some('>' | '&')) {
                i += 1;
            }
            self.redirect_target = true;
        }
        i
    }

    fn take_word(&mut self, asm: &mut Assembler, mut w: Word, next: Option<char>, mode: Mode) {
        let line = w.start.line;
        asm.out.append(&mut w.nested);
        let unquoted = w.raw_len() == w.text.chars().count() && !w.expanded;
        let fd = (w.text.bytes().all(|b| b.is_ascii_digit())
            || (mode == Mode::Ps && w.text == "*"))
            && unquoted;
        if fd && matches!(next, Some('>' | '<')) {
            // `2>`, `2>&1`, `*>`: the descriptor of a redirection.
            asm.touch(line);
        } else if self.heredoc_delim {
            self.heredoc_delim = false;
            asm.touch(line);
            let ok = !w.text.is_empty()
                && w.text
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
            if ok && !w.expanded {
                self.heredoc_pending = Some(w.text);
            }
        } else if self.redirect_target {
            self.redirect_target = false;
            asm.touch(line);
        } else {
            asm.word(w);
        }
    }
}

/// Skips a prompt at the start of a line: `$ `, `> `, `PS> `, `PS C:\path> `.
fn strip_prompt(cs: &[char], i: usize) -> usize {
    let rest = &cs[i.min(cs.len())..];
    let after = |k: usize| skip_ws(cs, i + k);
    match rest {
        ['$' | '>', c, ..] if is_ws(*c) => after(2),
        ['P', 'S', '>', ..] => after(3),
        ['P', 'S', ' ', ..] => {
            // `PS C:\Users\me> az ...`
            let end = rest.windows(2).position(|p| p[0] == '>' && is_ws(p[1]));
            match end {
                Some(k) if !rest[2..k].iter().any(|&c| c == '"' || c == '\'') => after(k + 2),
                _ => i,
            }
        }
        _ => i,
    }
}

/// Index of the first `a` immediately followed by `b` at or after `from`.
fn find_pair(cs: &[char], from: usize, a: char, b: char) -> Option<usize> {
    let mut k = from;
    while k + 1 < cs.len() {
        if cs[k] == a && cs[k + 1] == b {
            return Some(k);
        }
        k += 1;
    }
    None
}

/// When `cs[i]` opens a `<placeholder>`, the index after its `>`.
fn placeholder_end(cs: &[char], i: usize) -> Option<usize> {
    let first = *cs.get(i + 1)?;
    if !(first.is_alphabetic() || first == '_') {
        return None;
    }
    let mut k = i + 2;
    while k < cs.len() {
        let c = cs[k];
        if c == '>' {
            return (cs[k - 1] != ' ').then_some(k + 1);
        }
        if !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':' | '/' | ' ')) {
            return None;
        }
        k += 1;
    }
    None
}

/// Index after the bracket matching the opening one at `open_at`, skipping quoted text;
/// the end of the line when it is not closed there.
fn balanced(cs: &[char], open_at: usize, open: char, close: char, mode: Mode) -> usize {
    let esc = if mode == Mode::Sh { '\\' } else { '`' };
    let n = cs.len();
    let mut depth = 0usize;
    let mut k = open_at;
    while k < n {
        let c = cs[k];
        if c == open {
            depth += 1;
        } else if c == close {
            depth = depth.saturating_sub(1);
            if depth == 0 {
                return k + 1;
            }
        } else if c == esc {
            k += 1;
        } else if c == '\'' {
            k += 1;
            while k < n && cs[k] != '\'' {
                k += 1;
            }
        } else if c == '"' {
            k += 1;
            while k < n && cs[k] != '"' {
                if cs[k] == esc {
                    k += 1;
                }
                k += 1;
            }
        }
        k += 1;
    }
    n
}

/// Reads one word starting at `cs[i]` (not whitespace); returns it and the index after it.
fn scan_word(cs: &[char], start: usize, line: u32, mode: Mode, depth: u8) -> (Word, usize) {
    let n = cs.len();
    let mut w = Word {
        text: String::new(),
        start: pos(line, start),
        end: pos(line, start),
        expanded: false,
        eq: None,
        depth,
        nested: Vec::new(),
    };
    let mut i = start;
    while i < n {
        let c = cs[i];
        if is_ws(c) || matches!(c, ';' | '|' | '&' | '(' | ')' | '>') {
            break;
        }
        match c {
            '<' => match placeholder_end(cs, i) {
                Some(e) => {
                    for (k, &ch) in cs.iter().enumerate().take(e).skip(i) {
                        w.push(ch, k);
                    }
                    i = e;
                }
                None => break,
            },
            '\'' => i = single_quoted(cs, i, mode, &mut w),
            '"' => i = double_quoted(cs, i, mode, &mut w),
            '$' => i = dollar(cs, i, mode, false, &mut w),
            '\\' if mode == Mode::Sh => {
                if rest_is_ws(cs, i + 1) {
                    break; // a continuation, read by the caller
                }
                w.push(cs[i + 1], i + 1);
                i += 2;
            }
            '`' if mode == Mode::Sh => {
                let mut k = i + 1;
                while k < n && cs[k] != '`' {
                    k += if cs[k] == '\\' { 2 } else { 1 };
                }
                let e = (k + 1).min(n);
                w.push_expansion(&cs[i..e]);
                i = e;
            }
            '`' => {
                if rest_is_ws(cs, i + 1) {
                    break; // a continuation, read by the caller
                }
                w.push(ps_escape(cs[i + 1]), i + 1);
                i += 2;
            }
            '@' if mode == Mode::Ps && i == start => {
                match cs.get(i + 1) {
                    Some('(') => {
                        let e = balanced(cs, i + 1, '(', ')', mode);
                        w.push_expansion(&cs[i..e]);
                        i = e;
                    }
                    Some('{') => {
                        let e = balanced(cs, i + 1, '{', '}', mode);
                        w.push_expansion(&cs[i..e]);
                        i = e;
                    }
                    Some(&ch) if ch.is_alphabetic() || ch == '_' => {
                        // Splatting: `@params`.
                        let e = ident_end(cs, i + 1, mode);
                        w.push_expansion(&cs[i..e]);
                        i = e;
                    }
                    _ => {
                        w.push('@', i);
                        i += 1;
                    }
                }
            }
            _ => {
                w.push(c, i);
                i += 1;
            }
        }
    }
    w.end = pos(line, i);
    (w, i)
}

/// `'...'`: literal text (PowerShell: `''` is a quote). Returns the index after the closing quote.
fn single_quoted(cs: &[char], open: usize, mode: Mode, w: &mut Word) -> usize {
    let n = cs.len();
    let mut k = open + 1;
    while k < n {
        if cs[k] == '\'' {
            if mode == Mode::Ps && cs.get(k + 1) == Some(&'\'') {
                w.push('\'', k);
                k += 2;
                continue;
            }
            return k + 1;
        }
        w.push(cs[k], k);
        k += 1;
    }
    n
}

/// `"..."`: escapes and expansions. Returns the index after the closing quote.
fn double_quoted(cs: &[char], open: usize, mode: Mode, w: &mut Word) -> usize {
    let n = cs.len();
    let mut k = open + 1;
    while k < n {
        let c = cs[k];
        match (c, mode) {
            ('"', Mode::Ps) if cs.get(k + 1) == Some(&'"') => {
                w.push('"', k);
                k += 2;
            }
            ('"', _) => return k + 1,
            ('\\', Mode::Sh) if matches!(cs.get(k + 1), Some('"' | '\\' | '$' | '`')) => {
                w.push(cs[k + 1], k + 1);
                k += 2;
            }
            ('`', Mode::Sh) => {
                let mut e = k + 1;
                while e < n && cs[e] != '`' && cs[e] != '"' {
                    e += 1;
                }
                let e = if cs.get(e) == Some(&'`') { e + 1 } else { e };
                w.push_expansion(&cs[k..e]);
                k = e;
            }
            ('`', Mode::Ps) if k + 1 < n => {
                w.push(ps_escape(cs[k + 1]), k + 1);
                k += 2;
            }
            ('$', _) => k = dollar(cs, k, mode, true, w),
            _ => {
                w.push(c, k);
                k += 1;
            }
        }
    }
    n
}

/// A `$` at `cs[at]`: an expansion (marked as such) or a plain dollar. Returns the index after it.
fn dollar(cs: &[char], at: usize, mode: Mode, in_dq: bool, w: &mut Word) -> usize {
    let n = cs.len();
    let Some(&next) = cs.get(at + 1) else {
        w.push('$', at);
        return at + 1;
    };
    let end = match next {
        '{' => balanced(cs, at + 1, '{', '}', mode),
        '(' => {
            let end = balanced(cs, at + 1, '(', ')', mode);
            substitution(cs, at + 2, end, mode, w);
            end
        }
        c if c.is_alphanumeric() || c == '_' => ident_end(cs, at + 1, mode),
        '@' | '*' | '#' | '?' | '$' | '!' | '-' if mode == Mode::Sh => at + 2,
        '?' | '^' | '$' if mode == Mode::Ps => at + 2,
        // `$'...'` and `$"..."` (bash): quoting, not expansion.
        '\'' | '"' if mode == Mode::Sh && !in_dq => return at + 1,
        _ => {
            w.push('$', at);
            return at + 1;
        }
    };
    let end = end.min(n);
    w.push_expansion(&cs[at..end]);
    end
}

/// Reads `cs[from..end]`, the inside of a `$(...)` closed on this line, for commands of its
/// own (`ID=$(az aks create ... --query id -o tsv)`). The depth is capped so that nested
/// substitutions are read a bounded number of times.
fn substitution(cs: &[char], from: usize, end: usize, mode: Mode, w: &mut Word) {
    const MAX_DEPTH: u8 = 3;
    let closed = end > from && cs.get(end - 1) == Some(&')');
    if !closed || w.depth >= MAX_DEPTH || cs.get(from) == Some(&'(') {
        return; // not closed here, too deep, or `$((arithmetic))`
    }
    let mut asm = Assembler::default();
    let mut lx = Lexer {
        continued: true,
        depth: w.depth + 1,
        ..Lexer::default()
    };
    lx.line(&mut asm, &cs[..end - 1], from, w.start.line, mode);
    asm.end();
    w.nested.append(&mut asm.out);
}

/// End of a variable name starting at `from` (PowerShell names may carry a scope: `$env:X`).
fn ident_end(cs: &[char], from: usize, mode: Mode) -> usize {
    let mut k = from;
    while k < cs.len() {
        let c = cs[k];
        let scope = mode == Mode::Ps
            && c == ':'
            && cs
                .get(k + 1)
                .is_some_and(|&d| d.is_alphabetic() || d == '_');
        if !(c.is_alphanumeric() || c == '_' || scope) {
            break;
        }
        k += 1;
    }
    k
}

/// The character a PowerShell backtick escape stands for.
fn ps_escape(c: char) -> char {
    match c {
        'n' => '\n',
        't' => '\t',
        'r' => '\r',
        '0' => '\0',
        c => c,
    }
}

/// Whether `text` holds a documentation placeholder or a non-shell expansion:
/// `${{ ... }}`, `%VAR%`, `<placeholder>`, `{placeholder}`.
fn has_placeholder(text: &str) -> bool {
    let cs: Vec<char> = text.chars().collect();
    if text.contains("${{") {
        return true;
    }
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut i = 0;
    while i < cs.len() {
        let c = cs[i];
        let close = match c {
            '%' => '%',
            '<' => '>',
            '{' => '}',
            _ => {
                i += 1;
                continue;
            }
        };
        let mut k = i + 1;
        let first_ok = cs.get(k).is_some_and(|&f| f.is_alphabetic() || f == '_');
        if first_ok {
            while k < cs.len()
                && (ident(cs[k]) || (close != '%' && matches!(cs[k], '-' | '.' | ' ' | ':' | '/')))
            {
                k += 1;
            }
            if cs.get(k) == Some(&close) {
                return true;
            }
        }
        i = if k > i + 1 { k } else { i + 1 };
    }
    false
}

// ---------------------------------------------------------------------------------------
// Commands

/// Turns the words of the tokenizer into commands.
#[derive(Debug)]
struct Assembler {
    out: Vec<AzCommand>,
    /// Only prefix words (`sudo`, `run:`, `VAR=x`, ...) since the last separator.
    cmd_pos: bool,
    /// Start of an `az` word in command position, waiting for `aks`.
    az_at: Option<Pos>,
    cur: Option<Building>,
}

impl Default for Assembler {
    fn default() -> Self {
        Assembler {
            out: Vec::new(),
            cmd_pos: true,
            az_at: None,
            cur: None,
        }
    }
}

#[derive(Debug)]
struct Building {
    cmd: AzCommand,
    /// Still reading the words of the subcommand.
    in_sub: bool,
    /// The last flag may still take the next word as its value.
    want_value: bool,
}

impl Assembler {
    /// A separator or the end of a logical line: the current command, if any, is complete.
    fn end(&mut self) {
        if let Some(b) = self.cur.take() {
            self.out.push(b.cmd);
        }
        self.az_at = None;
        self.cmd_pos = true;
    }

    /// A token that belongs to the current command without being an argument.
    fn touch(&mut self, line: u32) {
        if let Some(b) = &mut self.cur {
            b.cmd.end_line = b.cmd.end_line.max(line);
        }
    }

    fn word(&mut self, w: Word) {
        if let Some(b) = &mut self.cur {
            b.add(w);
            return;
        }
        if let Some(az) = self.az_at.take() {
            self.cmd_pos = false;
            if w.text == "aks" && !w.expanded {
                self.cur = Some(Building {
                    cmd: AzCommand {
                        subcommand: String::new(),
                        span: Span {
                            start: az,
                            end: w.end,
                        },
                        end_line: w.end.line,
                        args: Vec::new(),
                    },
                    in_sub: true,
                    want_value: false,
                });
            }
            return;
        }
        if !self.cmd_pos {
            return;
        }
        if let Some(off) = az_offset(&w) {
            self.az_at = Some(Pos {
                line: w.start.line,
                col: w.start.col + off,
            });
        } else if !is_prefix(&w) {
            self.cmd_pos = false;
        }
    }
}

impl Building {
    fn add(&mut self, w: Word) {
        let cmd = &mut self.cmd;
        cmd.end_line = cmd.end_line.max(w.end.line);
        if self.in_sub {
            if !w.expanded && is_subcommand_word(&w.text) {
                if !cmd.subcommand.is_empty() {
                    cmd.subcommand.push(' ');
                }
                cmd.subcommand.push_str(&w.text);
                cmd.span.end = w.end;
                return;
            }
            self.in_sub = false;
        }
        let span = Span {
            start: w.start,
            end: w.end,
        };
        if w.text.len() > 1 && w.text.starts_with('-') {
            self.want_value = false;
            if let Some((idx, col, expanded_after)) = w.eq.filter(|e| e.0 > 1) {
                let value = w.text[idx + 1..].to_string();
                let literal = !expanded_after && !has_placeholder(&value);
                cmd.args.push(AzArg {
                    flag: w.text[..idx].to_string(),
                    flag_span: Span {
                        start: w.start,
                        end: pos(w.start.line, col),
                    },
                    value: Some(AzValue {
                        text: value,
                        span: Span {
                            start: pos(w.start.line, col + 1),
                            end: w.end,
                        },
                        literal,
                    }),
                });
            } else {
                cmd.args.push(AzArg {
                    flag: w.text,
                    flag_span: span,
                    value: None,
                });
                self.want_value = true;
            }
        } else if self.want_value {
            self.want_value = false;
            let literal = !w.expanded && !has_placeholder(&w.text);
            if let Some(arg) = cmd.args.last_mut() {
                arg.value = Some(AzValue {
                    text: w.text,
                    span,
                    literal,
                });
            }
        }
        // Any other word is positional: `az aks` takes none, so it is not recorded.
    }
}

/// Where `az` starts in a word that runs it: `az`, or a Makefile recipe's `@az` / `-az`.
fn az_offset(w: &Word) -> Option<u32> {
    if w.expanded {
        return None;
    }
    if w.text == "az" {
        return Some(0);
    }
    let bare = w.text.trim_start_matches(['@', '-', '+']);
    let unquoted = w.raw_len() == w.text.chars().count();
    (bare == "az" && unquoted).then(|| to_u32(w.text.len() - 2))
}

/// Words that may stand before a command: YAML step keys, `sudo`, shell keywords,
/// PowerShell's call operator, variable assignments.
fn is_prefix(w: &Word) -> bool {
    const PREFIX: &[&str] = &[
        "-",
        "run:",
        "script:",
        "bash:",
        "pwsh:",
        "powershell:",
        "inlineScript:",
        "RUN",
        "sudo",
        "&",
        "!",
        "{",
        "time",
        "command",
        "exec",
        "nohup",
        "if",
        "then",
        "elif",
        "else",
        "while",
        "until",
        "do",
    ];
    if PREFIX.contains(&w.text.as_str()) {
        return true;
    }
    // `VAR=value az aks ...`
    match w.eq {
        Some((idx, _, _)) if idx > 0 => {
            let name = &w.text[..idx];
            name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
        _ => false,
    }
}

/// `create`, `nodepool`, `get-credentials`, `maintenanceconfiguration`, ...
fn is_subcommand_word(t: &str) -> bool {
    t.starts_with(|c: char| c.is_ascii_lowercase())
        && t.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[cfg(test)]
mod tests;
