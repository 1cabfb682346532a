//! Positions in a source file, shared by every stage: the loader records them, rules point
//! at them, reports print them.

/// A position in a source file: 1-based line, 0-based column in Unicode code points.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

/// A range of a source file, end exclusive.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    pub start: Pos,
    pub end: Pos,
}

impl Span {
    pub fn point(p: Pos) -> Span {
        Span { start: p, end: p }
    }

    /// The span `by` lines further down: where a place in a part of a file that starts on
    /// line `by + 1` is in the file.
    pub fn shifted(self, by: u32) -> Span {
        let down = |p: Pos| Pos {
            line: p.line.saturating_add(by),
            col: p.col,
        };
        Span {
            start: down(self.start),
            end: down(self.end),
        }
    }

    /// Whether `p` lies in the span (end exclusive).
    pub fn contains_pos(&self, p: Pos) -> bool {
        self.start <= p && p < self.end
    }
}
