//! A receipt printer installed as a Windows printer: RAW ESC/POS bytes sent through the print spooler (Windows only).
//!
//! The spooler gives no ESC/POS status answers, so the link cannot read: the printer's status is "unknown",
//! never a false "ok". This is the only module of the hardware crate that uses `unsafe` (the winspool calls).
#![allow(unsafe_code)]

use crate::claim::Claim;
use crate::transport::{Link, TransportError};
use std::time::Duration;
use windows_sys::Win32::Graphics::Printing::{ClosePrinter, EndDocPrinter, EndPagePrinter, OpenPrinterW, StartDocPrinterW, StartPagePrinter, WritePrinter, DOC_INFO_1W, PRINTER_HANDLE};

/// Wide, NUL-terminated text for the Win32 calls.
fn wide(text: &str) -> Vec<u16> {
    text.encode_utf16().chain(std::iter::once(0)).collect()
}

/// An open spooler printer handle.
struct Handle(PRINTER_HANDLE);

// SAFETY: a spooler handle is not tied to the thread that opened it; it is used by one owner at a time.
unsafe impl Send for Handle {}

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: the handle came from a successful OpenPrinterW and is closed once, here.
        unsafe {
            ClosePrinter(self.0);
        }
    }
}

/// A spooler printer by its Windows name; each write is one RAW document.
pub struct SpoolerLink {
    handle: Handle,
    target: String,
    _claim: Claim,
}

impl SpoolerLink {
    /// Opens the Windows printer named `printer` and claims it in this program.
    pub fn open(printer: &str, owner: &str) -> Result<Self, TransportError> {
        let target = format!("Windows printer {printer:?}");
        let claim = Claim::take(&target, owner)?;
        let name = wide(printer);
        let mut handle = PRINTER_HANDLE { Value: std::ptr::null_mut() };
        // SAFETY: `name` is NUL-terminated and outlives the call; `handle` is a valid out pointer; no defaults.
        let opened = unsafe { OpenPrinterW(name.as_ptr(), &mut handle, std::ptr::null()) };
        if opened == 0 || handle.Value.is_null() {
            return Err(TransportError::Open { target, problem: format!("the spooler does not know this printer ({})", std::io::Error::last_os_error()) });
        }
        Ok(Self { handle: Handle(handle), target, _claim: claim })
    }

    fn document(&mut self, bytes: &[u8]) -> Result<(), String> {
        let mut doc_name = wide("CityTill receipt");
        let mut datatype = wide("RAW");
        let info = DOC_INFO_1W { pDocName: doc_name.as_mut_ptr(), pOutputFile: std::ptr::null_mut(), pDatatype: datatype.as_mut_ptr() };
        let handle = self.handle.0;
        let last = || std::io::Error::last_os_error().to_string();
        // SAFETY: the handle is open; `info` and the strings it points to outlive the calls.
        if unsafe { StartDocPrinterW(handle, 1, &info) } == 0 {
            return Err(format!("StartDocPrinter: {}", last()));
        }
        let written = self.pages(bytes);
        // SAFETY: a document was started on this open handle.
        let ended = unsafe { EndDocPrinter(handle) } != 0;
        written?;
        if ended {
            Ok(())
        } else {
            Err(format!("EndDocPrinter: {}", last()))
        }
    }

    fn pages(&mut self, bytes: &[u8]) -> Result<(), String> {
        let handle = self.handle.0;
        let last = || std::io::Error::last_os_error().to_string();
        // SAFETY: the handle is open and a document is started.
        if unsafe { StartPagePrinter(handle) } == 0 {
            return Err(format!("StartPagePrinter: {}", last()));
        }
        let mut rest = bytes;
        let mut result = Ok(());
        while !rest.is_empty() {
            let chunk = &rest[..rest.len().min(1 << 20)];
            let mut written = 0u32;
            // SAFETY: `chunk` is valid for its length (at most 1 MiB, fits u32); `written` is a valid out pointer.
            let ok = unsafe { WritePrinter(handle, chunk.as_ptr().cast(), chunk.len() as u32, &mut written) } != 0;
            if !ok || written == 0 {
                result = Err(format!("WritePrinter: {}", last()));
                break;
            }
            rest = &rest[(written as usize).min(rest.len())..];
        }
        // SAFETY: a page was started on this open handle.
        unsafe {
            EndPagePrinter(handle);
        }
        result
    }
}

impl Link for SpoolerLink {
    fn write_all(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        if bytes.is_empty() {
            return Ok(());
        }
        self.document(bytes).map_err(|problem| TransportError::Io { target: self.target.clone(), problem })
    }

    fn read_timeout(&mut self, _buf: &mut [u8], _timeout: Duration) -> Result<usize, TransportError> {
        Err(TransportError::Unsupported { target: self.target.clone() })
    }

    fn can_read(&self) -> bool {
        false
    }

    fn describe(&self) -> String {
        self.target.clone()
    }
}
