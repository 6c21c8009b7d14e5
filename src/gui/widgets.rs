//! Small view pieces every screen shares: labelled fields, key-labelled buttons, error and notice boxes,
//! and the supervisor approval form (name + PIN on the same screen).

use iced::widget::{button, column, container, text, text_input, Button};
use iced::{Element, Length};

use super::keys::Shortcut;
use super::{theme, wording};

/// A button whose label shows its key, e.g. "Cash [F5]".
pub fn key_button<'a, M: Clone + 'a>(label: &'a str, key: Option<Shortcut>, message: Option<M>) -> Button<'a, M> {
    let label = match key {
        Some(key) => format!("{label} [{}]", key.label()),
        None => label.to_string(),
    };
    button(text(label).size(theme::BODY)).padding([8, 14]).on_press_maybe(message).style(theme::button::secondary)
}

/// A text field with its label above it; `id` lets the screen move focus to it.
pub fn field<'a, M: Clone + 'a>(label: &'a str, id: &'static str, value: &'a str, on_input: impl Fn(String) -> M + 'a, on_submit: Option<M>) -> Element<'a, M> {
    column![
        text(label).size(theme::SMALL).style(theme::text::muted),
        text_input(&placeholder(label), value).style(theme::text_input::field).id(id).on_input(on_input).on_submit_maybe(on_submit).size(theme::BODY).padding(8),
    ]
    .spacing(2)
    .into()
}

/// A field whose refusal, when it has one, is written right under it (in the danger colour): where the cashier
/// is looking, with the bad text selected by the screen so typing replaces it.
pub fn checked_field<'a, M: Clone + 'a>(label: &'a str, id: &'static str, value: &'a str, on_input: impl Fn(String) -> M + 'a, on_submit: Option<M>, refusal: Option<&'a str>) -> Element<'a, M> {
    let field = field(label, id, value, on_input, on_submit);
    with_refusal(field, refusal)
}

/// `element` with `refusal` (if any) written under it.
pub fn with_refusal<'a, M: 'a>(element: Element<'a, M>, refusal: Option<&'a str>) -> Element<'a, M> {
    match refusal {
        Some(problem) => column![element, text(wording::sentence(problem)).size(theme::SMALL).style(theme::text::danger)].spacing(2).into(),
        None => element,
    }
}

/// The hint inside an empty field ("Type user"): distinct from the label above it, so a script can
/// click the field itself by its text.
pub fn placeholder(label: &str) -> String {
    // A label's aside in brackets ("Receipt number (or scan)") is left to the label: the hint must fit the field.
    let short = label.split(" (").next().unwrap_or(label).trim();
    format!("Type {}", short.to_lowercase())
}

/// A PIN field: typed characters are hidden.
pub fn secret_field<'a, M: Clone + 'a>(label: &'a str, id: &'static str, value: &'a str, on_input: impl Fn(String) -> M + 'a, on_submit: Option<M>) -> Element<'a, M> {
    column![
        text(label).size(theme::SMALL).style(theme::text::muted),
        text_input(&placeholder(label), value).style(theme::text_input::field).id(id).secure(true).on_input(on_input).on_submit_maybe(on_submit).size(theme::BODY).padding(8),
    ]
    .spacing(2)
    .into()
}

/// The error box: the library's one-line message as a sentence in the window's terms (`wording`).
pub fn error<'a, M: 'a>(message: Option<&'a str>) -> Element<'a, M> {
    match message {
        Some(message) => container(text(wording::sentence(message)).size(theme::BODY)).padding(10).width(Length::Fill).style(theme::container::error).into(),
        None => column![].into(),
    }
}

/// A confirmation box.
pub fn notice<'a, M: 'a>(message: Option<&'a str>) -> Element<'a, M> {
    match message {
        Some(message) => container(text(wording::sentence(message)).size(theme::BODY)).padding(10).width(Length::Fill).style(theme::container::success).into(),
        None => column![].into(),
    }
}

/// A screen's one outcome line: the error if there is one (an older success line is not shown under it),
/// else the confirmation.
pub fn feedback<'a, M: 'a>(error_text: Option<&'a str>, notice_text: Option<&'a str>) -> Element<'a, M> {
    match error_text {
        Some(_) => error(error_text),
        None => notice(notice_text),
    }
}

/// A question waiting for the cashier's answer (a confirmation, not an error): bold, in a bordered card.
pub fn question<'a, M: 'a>(message: impl text::IntoFragment<'a>) -> Element<'a, M> {
    container(text(message).size(theme::BODY).font(theme::text::BOLD)).padding(10).width(Length::Fill).style(theme::container::question).into()
}

/// The approval form's fields.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Approval {
    pub approver: String,
    pub pin: String,
}

/// How wide a field of an approval form is: "Type supervisor pin" whole inside it at any text scale.
pub const APPROVAL_FIELD_WIDTH: f32 = 200.0;

/// Supervisor name and PIN (ids "approver" and "approver-pin" for focus), a refusal under the field it names
/// (`refusal`: the field's id and the problem).
pub fn approval_form_checked<'a, M: Clone + 'a>(
    approval: &'a Approval,
    on_name: impl Fn(String) -> M + 'a,
    on_pin: impl Fn(String) -> M + 'a,
    submit: M,
    refusal: Option<(&'static str, &'a str)>,
) -> Element<'a, M> {
    let [name, pin] = approval_fields(approval, on_name, on_pin, submit);
    let under = |id: &'static str| refusal.filter(|(field, _)| *field == id).map(|(_, problem)| problem);
    field_row(APPROVAL_FIELD_WIDTH, [with_refusal(name, under("approver")), with_refusal(pin, under("approver-pin"))])
}

/// The approval form's two fields, for a form that lays them out in one `field_row` with its own fields.
pub fn approval_fields<'a, M: Clone + 'a>(approval: &'a Approval, on_name: impl Fn(String) -> M + 'a, on_pin: impl Fn(String) -> M + 'a, submit: M) -> [Element<'a, M>; 2] {
    [field("Supervisor", "approver", &approval.approver, on_name, None), secret_field("Supervisor PIN", "approver-pin", &approval.pin, on_pin, Some(submit))]
}

/// Fields side by side, each `width` wide (room for its hint), wrapping onto the next line where the window
/// is narrow (1024 px at a 150% text scale) rather than squeezing every hint until it is cut.
pub fn field_row<'a, M: 'a>(width: f32, fields: impl IntoIterator<Item = Element<'a, M>>) -> Element<'a, M> {
    iced::widget::Row::with_children(fields.into_iter().map(|field| container(field).width(width).into())).spacing(theme::GAP).wrap().vertical_spacing(theme::GAP).into()
}

/// A screen title.
pub fn title<'a, M: 'a>(label: &'a str) -> Element<'a, M> {
    text(label).size(theme::HEADING).font(theme::text::BOLD).into()
}

#[cfg(test)]
mod tests {
    use super::placeholder;

    // Proves a field's hint leaves the label's bracketed aside out, so it fits a 1024-px-wide form uncut.
    #[test]
    fn placeholders_leave_asides_to_the_label() {
        assert_eq!(placeholder("Receipt number (or scan)"), "Type receipt number");
        assert_eq!(placeholder("Checks (how many)"), "Type checks");
        assert_eq!(placeholder("Supervisor PIN"), "Type supervisor pin");
    }
}
