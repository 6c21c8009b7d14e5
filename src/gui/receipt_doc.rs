//! The window's door to the library's receipt builder (`citytill::ops::receipt_doc`): the printed
//! receipt is built from the recorded payment, never from what the form showed.

use citytill::config::Settings;
use citytill::ops::query::ReceiptInfo;
use citytill_hardware::receipt::Receipt;

pub use citytill::ops::receipt_doc::tender_label;

/// The receipt for a recorded payment. `duplicate` marks a reprint; `training` a demo city.
pub fn receipt_document(settings: &Settings, info: &ReceiptInfo, training: bool, duplicate: bool) -> Result<Receipt, String> {
    citytill::ops::receipt_doc::build(settings, info, duplicate, training).map_err(|e| e.to_string())
}
