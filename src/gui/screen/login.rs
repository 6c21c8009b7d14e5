//! Login and lock screen: user + PIN, the library's lockout message as is, and unlock after idle.

use citytill::ops::auth::{self, Actor};
use iced::widget::{button, column, container, text};
use iced::{Element, Length, Task};

use crate::gui::context::Context;
use crate::gui::worker::WorkerError;
use crate::gui::{theme, widgets};

pub const NAME_ID: &str = "login-name";
pub const PIN_ID: &str = "login-pin";

/// The screen's state is its own: the app sends it `Message`s and hears `Event`s.
#[derive(Debug, Default)]
pub struct Login {
    name: String,
    pin: String,
    error: Option<String>,
    busy: bool,
    /// Set when the window locked itself: who was signed in.
    locked_from: Option<String>,
}

#[derive(Clone, Debug)]
pub enum Message {
    Name(String),
    Pin(String),
    Submit,
    Done(Result<Actor, WorkerError>),
}

/// What the login tells the app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// Signed in; `replaced` names the cashier who was signed in before the lock, if someone else.
    SignedIn { actor: Actor, replaced: Option<String> },
}

impl Login {
    /// The lock screen after idle time: the name is kept, the PIN is asked again.
    pub fn lock(&mut self, user: &str) -> Task<Message> {
        *self = Login { name: user.to_string(), locked_from: Some(user.to_string()), ..Login::default() };
        iced::widget::operation::focus(PIN_ID)
    }

    /// Why the last sign-in was refused or failed, as shown.
    #[cfg(test)]
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    pub fn focus(&self) -> Task<Message> {
        iced::widget::operation::focus(if self.name.is_empty() { NAME_ID } else { PIN_ID })
    }

    pub fn update(&mut self, message: Message, ctx: &Context) -> (Task<Message>, Option<Event>) {
        match message {
            Message::Name(name) => self.name = name,
            Message::Pin(pin) => self.pin = pin,
            Message::Submit if self.name.trim().is_empty() => return (iced::widget::operation::focus(NAME_ID), None),
            Message::Submit if self.busy => {}
            Message::Submit => return (self.submit(ctx), None),
            Message::Done(result) => return self.done(result),
        }
        (Task::none(), None)
    }

    fn submit(&mut self, ctx: &Context) -> Task<Message> {
        self.busy = true;
        self.error = None;
        let name = self.name.trim().to_string();
        let pin = std::mem::take(&mut self.pin);
        let settings = ctx.settings.clone();
        Task::perform(ctx.worker.run(move |ledger| auth::login_session(ledger, &settings, &name, &pin)), Message::Done)
    }

    /// Signed in, or refused (a wrong PIN, a lockout: the banner says so without naming which part was wrong)
    /// or failed (the banner says to try again or call IT); either way the PIN is asked again.
    fn done(&mut self, result: Result<Actor, WorkerError>) -> (Task<Message>, Option<Event>) {
        self.busy = false;
        match result {
            Ok(actor) => {
                let replaced = self.locked_from.take().filter(|previous| *previous != actor.name);
                *self = Login::default();
                (Task::none(), Some(Event::SignedIn { actor, replaced }))
            }
            Err(error) => {
                self.error = Some(error.into());
                (iced::widget::operation::focus(PIN_ID), None)
            }
        }
    }

    pub fn view(&self) -> Element<'_, Message> {
        let heading = match &self.locked_from {
            Some(user) => format!("Locked — {user} was signed in. Enter the PIN to continue, or sign in as another cashier."),
            None => "Sign in".to_string(),
        };
        let submit = button(text(if self.busy { "Checking…" } else { "Sign in [Enter]" }).size(theme::BODY))
            .padding([8, 14])
            .on_press_maybe((!self.busy).then_some(Message::Submit))
            .style(theme::button::primary);
        let form = column![
            widgets::title(if self.locked_from.is_some() { "Locked" } else { "CityTill" }),
            text(heading).size(theme::BODY),
            widgets::field("User", NAME_ID, &self.name, Message::Name, Some(Message::Submit)),
            widgets::secret_field("PIN", PIN_ID, &self.pin, Message::Pin, Some(Message::Submit)),
            widgets::error(self.error.as_deref()),
            submit,
        ]
        .spacing(theme::GAP)
        .max_width(480);
        container(container(form).padding(24).style(theme::container::card)).center(Length::Fill).into()
    }
}

#[cfg(test)]
#[path = "login_tests.rs"]
mod tests;
