//! The render cache: the output of each render kept on disk under its key (`inputs`), so a
//! chart or overlay whose inputs did not change is not rendered again.
//!
//! One file per entry, written whole under a temporary name and renamed into place (a reader
//! never sees half an entry). An entry holds a header (the key and the inputs it was made
//! from), the rendered text, and a checksum of both: an entry that is truncated, corrupt, of
//! another version or for other inputs is a miss, never an error. A hit is used only when
//! its recorded inputs are those of the render asked for, file by file. Reading an entry
//! marks it used (its modification time), and the cache is kept under a size by removing
//! the entries used longest ago. A cache that cannot be written is no cache: the scan goes on.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::inputs::{Key, State, hex};
use super::kustomize::BuildReads;

/// The size the cache is kept under unless the command line says otherwise.
pub const DEFAULT_MAX_BYTES: u64 = 512 << 20;

/// The directory of this version's entries, under the cache directory.
const ENTRIES: &str = "renders-v1";

/// What a render printed, and what reading it back needs; or the tool's message when it
/// failed.
pub type Outcome = Result<Rendering, String>;

/// What a render printed, and what reading it back needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendering {
    pub text: String,
    /// Kustomize: the directory the output's origin paths are relative to.
    pub base: Option<PathBuf>,
    /// Kustomize: what the output says the build read (from its origin annotations).
    pub reads: Option<BuildReads>,
}

/// Where the cache is and how large it may grow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheOptions {
    pub dir: PathBuf,
    pub max_bytes: u64,
}

/// The platform's directory for caches, with `keelhaul` below it: `$XDG_CACHE_HOME`, else
/// `~/Library/Caches` on macOS, `%LOCALAPPDATA%` on Windows, `~/.cache` elsewhere. None
/// when there is no home to put it in.
pub fn default_dir() -> Option<PathBuf> {
    let absolute = |v: Option<std::ffi::OsString>| v.map(PathBuf::from).filter(|p| p.is_absolute());
    if let Some(x) = absolute(std::env::var_os("XDG_CACHE_HOME")) {
        return Some(x.join("keelhaul"));
    }
    if cfg!(windows) {
        return absolute(std::env::var_os("LOCALAPPDATA"))
            .map(|d| d.join("keelhaul").join("cache"));
    }
    let home = absolute(std::env::var_os("HOME"))?;
    Some(if cfg!(target_os = "macos") {
        home.join("Library").join("Caches").join("keelhaul")
    } else {
        home.join(".cache").join("keelhaul")
    })
}

#[derive(Serialize, Deserialize)]
struct Header {
    version: u32,
    key: String,
    inputs: Vec<(String, String)>,
    base: Option<String>,
    /// What the build read: its resource files and the kustomizations that transformed them.
    reads: Option<(Vec<String>, Vec<String>)>,
    /// The tool failed with this message (and `text` is empty).
    error: Option<String>,
    text_len: usize,
}

const VERSION: u32 = 2;

/// An open cache, shared by the renders of one scan.
pub struct Cache {
    dir: PathBuf,
    max_bytes: u64,
    stored: AtomicUsize,
}

impl Cache {
    /// Opens (creating) the cache in `opts.dir`. Err: it cannot be made, so nothing is
    /// cached.
    pub fn open(opts: &CacheOptions) -> std::io::Result<Cache> {
        let dir = opts.dir.join(ENTRIES);
        create_private_dir(&dir)?;
        Ok(Cache {
            dir,
            max_bytes: opts.max_bytes,
            stored: AtomicUsize::new(0),
        })
    }

    fn path_of(&self, key: &Key) -> PathBuf {
        self.dir.join(hex(&key.digest))
    }

    /// The kept output of the render with `key`, when there is one made from exactly these
    /// inputs.
    pub fn get(&self, key: &Key) -> Option<Outcome> {
        let path = self.path_of(key);
        let bytes = std::fs::read(&path).ok()?;
        match decode(bytes, key) {
            Some(r) => {
                // Used now: the last to go when the cache is trimmed.
                if let Ok(f) = std::fs::File::options().append(true).open(&path) {
                    let _ = f.set_modified(SystemTime::now());
                }
                Some(r)
            }
            None => {
                // Not an entry this version can use (corrupt, truncated, another version):
                // it goes, and the render's output takes its place.
                let _ = std::fs::remove_file(&path);
                None
            }
        }
    }

    /// Keeps the output of the render with `key`. Failures are ignored: the next scan
    /// renders again.
    pub fn put(&self, key: &Key, r: &Outcome) {
        let Some(bytes) = encode(key, r) else { return };
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let tmp = self.dir.join(format!(
            ".tmp-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let written =
            write_private(&tmp, &bytes).and_then(|()| std::fs::rename(&tmp, self.path_of(key)));
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        } else {
            self.stored.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Removes the entries used longest ago until the cache is under its size, and
    /// temporary files a stopped scan left. Only after this scan stored something.
    pub fn trim(&self) {
        if self.stored.load(Ordering::Relaxed) == 0 {
            return;
        }
        trim_dir(&self.dir, self.max_bytes);
    }
}

fn trim_dir(dir: &Path, max_bytes: u64) {
    let Ok(list) = std::fs::read_dir(dir) else {
        return;
    };
    let now = SystemTime::now();
    let mut entries: Vec<(SystemTime, u64, PathBuf)> = Vec::new();
    for e in list.flatten() {
        let Ok(meta) = e.metadata() else { continue };
        let used = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
        let name = e.file_name();
        if name.to_string_lossy().starts_with(".tmp-") {
            let stale = now
                .duration_since(used)
                .is_ok_and(|d| d > Duration::from_secs(3600));
            if stale {
                let _ = std::fs::remove_file(e.path());
            }
            continue;
        }
        entries.push((used, meta.len(), e.path()));
    }
    let mut total: u64 = entries.iter().map(|(_, len, _)| len).sum();
    if total <= max_bytes {
        return;
    }
    // Down to nine tenths, so that the next scans do not trim again at once.
    let goal = max_bytes / 10 * 9;
    entries.sort();
    for (_, len, path) in entries {
        if total <= goal {
            break;
        }
        if std::fs::remove_file(&path).is_ok() {
            total = total.saturating_sub(len);
        }
    }
}

/// The bytes of an entry: a JSON header line, the text, and the checksum of both.
fn encode(key: &Key, outcome: &Outcome) -> Option<Vec<u8>> {
    let empty = Rendering {
        text: String::new(),
        base: None,
        reads: None,
    };
    let (r, error) = match outcome {
        Ok(r) => (r, None),
        Err(e) => (&empty, Some(e.clone())),
    };
    let mut inputs = Vec::with_capacity(key.inputs.len());
    for (p, s) in &key.inputs {
        inputs.push((p.to_str()?.to_string(), s.encode()));
    }
    let header = Header {
        version: VERSION,
        key: hex(&key.digest),
        inputs,
        base: match &r.base {
            Some(b) => Some(b.to_str()?.to_string()),
            None => None,
        },
        reads: match &r.reads {
            Some(reads) => Some((strings(&reads.files)?, strings(&reads.kustomizations)?)),
            None => None,
        },
        error,
        text_len: r.text.len(),
    };
    let mut out = serde_json::to_vec(&header).ok()?;
    out.push(b'\n');
    out.extend_from_slice(r.text.as_bytes());
    let sum = hex(&Sha256::digest(&out));
    out.extend_from_slice(sum.as_bytes());
    out.push(b'\n');
    Some(out)
}

/// The output an entry holds, when it is whole and was made from `key`'s inputs.
/// The entry's bytes become the text (no copy of a render that may be megabytes).
fn decode(mut bytes: Vec<u8>, key: &Key) -> Option<Outcome> {
    let body_len = bytes.len().checked_sub(65)?;
    let (body, sum) = bytes.split_at(body_len);
    if sum.last() != Some(&b'\n') || hex(&Sha256::digest(body)).as_bytes() != &sum[..64] {
        return None;
    }
    let nl = memchr::memchr(b'\n', body)?;
    let header: Header = serde_json::from_slice(&body[..nl]).ok()?;
    if header.version != VERSION
        || header.key != hex(&key.digest)
        || header.text_len != body_len - nl - 1
    {
        return None;
    }
    // The inputs it was made from, one by one: those of this render.
    if header.inputs.len() != key.inputs.len() {
        return None;
    }
    for ((p, s), (kp, ks)) in header.inputs.iter().zip(&key.inputs) {
        if Path::new(p) != kp || State::decode(s) != Some(*ks) {
            return None;
        }
    }
    if let Some(e) = header.error {
        return Some(Err(e));
    }
    let paths = |v: Vec<String>| v.into_iter().map(PathBuf::from).collect();
    bytes.truncate(body_len);
    bytes.drain(..=nl);
    Some(Ok(Rendering {
        text: String::from_utf8(bytes).ok()?,
        base: header.base.map(PathBuf::from),
        reads: header.reads.map(|(files, kustomizations)| BuildReads {
            files: paths(files),
            kustomizations: paths(kustomizations),
        }),
    }))
}

/// Paths as the header writes them (None when one is not UTF-8: the entry is not kept).
fn strings(paths: &[PathBuf]) -> Option<Vec<String>> {
    paths
        .iter()
        .map(|p| Some(p.to_str()?.to_string()))
        .collect()
}

/// A directory only its owner can read (renders may hold what the owner's files hold).
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut o = std::fs::File::options();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let mut f = o.open(path)?;
    f.write_all(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> Key {
        Key {
            digest: [n; 32],
            inputs: vec![(PathBuf::from("/r/a.yaml"), State::File([1; 32]))],
            private: None,
        }
    }

    /// A new cache of `max_bytes` in a directory of its own, and the directory.
    fn opened(name: &str, max_bytes: u64) -> (PathBuf, Cache) {
        let dir = std::env::temp_dir().join(format!("kh-cache-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let c = Cache::open(&CacheOptions {
            dir: dir.clone(),
            max_bytes,
        })
        .unwrap();
        (dir, c)
    }

    #[test]
    fn an_entry_comes_back_only_for_its_own_inputs() {
        let (dir, c) = opened("inputs", DEFAULT_MAX_BYTES);
        // What the build read comes back with its output.
        let r = Rendering {
            text: "kind: Pod\n".into(),
            base: Some(PathBuf::from("/tmp/w")),
            reads: Some(BuildReads {
                files: vec![PathBuf::from("/tmp/w/base/pod.yaml")],
                kustomizations: vec![PathBuf::from("/tmp/w/kustomization.yaml")],
            }),
        };
        c.put(&key(1), &Ok(r.clone()));
        assert_eq!(c.get(&key(1)), Some(Ok(r.clone())));
        c.put(&key(4), &Err("accumulating resources: no such file".into()));
        assert_eq!(
            c.get(&key(4)),
            Some(Err("accumulating resources: no such file".into()))
        );
        let mut other = key(1);
        other.inputs[0].1 = State::File([2; 32]);
        assert_eq!(c.get(&other), None, "another input state is a miss");
        assert_eq!(c.get(&key(2)), None);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_truncated_or_corrupt_entry_is_a_miss_and_goes() {
        let (dir, c) = opened("corrupt", DEFAULT_MAX_BYTES);
        let r = Rendering {
            text: "kind: Pod\nmetadata: {name: a}\n".into(),
            base: None,
            reads: None,
        };
        let path = c.path_of(&key(3));
        for damage in [0usize, 1, 2] {
            c.put(&key(3), &Ok(r.clone()));
            let mut bytes = std::fs::read(&path).unwrap();
            match damage {
                0 => bytes.truncate(bytes.len() / 2),
                1 => {
                    let i = bytes.len() - 80;
                    bytes[i] ^= 1;
                }
                _ => bytes = b"not an entry".to_vec(),
            }
            std::fs::write(&path, &bytes).unwrap();
            assert_eq!(c.get(&key(3)), None, "damage {damage}");
            assert!(!path.exists(), "damage {damage}: the entry is removed");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_entries_used_longest_ago_go_first() {
        let (dir, c) = opened("trim", 1);
        let r = Rendering {
            text: "x".repeat(1000),
            base: None,
            reads: None,
        };
        for n in 1..=4 {
            c.put(&key(n), &Ok(r.clone()));
        }
        let size = std::fs::metadata(c.path_of(&key(1))).unwrap().len();
        let old = SystemTime::now() - Duration::from_secs(100);
        for n in 1..=4u8 {
            let f = std::fs::File::options()
                .append(true)
                .open(c.path_of(&key(n)))
                .unwrap();
            f.set_modified(old + Duration::from_secs(n as u64)).unwrap();
        }
        // Entry 1 was used last.
        assert!(c.get(&key(1)).is_some());
        trim_dir(&c.dir, size * 2);
        let left: Vec<u8> = (1..=4).filter(|&n| c.path_of(&key(n)).exists()).collect();
        assert_eq!(
            left,
            vec![1],
            "down to nine tenths of two entries: the newest one"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
