//! What the common-password list costs a process: the time to build the lookup set once and
//! the resident memory it adds. With a file argument, measures that list the same way (to
//! compare lists); without, the list compiled into the server.
//! Prints `entries=… build_ms=… rss_added_kb=…`.

use std::{collections::HashSet, time::Instant};

fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn main() {
    let before = rss_kb();
    let started = Instant::now();
    let entries = match std::env::args().nth(1) {
        Some(path) => {
            let text: &'static str = Box::leak(
                std::fs::read_to_string(path)
                    .expect("a list")
                    .into_boxed_str(),
            );
            let set: HashSet<&str> = text.lines().filter(|l| !l.is_empty()).collect();
            let n = set.len();
            std::mem::forget(set);
            n
        }
        None => server::auth::password::load_common_passwords(),
    };
    let build_ms = started.elapsed().as_secs_f64() * 1000.0;
    println!(
        "entries={entries} build_ms={build_ms:.1} rss_added_kb={}",
        rss_kb().saturating_sub(before)
    );
}
