//! Owner-only files and folders on Windows: a protected access list that grants the signed-in user alone, and
//! the check that names whoever else a file's access list lets in (Windows only; the Win32 security calls).
//!
//! The one ACE is the current user's (full control; on a folder it is inherited by what is made inside it, so
//! SQLite's WAL and shared-memory files are covered too). SYSTEM and Administrators get no ACE of their own:
//! like root on Unix they can take ownership of any file anyway, and backup software reads through the
//! backup privilege, which bypasses access lists. Inheritance from the parent is cut (PROTECTED), so a profile
//! or shared folder that lets Users in does not leak into CityTill's files.

use std::ffi::c_void;
use std::io;
use std::os::windows::ffi::OsStrExt;
use std::path::Path;

use windows_sys::Win32::Foundation::{CloseHandle, LocalFree, HANDLE, HLOCAL};
use windows_sys::Win32::Security::Authorization::{ConvertSidToStringSidW, GetNamedSecurityInfoW, SE_FILE_OBJECT};
use windows_sys::Win32::Security::{
    AclSizeInformation, AddAccessAllowedAceEx, EqualSid, GetAce, GetAclInformation, GetLengthSid, GetTokenInformation, InitializeAcl, InitializeSecurityDescriptor, IsWellKnownSid, LookupAccountSidW,
    SetFileSecurityW, SetSecurityDescriptorControl, SetSecurityDescriptorDacl, TokenUser, WinBuiltinAdministratorsSid, WinLocalSystemSid, ACCESS_ALLOWED_ACE, ACE_HEADER, ACL, ACL_REVISION,
    ACL_SIZE_INFORMATION, CONTAINER_INHERIT_ACE, DACL_SECURITY_INFORMATION, INHERIT_ONLY_ACE, OBJECT_INHERIT_ACE, PROTECTED_DACL_SECURITY_INFORMATION, PSECURITY_DESCRIPTOR, PSID, SECURITY_DESCRIPTOR,
    SE_DACL_PROTECTED, SID_NAME_USE, TOKEN_QUERY, TOKEN_USER,
};
use windows_sys::Win32::Storage::FileSystem::FILE_ALL_ACCESS;
use windows_sys::Win32::System::SystemServices::{ACCESS_ALLOWED_ACE_TYPE, SECURITY_DESCRIPTOR_REVISION};
use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};

/// Rights that let a principal read or change a file's contents or its access list (GENERIC_ALL, GENERIC_WRITE,
/// GENERIC_READ, WRITE_OWNER, WRITE_DAC, FILE_APPEND_DATA, FILE_WRITE_DATA, FILE_READ_DATA).
const READ_OR_WRITE: u32 = 0x1000_0000 | 0x4000_0000 | 0x8000_0000 | 0x0008_0000 | 0x0004_0000 | 0x0004 | 0x0002 | 0x0001;

/// A path as wide, NUL-terminated text for the Win32 calls.
fn wide(path: &Path) -> Vec<u16> {
    path.as_os_str().encode_wide().chain(std::iter::once(0)).collect()
}

/// The signed-in user's SID, in a buffer that keeps it alive (a TOKEN_USER, whose SID points into the buffer).
struct CurrentUser {
    buffer: Vec<u64>,
}

impl CurrentUser {
    fn get() -> io::Result<CurrentUser> {
        let mut token: HANDLE = std::ptr::null_mut();
        // SAFETY: GetCurrentProcess returns a pseudo-handle; `token` receives a handle we close below.
        if unsafe { OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) } == 0 {
            return Err(io::Error::last_os_error());
        }
        let mut needed = 0u32;
        // SAFETY: a size query (null buffer, length 0) writes only `needed`.
        unsafe { GetTokenInformation(token, TokenUser, std::ptr::null_mut(), 0, &mut needed) };
        let mut buffer = vec![0u64; (needed as usize).div_ceil(8).max(std::mem::size_of::<TOKEN_USER>().div_ceil(8))];
        let length = u32::try_from(buffer.len() * 8).unwrap_or(u32::MAX);
        // SAFETY: the buffer is `length` bytes, 8-aligned (enough for TOKEN_USER), and outlives the call.
        let read = unsafe { GetTokenInformation(token, TokenUser, buffer.as_mut_ptr().cast(), length, &mut needed) };
        let error = io::Error::last_os_error();
        // SAFETY: `token` came from a successful OpenProcessToken and is closed once.
        unsafe { CloseHandle(token) };
        if read == 0 {
            return Err(error);
        }
        Ok(CurrentUser { buffer })
    }

    fn sid(&self) -> PSID {
        // SAFETY: GetTokenInformation(TokenUser) filled the buffer with a TOKEN_USER at its start.
        unsafe { (*self.buffer.as_ptr().cast::<TOKEN_USER>()).User.Sid }
    }
}

/// Gives `path` a protected access list with one ACE: the current user, full control (inherited by what is
/// made inside when `folder`).
pub fn restrict(path: &Path, folder: bool) -> io::Result<()> {
    let user = CurrentUser::get()?;
    // SAFETY: the SID is valid while `user` lives.
    let sid_length = unsafe { GetLengthSid(user.sid()) } as usize;
    let size = (std::mem::size_of::<ACL>() + std::mem::size_of::<ACCESS_ALLOWED_ACE>() - std::mem::size_of::<u32>() + sid_length).next_multiple_of(4);
    let mut acl = vec![0u32; size / 4];
    let acl_ptr = acl.as_mut_ptr().cast::<ACL>();
    let size = u32::try_from(size).unwrap_or(u32::MAX);
    let inherit = if folder { OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE } else { 0 };
    // SAFETY: `acl` is `size` bytes, 4-aligned, and holds the header and the one ACE; the SID is valid.
    if unsafe { InitializeAcl(acl_ptr, size, ACL_REVISION) } == 0 || unsafe { AddAccessAllowedAceEx(acl_ptr, ACL_REVISION, inherit, FILE_ALL_ACCESS, user.sid()) } == 0 {
        return Err(io::Error::last_os_error());
    }
    // A descriptor holding only that DACL, marked protected. SetFileSecurityW stores exactly this; wine's
    // SetNamedSecurityInfoW ignores PROTECTED and merges the parent folder's inheritable ACEs (Everyone among
    // them), so it is not used.
    let mut descriptor = SECURITY_DESCRIPTOR::default();
    let descriptor_ptr: PSECURITY_DESCRIPTOR = (&mut descriptor as *mut SECURITY_DESCRIPTOR).cast();
    // SAFETY: `descriptor` is a SECURITY_DESCRIPTOR that outlives the calls; the ACL it points to outlives them too.
    let built = unsafe {
        InitializeSecurityDescriptor(descriptor_ptr, SECURITY_DESCRIPTOR_REVISION) != 0
            && SetSecurityDescriptorDacl(descriptor_ptr, 1, acl_ptr, 0) != 0
            && SetSecurityDescriptorControl(descriptor_ptr, SE_DACL_PROTECTED, SE_DACL_PROTECTED) != 0
    };
    if !built {
        return Err(io::Error::last_os_error());
    }
    let name = wide(path);
    // SAFETY: `name` is NUL-terminated; the descriptor and its DACL are valid; only the DACL is set.
    if unsafe { SetFileSecurityW(name.as_ptr(), DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION, descriptor_ptr) } == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// A security descriptor from GetNamedSecurityInfoW, freed on drop.
struct Descriptor(PSECURITY_DESCRIPTOR);

impl Drop for Descriptor {
    fn drop(&mut self) {
        // SAFETY: the descriptor was allocated by GetNamedSecurityInfoW with LocalAlloc and is freed once.
        unsafe { LocalFree(self.0 as HLOCAL) };
    }
}

/// The principals other than the current user, SYSTEM and Administrators that `path`'s access list lets read
/// or write it, by name ("Everyone", "BUILTIN\Users"); empty when the file is private. A file with no access
/// list at all (a NULL DACL) is open to everyone.
pub fn others(path: &Path) -> io::Result<Vec<String>> {
    let user = CurrentUser::get()?;
    let name = wide(path);
    let mut dacl: *mut ACL = std::ptr::null_mut();
    let mut descriptor: PSECURITY_DESCRIPTOR = std::ptr::null_mut();
    // SAFETY: `name` is NUL-terminated; `dacl` points into `descriptor`, which is freed after its last use.
    let status =
        unsafe { GetNamedSecurityInfoW(name.as_ptr(), SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, std::ptr::null_mut(), std::ptr::null_mut(), &mut dacl, std::ptr::null_mut(), &mut descriptor) };
    if status != 0 {
        return Err(io::Error::from_raw_os_error(status as i32));
    }
    let _descriptor = Descriptor(descriptor);
    if dacl.is_null() {
        return Ok(vec!["Everyone (the file has no access list)".to_string()]);
    }
    let mut info = ACL_SIZE_INFORMATION::default();
    let info_size = std::mem::size_of::<ACL_SIZE_INFORMATION>() as u32;
    // SAFETY: `dacl` is a valid ACL inside the descriptor; `info` is the size the class asks for.
    if unsafe { GetAclInformation(dacl, (&mut info as *mut ACL_SIZE_INFORMATION).cast(), info_size, AclSizeInformation) } == 0 {
        return Err(io::Error::last_os_error());
    }
    let mut names = Vec::new();
    for index in 0..info.AceCount {
        let mut ace: *mut c_void = std::ptr::null_mut();
        // SAFETY: `index` is below the ACL's ACE count; `ace` then points at an ACE inside the ACL.
        if unsafe { GetAce(dacl, index, &mut ace) } == 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: every ACE starts with an ACE_HEADER.
        let header = unsafe { *ace.cast::<ACE_HEADER>() };
        if u32::from(header.AceType) != ACCESS_ALLOWED_ACE_TYPE || u32::from(header.AceFlags) & INHERIT_ONLY_ACE != 0 {
            continue;
        }
        let allowed = ace.cast::<ACCESS_ALLOWED_ACE>();
        // SAFETY: an ACCESS_ALLOWED ACE is a header, a mask and the SID starting at SidStart.
        let (mask, sid) = unsafe { ((*allowed).Mask, std::ptr::addr_of_mut!((*allowed).SidStart).cast::<c_void>()) };
        // SAFETY: both SIDs are valid for the duration of the calls.
        let exempt = unsafe { EqualSid(sid, user.sid()) != 0 || IsWellKnownSid(sid, WinLocalSystemSid) != 0 || IsWellKnownSid(sid, WinBuiltinAdministratorsSid) != 0 };
        if mask & READ_OR_WRITE != 0 && !exempt {
            let who = account_name(sid);
            if !names.contains(&who) {
                names.push(who);
            }
        }
    }
    Ok(names)
}

/// A SID's account name ("Everyone", "BUILTIN\Users"), or its S-1-… text when it has none.
fn account_name(sid: PSID) -> String {
    let (mut name, mut domain) = ([0u16; 256], [0u16; 256]);
    let (mut name_len, mut domain_len) = (256u32, 256u32);
    let mut kind: SID_NAME_USE = 0;
    // SAFETY: the buffers are as long as the lengths passed; the SID is valid.
    let found = unsafe { LookupAccountSidW(std::ptr::null(), sid, name.as_mut_ptr(), &mut name_len, domain.as_mut_ptr(), &mut domain_len, &mut kind) } != 0;
    if found {
        let text = |buffer: &[u16], length: u32| String::from_utf16_lossy(&buffer[..(length as usize).min(buffer.len())]);
        let (name, domain) = (text(&name, name_len), text(&domain, domain_len));
        return if domain.is_empty() { name } else { format!("{domain}\\{name}") };
    }
    let mut text: *mut u16 = std::ptr::null_mut();
    // SAFETY: on success `text` is a NUL-terminated LocalAlloc'd string, read up to its NUL and freed once.
    unsafe {
        if ConvertSidToStringSidW(sid, &mut text) == 0 || text.is_null() {
            return "an unnamed account".to_string();
        }
        let length = (0..).take_while(|&i| *text.add(i) != 0).count();
        let string = String::from_utf16_lossy(std::slice::from_raw_parts(text, length));
        LocalFree(text as HLOCAL);
        string
    }
}
