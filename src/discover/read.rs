//! Reading an input's bytes: the size limit (`--max-file-size`), one read buffer per
//! worker, reused from file to file, and the encoding the bytes' byte order mark declares.

use std::io::Read;
use std::path::Path;

const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];

/// A size and a limit it is over, in the unit that shows the limit (`2.7 KiB`, `1 KiB`),
/// with as many decimals as it takes for the two to read differently (else in bytes).
pub fn sizes(size: u64, limit: u64) -> (String, String) {
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

/// What a file holds, as far as it is read at once.
pub enum Contents<'a> {
    /// The whole file, within the limit.
    Bytes(&'a [u8]),
    /// A file over the limit, opened and not read (the caller may read it a part at a time).
    OverLimit { file: std::fs::File, size: u64 },
}

/// What a path is when it is no regular file and no directory (`a named pipe (FIFO)`), in
/// words for a message; None for a regular file or a directory. Such a file is never opened:
/// opening a FIFO waits for a writer, and a device may never end.
pub fn special_kind(meta: &std::fs::Metadata) -> Option<&'static str> {
    let t = meta.file_type();
    if t.is_file() || t.is_dir() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Some("a named pipe (FIFO)");
        }
        if t.is_char_device() {
            return Some("a character device");
        }
        if t.is_block_device() {
            return Some("a block device");
        }
        if t.is_socket() {
            return Some("a socket");
        }
    }
    Some("not a regular file")
}

/// Opens a regular file for reading, with its size; anything else is refused before it is
/// opened.
fn open_regular(path: &Path) -> std::io::Result<(std::fs::File, u64)> {
    let refuse = |kind: &str| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{kind}, not a regular file: only regular files are read"),
        )
    };
    if let Some(kind) = special_kind(&std::fs::metadata(path)?) {
        return Err(refuse(kind));
    }
    let file = std::fs::File::open(path)?;
    // Whatever the path named by the time it was opened, this is what will be read.
    let meta = file.metadata()?;
    match special_kind(&meta) {
        Some(kind) => Err(refuse(kind)),
        None => Ok((file, meta.len())),
    }
}

/// Reads a regular file into the worker's buffer, if it is at most `max` bytes, and hands
/// its contents to `f`: the bytes, or the file unread when it is over the limit (by its size,
/// or by what a read found: no more than `max + 1` bytes are ever read at once).
pub fn with_file_bytes<T>(
    path: &Path,
    max: u64,
    f: impl FnOnce(std::io::Result<Contents<'_>>) -> T,
) -> T {
    let (mut file, size) = match open_regular(path) {
        Ok(opened) => opened,
        Err(e) => return f(Err(e)),
    };
    if size > max {
        return f(Ok(Contents::OverLimit { file, size }));
    }
    READ_BUFFER.with(|cell| {
        let mut own = Vec::new();
        let mut shared = cell.try_borrow_mut();
        let buf = match shared.as_deref_mut() {
            Ok(buf) => buf,
            Err(_) => &mut own,
        };
        buf.clear();
        let read = (&mut file).take(max.saturating_add(1)).read_to_end(buf);
        let result = match read {
            // The file grew since its size was read: over the limit after all.
            Ok(n) if n as u64 > max => {
                use std::io::Seek;
                match file.rewind() {
                    Ok(()) => f(Ok(Contents::OverLimit {
                        file,
                        size: n as u64,
                    })),
                    Err(e) => f(Err(e)),
                }
            }
            Ok(_) => f(Ok(Contents::Bytes(buf.as_slice()))),
            Err(e) => f(Err(e)),
        };
        // Do not keep a buffer of a huge file around for the rest of the run.
        if buf.capacity() > 4 * 1024 * 1024 {
            *buf = Vec::new();
        }
        result
    })
}

/// Reads standard input, up to `max` bytes: more is an error of kind `FileTooLarge` (an
/// endless stream is never read to its end).
pub fn stdin_bytes(max: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(max.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            format!(
                "standard input is over the {} limit (--max-file-size)",
                limit_text(max)
            ),
        ));
    }
    Ok(bytes)
}

/// A limit as messages give it: in the largest unit that divides it (`16 MiB`), else in
/// bytes.
pub fn limit_text(limit: u64) -> String {
    match UNITS
        .iter()
        .find(|(_, s)| limit >= *s && limit.is_multiple_of(*s))
    {
        Some((unit, scale)) => format!("{} {unit}", limit / scale),
        None => format!("{limit} bytes"),
    }
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
