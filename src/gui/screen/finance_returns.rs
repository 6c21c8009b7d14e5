//! The finance screen's autopay return files: a lead picks a file from `<data dir>/autopay/returns` or types
//! its name there, or any file's full path; the window shows what reading it would do (`ops::autopay_returns::preview`: each returned debit's
//! account, amount, return code and meaning, whether it had settled, the fee, and whether its enrolment is
//! suspended) and records it when a supervisor confirms (`autopay_returns::read`, as `citytill autopay
//! returns`). The file is read on the ledger thread both times — its text never reaches the window — and the
//! bytes recorded must be the bytes shown (same SHA-256). A bad file is refused whole, under the path field.

use std::path::{Path, PathBuf};

use citytill::ops::auth::{self, Actor};
use citytill::ops::autopay_returns::{self, ReturnsPreview};
use iced::widget::operation::{focus, select_all};
use iced::widget::{button, column, container, row, scrollable, text, Column};
use iced::{Element, Length, Task};

use super::{FinanceScreen, Message, Step};
use crate::gui::context::Context;
use crate::gui::keys::Shortcut;
use crate::gui::theme;
use crate::gui::widgets::{self, Approval};
use crate::gui::worker::WorkerError;

const RETURN_FILE_ID: &str = "finance-return-file";

/// The largest return file read (a bank's daily return file is a few hundred records).
const MOST_BYTES: u64 = 16 * 1024 * 1024;

/// A return file being looked at, then confirmed. Its Debug leaves the supervisor's PIN out.
#[derive(Clone, Default)]
pub(super) struct ReturnsForm {
    path: String,
    /// The returns folder and the files in it, to pick from.
    folder: PathBuf,
    found: Vec<String>,
    /// What reading the file at `path` would do (cleared when the path is typed again).
    preview: Option<ReturnsPreview>,
    pub(super) approval: Approval,
    /// A refusal under the path field (the file) or under the supervisor's name (the approval).
    file_refusal: Option<String>,
    approver_refusal: Option<String>,
}

impl std::fmt::Debug for ReturnsForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReturnsForm")
            .field("path", &self.path)
            .field("found", &self.found)
            .field("preview", &self.preview)
            .field("approver", &self.approval.approver)
            .field("file_refusal", &self.file_refusal)
            .field("approver_refusal", &self.approver_refusal)
            .finish()
    }
}

impl ReturnsForm {
    /// The file meant: a name (or a relative path) within the returns folder, else the full path typed.
    fn file(&self) -> PathBuf {
        let typed = PathBuf::from(self.path.trim());
        if typed.is_absolute() {
            typed
        } else {
            self.folder.join(typed)
        }
    }

    pub(super) fn set_approver(&mut self, text: String) {
        self.approval.approver = text;
        self.approver_refusal = None;
    }
}

pub(super) fn focus_first() -> Task<Message> {
    focus(RETURN_FILE_ID)
}

/// The folder a bank's return files are put in (offered to pick from).
fn folder(data_dir: &Path) -> PathBuf {
    data_dir.join("autopay").join("returns")
}

/// The file's bytes, read on the ledger thread (never the window's: a slow disk or share cannot stall it).
fn read_file(path: &Path) -> citytill::Result<Vec<u8>> {
    let cannot = |e: std::io::Error| citytill::Error::invalid("file", format!("cannot read {}: {e}", path.display()));
    let metadata = std::fs::metadata(path).map_err(cannot)?;
    if metadata.is_dir() {
        return Err(citytill::Error::invalid("file", format!("{} is a folder; type or pick a file in it", path.display())));
    }
    let size = metadata.len();
    if size > MOST_BYTES {
        return Err(citytill::Error::invalid("file", format!("{} holds {size} bytes; a return file is far smaller", path.display())));
    }
    std::fs::read(path).map_err(cannot)
}

impl FinanceScreen {
    /// F12 on the runs form: the return file form, with the returns folder's files to pick from.
    pub(super) fn start_returns(&mut self, ctx: &Context) -> Task<Message> {
        let dir = folder(&ctx.data_dir);
        self.step = Step::Returns(ReturnsForm { folder: dir.clone(), ..ReturnsForm::default() });
        self.error = None;
        self.notice = None;
        let listing = Task::perform(
            ctx.worker.run(move |_| {
                let Ok(entries) = std::fs::read_dir(&dir) else { return Ok(Vec::new()) };
                let mut names: Vec<String> = entries.filter_map(|e| e.ok()).filter(|e| e.path().is_file()).map(|e| e.file_name().to_string_lossy().into_owned()).collect();
                names.sort();
                names.reverse();
                Ok(names)
            }),
            Message::ReturnFiles,
        );
        Task::batch([listing, focus(RETURN_FILE_ID)])
    }

    pub(super) fn return_files(&mut self, result: Result<Vec<String>, WorkerError>) -> Task<Message> {
        match result {
            Ok(found) => {
                if let Step::Returns(form) = &mut self.step {
                    form.found = found;
                }
                Task::none()
            }
            // Not being able to list the folder is said in the banner; the path can still be typed.
            Err(error) if matches!(self.step, Step::Returns(_)) => self.fail(error.into()),
            Err(_) => Task::none(),
        }
    }

    /// The path typed: whatever was shown for another file no longer holds.
    pub(super) fn return_file_typed(&mut self, text: String) -> Task<Message> {
        if let Step::Returns(form) = &mut self.step {
            form.path = text;
            form.preview = None;
            form.file_refusal = None;
        }
        Task::none()
    }

    /// Enter on the path (or a file picked): the file is read and checked on the ledger thread, nothing written.
    pub(super) fn preview_returns(&mut self, ctx: &Context, actor: &Actor) -> Task<Message> {
        let Step::Returns(form) = &mut self.step else { return Task::none() };
        let path = form.file();
        if form.path.trim().is_empty() {
            form.file_refusal = Some("file: type the return file's name or path, or pick one below".into());
            return focus(RETURN_FILE_ID);
        }
        self.error = None;
        let (settings, actor) = (ctx.settings.clone(), actor.clone());
        Task::perform(ctx.worker.run(move |ledger| autopay_returns::preview(&*ledger.read()?, &settings, &actor, &read_file(&path)?)), Message::Previewed)
    }

    pub(super) fn previewed(&mut self, result: Result<ReturnsPreview, WorkerError>) -> Task<Message> {
        let Step::Returns(form) = &mut self.step else { return Task::none() };
        match result {
            Err(error) if !error.is_refusal() => self.fail(error.into()),
            Ok(preview) => {
                form.preview = Some(preview);
                form.file_refusal = None;
                focus("approver")
            }
            Err(problem) => {
                form.preview = None;
                form.file_refusal = Some(problem.into());
                focus(RETURN_FILE_ID).chain(select_all(RETURN_FILE_ID))
            }
        }
    }

    /// Enter on the supervisor's PIN: the file is read again; if it is still the file shown, the supervisor's
    /// PIN is checked and the returns are recorded in one entry.
    pub(super) fn returns_submitted(&mut self, ctx: &Context, actor: &Actor) -> Task<Message> {
        if self.busy {
            return Task::none();
        }
        let Step::Returns(form) = &mut self.step else { return Task::none() };
        let Some(shown) = form.preview.as_ref().map(|p| p.sha256.clone()) else {
            form.file_refusal = Some("file: press Enter on the path to see what the file would do first".into());
            return focus(RETURN_FILE_ID);
        };
        let pin = std::mem::take(&mut form.approval.pin);
        let approver = form.approval.approver.trim().to_string();
        if approver.is_empty() {
            form.approver_refusal = Some("approver: a supervisor types their name and PIN".into());
            return focus("approver");
        }
        let path = form.file();
        self.error = None;
        self.busy = true;
        let (settings, actor) = (ctx.settings.clone(), actor.clone());
        Task::perform(
            ctx.worker.run(move |ledger| {
                let bytes = read_file(&path)?;
                let now = autopay_returns::preview(&*ledger.read()?, &settings, &actor, &bytes)?;
                if now.sha256 != shown {
                    return Err(citytill::Error::refused("file", format!("{} changed since it was shown; press Enter on the path to look at it again", path.display())));
                }
                let approving = auth::approve(ledger, &settings, &actor, &approver, &pin, "autopay returns")?;
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                let read = autopay_returns::read(ledger, &settings, &actor, &approving, &name, &bytes)?;
                let suspended = if read.suspended.is_empty() { "no enrolment suspended".to_string() } else { format!("suspended {}", read.suspended.join(", ")) };
                Ok(format!("{} returns from {name} recorded, approved by {}: {} reversed, {} in fees; {suspended}.", read.returns, approving.name, read.reversed.grouped(), read.fees.grouped()))
            }),
            Message::ReturnsRecorded,
        )
    }

    pub(super) fn returns_recorded(&mut self, result: Result<String, WorkerError>, ctx: &Context) -> Task<Message> {
        self.busy = false;
        match result {
            Ok(line) => {
                self.step = Step::List;
                self.notice = Some(line);
                self.error = None;
                self.load(ctx)
            }
            Err(problem) if !problem.is_refusal() => self.fail(problem.into()),
            Err(problem) => {
                let Step::Returns(form) = &mut self.step else { return Task::none() };
                if problem.field_on(&[("approver", "approver"), ("pin", "approver")]).is_some() {
                    form.approver_refusal = Some(problem.into());
                    focus("approver").chain(select_all("approver"))
                } else {
                    form.preview = None;
                    form.file_refusal = Some(problem.into());
                    focus(RETURN_FILE_ID).chain(select_all(RETURN_FILE_ID))
                }
            }
        }
    }

    /// The returns shown for the file (for the tests).
    #[cfg(test)]
    pub(super) fn returns_preview(&self) -> Option<&ReturnsPreview> {
        match &self.step {
            Step::Returns(form) => form.preview.as_ref(),
            _ => None,
        }
    }

    /// The refusal under the return file's path (for the tests).
    #[cfg(test)]
    pub(super) fn return_file_refusal(&self) -> Option<&str> {
        match &self.step {
            Step::Returns(form) => form.file_refusal.as_deref(),
            _ => None,
        }
    }

    pub(super) fn returns_form<'a>(&'a self, form: &'a ReturnsForm) -> Element<'a, Message> {
        let path = widgets::checked_field(
            "Return file (its name in autopay/returns, or a full path)",
            RETURN_FILE_ID,
            &form.path,
            Message::ReturnFile,
            Some(Message::ReturnFileSubmitted),
            form.file_refusal.as_deref(),
        );
        let mut details = column![
            text("The bank's NACHA return file: each returned debit is reversed like a returned check, the return fee charged, and the enrolment suspended where the code says so (R02, R03, R04, R07, R10). Nothing is recorded until a supervisor confirms.")
                .size(theme::SMALL)
                .style(theme::text::muted),
            container(path).width(Length::Fill),
        ]
        .spacing(theme::GAP)
        .padding(iced::Padding { right: 16.0, ..iced::Padding::ZERO });
        if form.preview.is_none() && !form.found.is_empty() {
            let mut picks = row![text("Pick:").size(theme::SMALL).style(theme::text::muted)].spacing(8);
            for name in form.found.iter().take(12) {
                picks = picks.push(button(text(name.as_str()).size(theme::BODY)).padding([4, 10]).on_press(Message::PickReturnFile(name.clone())).style(theme::button::secondary));
            }
            details = details.push(picks.wrap().vertical_spacing(8));
        }
        let mut actions = row![].spacing(8);
        if let Some(preview) = &form.preview {
            details = details.push(preview_view(preview));
            let submit = button(text(format!("Record {} returns [Enter]", preview.lines.len())).size(theme::BODY))
                .padding([8, 14])
                .on_press_maybe((!self.busy).then_some(Message::ReturnsSubmitted))
                .style(theme::button::primary);
            actions = actions.push(submit);
        } else {
            actions = actions.push(button(text("Look at the file [Enter]").size(theme::BODY)).padding([8, 14]).on_press(Message::ReturnFileSubmitted).style(theme::button::primary));
        }
        let actions = actions.push(widgets::key_button("Back", Some(Shortcut::Cancel), Some(Message::Cancel)));
        let mut bottom = column![].spacing(8);
        if form.preview.is_some() {
            let refusal = form.approver_refusal.as_deref().map(|problem| ("approver", problem));
            bottom = bottom.push(widgets::approval_form_checked(&form.approval, Message::Approver, Message::Pin, Message::ReturnsSubmitted, refusal));
        }
        container(column![scrollable(details).height(Length::Fill), bottom.push(actions)].spacing(theme::GAP)).padding(14).width(Length::Fill).height(Length::Fill).style(theme::container::card).into()
    }
}

/// Each returned debit, then what the file does in all.
fn preview_view(preview: &ReturnsPreview) -> Element<'_, Message> {
    let cell = |label: &'static str, width: f32| text(label).size(theme::SMALL).style(theme::text::muted).width(width);
    let mut table = Column::new().spacing(2).push(
        row![cell("Line", 45.0), cell("Enrolment", 80.0), cell("Account", 110.0), cell("Amount", 90.0), cell("Return", 230.0), cell("Was", 80.0), cell("Fee", 70.0), cell("Then", 100.0)].spacing(6),
    );
    for line in &preview.lines {
        let meaning = line.meaning.map_or_else(|| line.code.clone(), |m| format!("{} {m}", line.code));
        let enrolment = if line.suspends { text("suspended").font(theme::text::BOLD).style(theme::text::danger) } else { text("stays") };
        table = table.push(
            row![
                text(line.line.to_string()).size(theme::BODY).width(45),
                text(line.enrolment.as_str()).size(theme::BODY).width(80),
                text(line.account.as_str()).size(theme::BODY).width(110),
                text(line.amount.grouped()).size(theme::BODY).width(90),
                text(meaning).size(theme::BODY).width(230),
                text(if line.settled { "settled" } else { "pending" }).size(theme::BODY).width(80),
                text(line.fee.grouped()).size(theme::BODY).width(70),
                enrolment.size(theme::BODY).width(100),
            ]
            .spacing(6),
        );
    }
    let suspended = if preview.suspended.is_empty() { "no enrolment is suspended".to_string() } else { format!("{} suspended", preview.suspended.join(", ")) };
    let total = format!("{} returned debits: {} reversed, {} in return fees; {suspended}.", preview.lines.len(), preview.reversed.grouped(), preview.fees.grouped());
    container(column![text("What this file does").size(theme::BODY).font(theme::text::BOLD), table, text(total).size(theme::BODY).font(theme::text::BOLD)].spacing(6))
        .padding(10)
        .width(Length::Fill)
        .style(theme::container::card)
        .into()
}
