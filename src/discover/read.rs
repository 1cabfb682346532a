//! Reading an input's bytes: the size limit (`--max-file-size`), and one read buffer per
//! worker, reused from file to file.

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

/// Whether the file at `path` has a size that can be read and is at most `max` bytes.
pub fn within_limit(path: &Path, max: u64) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.len() <= max)
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
