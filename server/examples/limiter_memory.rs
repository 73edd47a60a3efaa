//! Resident memory of the in-process rate limiters after a flood of distinct keys: one
//! million email addresses and one million client addresses (IPv6 /64s), as an attacker
//! would send them. Prints `keys=… rss_before_kb=… rss_after_kb=… held=…`.

use server::auth::ratelimit::{Action, Limits};
use std::net::{IpAddr, Ipv6Addr};

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
    const KEYS: u32 = 1_000_000;
    let limits = Limits::new(20, 5);
    let before = rss_kb();
    for i in 0..KEYS {
        let _ = limits.check_address(&format!("flood{i}@example.com"));
        let ip = IpAddr::V6(Ipv6Addr::new(
            0x2001,
            0xdb8,
            (i >> 16) as u16,
            i as u16,
            1,
            2,
            3,
            4,
        ));
        let _ = limits.check_ip(Action::Signup, ip);
    }
    println!(
        "keys={} rss_before_kb={before} rss_after_kb={} held={}",
        2 * KEYS,
        rss_kb(),
        limits.len()
    );
}
