//! Baseline for the performance benchmark (`bench/run.sh`): the cheapest possible pass over a
//! manifest tree — walk it, read every `.yaml` / `.yml` / `.json` file and drive the
//! saphyr-parser event parser to the end of the stream, single-threaded, building nothing.
//!
//! keelhaul's CPU time and wall time are compared against this.
//!
//! Usage: `cargo run --release --example bare_parse -- DIR [DIR...]`

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use saphyr_parser::{Event, Parser};

fn is_manifest(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

/// Recursive walk with `std::fs` only; entries sorted by name; symlinks are not followed.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let ft = entry.file_type()?;
        if ft.is_dir() {
            walk(&path, out)?;
        } else if ft.is_file() && is_manifest(&path) {
            out.push(path);
        }
    }
    Ok(())
}

#[derive(Default)]
struct Totals {
    files: u64,
    bytes: u64,
    documents: u64,
    events: u64,
    parse_errors: u64,
    read_errors: u64,
}

fn parse_file(text: &str, totals: &mut Totals) {
    let mut parser = Parser::new_from_str(text);
    loop {
        match parser.next_event() {
            None | Some(Ok((Event::StreamEnd, _))) => {
                totals.events += 1;
                break;
            }
            Some(Ok((event, _span))) => {
                if matches!(event, Event::DocumentStart(_)) {
                    totals.documents += 1;
                }
                totals.events += 1;
            }
            Some(Err(_)) => {
                totals.parse_errors += 1;
                break;
            }
        }
    }
}

fn main() -> ExitCode {
    let dirs: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if dirs.is_empty() {
        eprintln!("usage: bare_parse DIR [DIR...]");
        return ExitCode::from(2);
    }
    let start = Instant::now();
    let mut files = Vec::new();
    for dir in &dirs {
        if dir.is_file() {
            files.push(dir.clone());
        } else if let Err(e) = walk(dir, &mut files) {
            eprintln!("bare_parse: {}: {e}", dir.display());
            return ExitCode::from(2);
        }
    }
    let mut totals = Totals::default();
    for path in &files {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                totals.files += 1;
                totals.bytes += text.len() as u64;
                parse_file(&text, &mut totals);
            }
            Err(_) => totals.read_errors += 1,
        }
    }
    let elapsed = start.elapsed();
    println!(
        "files={} bytes={} documents={} events={} parse_errors={} read_errors={} elapsed_ms={}",
        totals.files,
        totals.bytes,
        totals.documents,
        totals.events,
        totals.parse_errors,
        totals.read_errors,
        elapsed.as_millis()
    );
    ExitCode::SUCCESS
}
