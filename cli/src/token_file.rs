//! `~/.msgsg_token` (the session) and `~/.msgsg_device` (the proof that this machine signed
//! in before, so a stranger's wrong passwords do not lock it out): each created with mode
//! 0600 from the start (never widened, never chmod-ed after writing) and replaced atomically.

use std::{
    fs,
    io::{self, Write},
    os::unix::fs::OpenOptionsExt,
    path::PathBuf,
};

fn in_home(name: &str) -> PathBuf {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    home.join(name)
}

pub fn path() -> PathBuf {
    in_home(".msgsg_token")
}

fn device_path() -> PathBuf {
    in_home(".msgsg_device")
}

pub fn save(token: &str) -> io::Result<()> {
    write_private(&path(), token)
}

/// The device cookie the console gave this machine at its last sign-in.
pub fn save_device(value: &str) -> io::Result<()> {
    write_private(&device_path(), value)
}

pub fn load_device() -> Option<String> {
    read(&device_path())
}

fn write_private(target: &std::path::Path, value: &str) -> io::Result<()> {
    let temporary = target.with_extension(format!("tmp{}", std::process::id()));
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temporary)?;
    let written = file
        .write_all(value.as_bytes())
        .and_then(|_| file.sync_all());
    if let Err(e) = written {
        let _ = fs::remove_file(&temporary);
        return Err(e);
    }
    fs::rename(&temporary, target)
}

pub fn load() -> Option<String> {
    read(&path())
}

fn read(file: &std::path::Path) -> Option<String> {
    let value = fs::read_to_string(file).ok()?;
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

pub fn remove() -> io::Result<()> {
    match fs::remove_file(path()) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}
