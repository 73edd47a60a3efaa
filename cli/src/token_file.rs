//! `~/.msgsg_token`: created with mode 0600 from the start (never widened, never chmod-ed
//! after writing) and replaced atomically.

use std::{
    fs,
    io::{self, Write},
    os::unix::fs::OpenOptionsExt,
    path::PathBuf,
};

pub fn path() -> PathBuf {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    home.join(".msgsg_token")
}

pub fn save(token: &str) -> io::Result<()> {
    let target = path();
    let temporary = target.with_extension(format!("tmp{}", std::process::id()));
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temporary)?;
    let written = file
        .write_all(token.as_bytes())
        .and_then(|_| file.sync_all());
    if let Err(e) = written {
        let _ = fs::remove_file(&temporary);
        return Err(e);
    }
    fs::rename(&temporary, &target)
}

pub fn load() -> Option<String> {
    let token = fs::read_to_string(path()).ok()?;
    let token = token.trim();
    (!token.is_empty()).then(|| token.to_owned())
}

pub fn remove() -> io::Result<()> {
    match fs::remove_file(path()) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}
