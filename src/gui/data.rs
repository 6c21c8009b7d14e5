//! Ledger calls the window needs that `citytill::ops` / `citytill::reports` do not offer as one function yet.

use citytill::domain::states::BatchItemState;
use citytill::ledger::Ledger;

/// A batch's items as the batches screen lists them: held ones (not yet on an account) and posted ones.
pub fn batch_items(ledger: &Ledger, batch: &str) -> citytill::Result<Vec<citytill::domain::events::BatchItem>> {
    let reader = ledger.read()?;
    let mut items = citytill::ops::batch::items_in_state(&reader, batch, BatchItemState::Held)?;
    items.extend(citytill::ops::batch::items_in_state(&reader, batch, BatchItemState::Posted)?);
    items.sort_by_key(|item| item.item);
    Ok(items)
}

/// Writes a report rendered in `format` to `<data dir>/reports/<name>-<date>.<ext>` (synced) and returns the path.
pub fn save_report(data_dir: &std::path::Path, document: &citytill::reports::Document, format: citytill::reports::Format) -> citytill::Result<std::path::PathBuf> {
    save_as(data_dir, &format!("{}-{}", document.report, document.date), document, format)
}

/// Writes a document rendered in `format` to `<data dir>/reports/<stem>.<ext>` (synced) and returns the path.
pub fn save_as(data_dir: &std::path::Path, stem: &str, document: &citytill::reports::Document, format: citytill::reports::Format) -> citytill::Result<std::path::PathBuf> {
    let extension = match format {
        citytill::reports::Format::Text => "txt",
        citytill::reports::Format::Csv => "csv",
        citytill::reports::Format::Json => "json",
        citytill::reports::Format::Pdf => "pdf",
    };
    let dir = data_dir.join("reports");
    std::fs::create_dir_all(&dir).map_err(|e| citytill::Error::file(&dir, e))?;
    let path = dir.join(format!("{stem}.{extension}"));
    let bytes = citytill::reports::render(document, format)?;
    citytill::files::write_private(&path, &bytes)?;
    Ok(path)
}
