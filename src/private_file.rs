//! Owner-only files and folders on each platform: Unix modes 0600/0700, Windows access lists that grant the
//! signed-in user alone (`acl`); nothing else in CityTill names a mode or an access list.

use std::fs::{File, OpenOptions};
use std::path::Path;

// The only module besides verify's column reads allowed `unsafe`: the Win32 security calls.
#[cfg(windows)]
#[allow(unsafe_code)]
mod acl;

/// Makes a file created through `options` readable and writable by its owner only (0600 on Unix; on Windows
/// the file gets its access list from `open` or `restrict`, or inherits it from a folder `restrict` made private).
pub fn owner_only(options: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600)
    }
    #[cfg(not(unix))]
    {
        options
    }
}

/// Opens `path` through `options` as an owner-only file: created 0600 on Unix; on Windows given the
/// owner-only access list as soon as it is open, wherever it lives.
pub fn open(options: &mut OpenOptions, path: &Path) -> std::io::Result<File> {
    let file = owner_only(options).open(path)?;
    #[cfg(windows)]
    acl::restrict(path, false)?;
    Ok(file)
}

/// Sets an existing file (0600) or folder (0700) to its owner only; on Windows a protected access list for the
/// current user alone (on a folder, inherited by what is made in it).
pub fn restrict(path: &Path, folder: bool) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(if folder { 0o700 } else { 0o600 }))
    }
    #[cfg(windows)]
    {
        acl::restrict(path, folder)
    }
    #[cfg(not(any(unix, windows)))]
    {
        let _ = (path, folder);
        Ok(())
    }
}

/// When others than the file's owner may read or write it, what is wrong and how to fix it, to follow
/// "the file ": "is mode 644; it must be 0600 (chmod 600)" on Unix; on Windows the accounts its access list
/// lets in besides the user, SYSTEM and Administrators. `None` when it is private.
pub fn open_to_others(path: &Path) -> std::io::Result<Option<String>> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)?.permissions().mode() & 0o777;
        Ok((mode & 0o077 != 0).then(|| format!("is mode {mode:o}; it must be 0600 (chmod 600)")))
    }
    #[cfg(windows)]
    {
        let others = acl::others(path)?;
        Ok((!others.is_empty())
            .then(|| format!("can be read by {}; it must be readable by its owner only (icacls \"{}\" /inheritance:r /grant:r \"%USERNAME%:F\")", others.join(", "), path.display())))
    }
    #[cfg(not(any(unix, windows)))]
    {
        let _ = path;
        Ok(None)
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    // A file others may read is reported with its mode and the chmod that fixes it; a 0600 file is private.
    #[test]
    fn open_to_others_names_the_mode_on_unix() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pin.key");
        std::fs::write(&path, "key").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(super::open_to_others(&path).unwrap().as_deref(), Some("is mode 644; it must be 0600 (chmod 600)"));
        super::restrict(&path, false).unwrap();
        assert_eq!(super::open_to_others(&path).unwrap(), None);
    }
}
