//! The schema's SQL files are embedded by `sqlx::migrate!`: a changed file rebuilds the
//! server. `SKIP_POSTGRES=1` marks the PostgreSQL variants of the tests ignored (shown as
//! such by `cargo test`) on machines without PostgreSQL.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-env-changed=SKIP_POSTGRES");
    println!("cargo::rustc-check-cfg=cfg(skip_postgres)");
    if std::env::var("SKIP_POSTGRES").is_ok_and(|v| v == "1") {
        println!("cargo:rustc-cfg=skip_postgres");
    }
}
