//! Reading an input's bytes: the size limit (`--max-file-size`), one read buffer per
//! worker, reused from file to file, and the encoding the bytes' byte order mark declares.

use std::io::Read;
use std::path::Path;

/// The size of the file at `path` when it is over `max` bytes (None when it is not, or its
/// size cannot be read: the read then says why).
pub fn over_limit(path: &Path, max: u64) -> Option<u64> {
    std::fs::metadata(path)
        .map(|m| m.len())
        .ok()
        .filter(|&n| n > max)
}

/// A size and a limit it is over, in the unit that shows the limit (`2.7 KiB`, `1 KiB`),
/// with as many decimals as it takes for the two to read differently (else in bytes).
pub fn sizes(size: u64, limit: u64) -> (String, String) {
    const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    let Some((unit, scale)) = UNITS.iter().copied().find(|(_, s)| limit >= *s) else {
        return (format!("{size} bytes"), format!("{limit} bytes"));
    };
    let fmt = |n: u64, decimals: usize| {
        if n.is_multiple_of(scale) {
            format!("{} {unit}", n / scale)
        } else {
            format!("{:.decimals$} {unit}", n as f64 / scale as f64)
        }
    };
    let rounded = |n: u64, decimals: i32| (n as f64 / scale as f64 * 10f64.powi(decimals)).round();
    for decimals in 1..=3 {
        if rounded(size, decimals as i32) != rounded(limit, decimals as i32) {
            return (fmt(size, decimals), fmt(limit, decimals));
        }
    }
    (format!("{size} bytes"), format!("{limit} bytes"))
}

/// Whether the file at `path` has a size that can be read and is at most `max` bytes.
pub fn within_limit(path: &Path, max: u64) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.len() <= max)
}

/// The Unicode encoding a text is read in: UTF-8 unless a byte order mark says otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16Le,
    Utf16Be,
    Utf32Le,
    Utf32Be,
}

impl Encoding {
    /// The encoding of `bytes` by their byte order mark (UTF-8 when there is none), and the
    /// length of that mark. UTF-32 LE's mark starts with UTF-16 LE's: it is looked for first.
    pub fn sniff(bytes: &[u8]) -> (Encoding, usize) {
        const MARKS: [(&[u8], Encoding); 5] = [
            (b"\xEF\xBB\xBF", Encoding::Utf8),
            (b"\xFF\xFE\x00\x00", Encoding::Utf32Le),
            (b"\x00\x00\xFE\xFF", Encoding::Utf32Be),
            (b"\xFF\xFE", Encoding::Utf16Le),
            (b"\xFE\xFF", Encoding::Utf16Be),
        ];
        MARKS
            .iter()
            .find(|(mark, _)| bytes.starts_with(mark))
            .map_or((Encoding::Utf8, 0), |(mark, e)| (*e, mark.len()))
    }

    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf16Le => "UTF-16 (little-endian)",
            Encoding::Utf16Be => "UTF-16 (big-endian)",
            Encoding::Utf32Le => "UTF-32 (little-endian)",
            Encoding::Utf32Be => "UTF-32 (big-endian)",
        }
    }
}

thread_local! {
    /// One read buffer per worker, reused from file to file: large files then do not cost a
    /// fresh mapping (and its page faults) each time they are read.
    static READ_BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Reads a file into the worker's buffer and hands the bytes to `f`.
pub fn with_file_bytes<T>(path: &Path, f: impl FnOnce(std::io::Result<&[u8]>) -> T) -> T {
    READ_BUFFER.with(|cell| {
        let Ok(mut buf) = cell.try_borrow_mut() else {
            return f(std::fs::read(path)
                .as_deref()
                .map_err(|e| std::io::Error::new(e.kind(), e.to_string())));
        };
        buf.clear();
        let read = std::fs::File::open(path).and_then(|mut file| file.read_to_end(&mut buf));
        // Do not keep a buffer of a huge file around for the rest of the run.
        let result = f(read.map(|_| buf.as_slice()));
        if buf.capacity() > 4 * 1024 * 1024 {
            *buf = Vec::new();
        }
        result
    })
}

#[cfg(test)]
mod size_tests {
    use super::sizes;

    #[test]
    fn sizes_read_in_their_own_unit_and_differ() {
        let s = |a, b| {
            let (x, y) = sizes(a, b);
            format!("{x} > {y}")
        };
        assert_eq!(s(2765, 1024), "2.7 KiB > 1 KiB");
        assert_eq!(s(17 << 20, 16 << 20), "17 MiB > 16 MiB");
        assert_eq!(
            s((16 << 20) + 1, 16 << 20),
            "16777217 bytes > 16777216 bytes"
        );
        assert_eq!(s((16 << 20) + 200_000, 16 << 20), "16.2 MiB > 16 MiB");
        assert_eq!(s((16 << 20) + 20_000, 16 << 20), "16.02 MiB > 16 MiB");
        assert_eq!(s(900, 512), "900 bytes > 512 bytes");
    }
}
