//! JSON manifests, read the way Kubernetes' YAML-or-JSON decoder reads a stream whose first
//! non-space character is `{`: a sequence of JSON values, tabs and all (tab-indented JSON
//! is not valid YAML, so it cannot go through the YAML reader).

use super::LoadProblem;
use super::build::Builder;
use super::scalar::{ScalarStyle, Tag};
use super::tree::Document;
use crate::span::{Pos, Span};

struct Reader<'t> {
    bytes: &'t [u8],
    text: &'t str,
    i: usize,
    line: u32,
    col: u32,
    scratch: String,
}

type Failure = (Pos, String);

const MAX_DEPTH: usize = 512;

pub fn read_stream(text: &str, docs: &mut Vec<Document>, problems: &mut Vec<LoadProblem>) {
    let mut r = Reader {
        bytes: text.as_bytes(),
        text,
        i: 0,
        line: 1,
        col: 0,
        scratch: String::new(),
    };
    let mut index = 0;
    loop {
        r.skip_ws();
        if r.i >= r.bytes.len() {
            return;
        }
        let mut b = Builder::new(index);
        index += 1;
        match r.value(&mut b, problems, 0) {
            Ok(()) => {
                if let Some(doc) = b.finish() {
                    docs.push(doc);
                }
            }
            Err((pos, message)) => {
                problems.push(LoadProblem::Syntax { pos, message });
                return;
            }
        }
    }
}

impl Reader<'_> {
    fn pos(&self) -> Pos {
        Pos {
            line: self.line,
            col: self.col,
        }
    }

    fn bump(&mut self) {
        let c = self.bytes[self.i];
        self.i += 1;
        if c == b'\n' {
            self.line += 1;
            self.col = 0;
        } else if c & 0xC0 != 0x80 {
            self.col += 1;
        }
    }

    fn skip_ws(&mut self) {
        while self.i < self.bytes.len()
            && matches!(self.bytes[self.i], b' ' | b'\t' | b'\n' | b'\r')
        {
            self.bump();
        }
    }

    fn fail<T>(&self, what: &str) -> Result<T, Failure> {
        let found = match self.text[self.i..].chars().next() {
            Some(c) => format!("found {c:?}"),
            None => "found the end of the file".into(),
        };
        Err((
            self.pos(),
            format!("invalid JSON: expected {what}, {found}"),
        ))
    }

    fn value(
        &mut self,
        b: &mut Builder,
        problems: &mut Vec<LoadProblem>,
        depth: usize,
    ) -> Result<(), Failure> {
        if depth > MAX_DEPTH {
            return self.fail("less nesting");
        }
        self.skip_ws();
        let start = self.pos();
        match self.bytes.get(self.i) {
            Some(b'{') => {
                self.bump();
                b.start_collection(true, 0, start);
                self.skip_ws();
                if self.bytes.get(self.i) == Some(&b'}') {
                    self.bump();
                } else {
                    loop {
                        self.skip_ws();
                        if self.bytes.get(self.i) != Some(&b'"') {
                            return self.fail("a quoted object key");
                        }
                        self.string(b)?;
                        self.skip_ws();
                        if self.bytes.get(self.i) != Some(&b':') {
                            return self.fail("':'");
                        }
                        self.bump();
                        self.value(b, problems, depth + 1)?;
                        self.skip_ws();
                        match self.bytes.get(self.i) {
                            Some(b',') => self.bump(),
                            Some(b'}') => {
                                self.bump();
                                break;
                            }
                            _ => return self.fail("',' or '}'"),
                        }
                    }
                }
                b.end_collection(self.pos(), problems);
            }
            Some(b'[') => {
                self.bump();
                b.start_collection(false, 0, start);
                self.skip_ws();
                if self.bytes.get(self.i) == Some(&b']') {
                    self.bump();
                } else {
                    loop {
                        self.value(b, problems, depth + 1)?;
                        self.skip_ws();
                        match self.bytes.get(self.i) {
                            Some(b',') => self.bump(),
                            Some(b']') => {
                                self.bump();
                                break;
                            }
                            _ => return self.fail("',' or ']'"),
                        }
                    }
                }
                b.end_collection(self.pos(), problems);
            }
            Some(b'"') => self.string(b)?,
            Some(c) if c.is_ascii_alphanumeric() || *c == b'-' => {
                let s = self.i;
                while self.i < self.bytes.len()
                    && (self.bytes[self.i].is_ascii_alphanumeric()
                        || matches!(self.bytes[self.i], b'-' | b'+' | b'.'))
                {
                    self.bump();
                }
                let word = &self.text[s..self.i];
                let valid = matches!(word, "true" | "false" | "null") || is_json_number(word);
                if !valid {
                    self.i = s;
                    self.col = start.col;
                    return self.fail("a JSON value");
                }
                let tag = if word == "null" { Tag::Null } else { Tag::None };
                b.scalar(
                    word,
                    ScalarStyle::Plain,
                    tag,
                    0,
                    Span {
                        start,
                        end: self.pos(),
                    },
                );
            }
            _ => return self.fail("a JSON value"),
        }
        Ok(())
    }

    fn string(&mut self, b: &mut Builder) -> Result<(), Failure> {
        let start = self.pos();
        self.bump(); // opening quote
        self.scratch.clear();
        loop {
            let Some(&c) = self.bytes.get(self.i) else {
                return self.fail("a closing '\"'");
            };
            match c {
                b'"' => {
                    self.bump();
                    break;
                }
                b'\\' => {
                    self.bump();
                    let Some(&e) = self.bytes.get(self.i) else {
                        return self.fail("an escape");
                    };
                    let ch = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            self.bump();
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi)
                                && self.bytes.get(self.i) == Some(&b'\\')
                                && self.bytes.get(self.i + 1) == Some(&b'u')
                            {
                                self.bump();
                                self.bump();
                                let lo = self.hex4()?;
                                0x10000 + ((hi - 0xD800) << 10) + (lo.wrapping_sub(0xDC00) & 0x3FF)
                            } else {
                                hi
                            };
                            self.scratch
                                .push(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
                            continue;
                        }
                        _ => return self.fail("a valid escape"),
                    };
                    self.bump();
                    self.scratch.push(ch);
                }
                b'\n' => return self.fail("a closing '\"' before the end of the line"),
                // JSON strings hold control characters only as escapes (Go's decoder, and so
                // kubectl, refuses a raw one).
                0..0x20 => return self.fail("an escape for a control character"),
                _ => {
                    let s = self.i;
                    while self.i < self.bytes.len()
                        && !matches!(self.bytes[self.i], b'"' | b'\\' | 0..0x20)
                    {
                        self.bump();
                    }
                    self.scratch.push_str(&self.text[s..self.i]);
                }
            }
        }
        let text = std::mem::take(&mut self.scratch);
        b.scalar(
            &text,
            ScalarStyle::DoubleQuoted,
            Tag::None,
            0,
            Span {
                start,
                end: self.pos(),
            },
        );
        self.scratch = text;
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, Failure> {
        let digits = self.text.get(self.i..self.i + 4);
        match digits.and_then(|d| u32::from_str_radix(d, 16).ok()) {
            Some(v) => {
                for _ in 0..4 {
                    self.bump();
                }
                Ok(v)
            }
            None => self.fail("four hex digits"),
        }
    }
}

fn is_json_number(w: &str) -> bool {
    let b = w.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let s = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - s
    };
    if digits(&mut i) == 0 {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    }
    if i < b.len() && matches!(b[i], b'e' | b'E') {
        i += 1;
        if i < b.len() && matches!(b[i], b'+' | b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}
