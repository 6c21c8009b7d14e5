//! Files CityTill writes for people (billing exports, reports, PDFs, deposit slips, the log): owner-only
//! (0600) whatever the umask, and a whole file appears at its name or none does (temp name, fsync, rename,
//! fsync of the directory).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Writes `bytes` to `path` as a private file: first to a temp name beside it (created 0600, so the umask
/// cannot widen it), synced, then renamed over `path` and the directory synced, so a crash leaves either
/// the old file or the whole new one, never a part.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().ok_or_else(|| Error::file(path, "is not a file name"))?;
    let temp = dir.join(format!(".{}.tmp-{}", name.to_string_lossy(), std::process::id()));
    let written = (|| -> std::io::Result<()> {
        let mut file = crate::private_file::open(OpenOptions::new().write(true).create(true).truncate(true), &temp)?;
        // A temp file left by a crashed run may have been created under another mode.
        crate::private_file::restrict(&temp, false)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temp, path)?;
        sync_folder(&dir)
    })();
    if let Err(error) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(Error::file(path, error));
    }
    Ok(())
}

/// Opens `path` for appending (the log), creating it 0600 and making an existing one 0600.
pub fn open_private_append(path: &Path) -> std::io::Result<File> {
    let file = crate::private_file::open(OpenOptions::new().create(true).append(true), path)?;
    crate::private_file::restrict(path, false)?;
    Ok(file)
}

/// Makes a rename in `dir` durable (Unix: fsync of the directory; Windows has no directory handle to sync,
/// and its rename is journaled by NTFS).
fn sync_folder(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Whether `path`'s directory exists, checked before work that a file there is the point of.
pub fn check_target(path: &Path) -> Result<()> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() && !dir.is_dir() => Err(Error::invalid("--out", format!("{} is not a directory", dir.display()))),
        _ if path.is_dir() => Err(Error::invalid("--out", format!("{} is a directory", path.display()))),
        _ => Ok(()),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    // Proves a private file is 0600 even when the umask would allow everyone to read and write it, and that an existing wider file is replaced by a 0600 one.
    #[test]
    fn private_files_are_owner_only_whatever_the_umask() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
        write_private(&path, b"new").unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temp file left");
    }
}
