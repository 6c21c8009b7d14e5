//! Owner-only files and folders on each platform: Unix modes 0600/0700 here, and nothing else in CityTill names a mode.
//!
//! On Windows a mode means nothing; the files then keep the ACL they inherit from the folder they are made in
//! (under the user's profile, which is the user's own). Restrictive ACLs of their own are not set yet.

use std::fs::OpenOptions;
use std::path::Path;

/// Makes a file created through `options` readable and writable by its owner only (0600 on Unix).
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

/// Sets an existing file (0600) or folder (0700) to its owner only; nothing to do on Windows.
pub fn restrict(path: &Path, folder: bool) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(if folder { 0o700 } else { 0o600 }))
    }
    #[cfg(not(unix))]
    {
        let _ = (path, folder);
        Ok(())
    }
}

/// The file's mode when others than its owner may read or write it (Unix); `None` when it is private
/// or the platform has no modes.
pub fn open_to_others(meta: &std::fs::Metadata) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        (mode & 0o077 != 0).then_some(mode)
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        None
    }
}
