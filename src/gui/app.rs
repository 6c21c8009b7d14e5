//! The root of the window: routes messages to screens, switches screens, owns the session and the
//! status bar. Screens never touch each other's state; they report `Event`s here.

use std::time::{Duration, Instant};

use citytill::ops::auth::Actor;
use citytill::ops::query;
use citytill_hardware::device::{DeviceEvent, DeviceKind};
use iced::widget::{button, column, container, row, text};
use iced::{Element, Length, Subscription, Task, Theme};

use super::context::Context;
use super::keys::{self, Shortcut};
use super::screen::{batches, counter, day, devices as devices_screen, drawer, finance, login, receipts, reports};
use super::status_bar::{self, Status};
use super::worker::WorkerError;
use super::{customer_display, devices, theme, wedge, widgets};

/// Which screen is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    Login,
    Counter,
    Receipts,
    Drawer,
    Devices,
    Batches,
    Reports,
    Day,
    Finance,
}

pub struct App {
    pub ctx: Context,
    pub screen: Screen,
    pub session: Option<Actor>,
    pub login: login::Login,
    pub counter: counter::Counter,
    pub receipts: receipts::Receipts,
    pub drawer: drawer::DrawerScreen,
    pub devices: devices_screen::DevicesScreen,
    pub batches: batches::BatchesScreen,
    pub reports: reports::ReportsScreen,
    pub day: day::DayScreen,
    pub finance: finance::FinanceScreen,
    pub status: Status,
    pub theme: theme::Mode,
    pub last_activity: Instant,
    /// A one-off line above the screen (e.g. after a cashier switch); cleared by the next screen change.
    pub notice: Option<String>,
    /// Set at sign-in until the drawer is known: a cashier without an open drawer is taken to open one.
    just_signed_in: bool,
    /// Times key presses to tell a keyboard-wedge scan from typing.
    wedge: wedge::Wedge,
    /// What the customer display was last sent.
    pub customer_display: customer_display::CustomerDisplay,
}

#[derive(Clone, Debug)]
pub enum Message {
    Login(login::Message),
    Counter(counter::Message),
    Receipts(receipts::Message),
    Drawer(drawer::Message),
    Devices(devices_screen::Message),
    Batches(batches::Message),
    Reports(reports::Message),
    Day(day::Message),
    Finance(finance::Message),
    Go(Screen),
    Shortcut(Shortcut),
    /// A key or click anywhere: the idle timer restarts.
    Activity,
    /// A key press that types a character or is Enter (also activity): fed to the keyboard-wedge detector.
    Key(wedge::Keystroke),
    Device(DeviceEvent),
    Tick,
    StatusLoaded(Result<(String, Option<query::Drawer>), WorkerError>),
}

impl App {
    /// A window on an opened context, at the login screen.
    pub fn new(ctx: Context) -> (App, Task<Message>) {
        let fees = ctx.settings.convenience_fees();
        let status = Status { terminal: ctx.terminal.clone(), training: ctx.training, hq: status_bar::hq_text(ctx.sync_status().as_ref()), devices: ctx.devices.lines(), ..Status::default() };
        let mut app = App {
            drawer: drawer::DrawerScreen::default(),
            ctx,
            screen: Screen::Login,
            session: None,
            login: login::Login::default(),
            counter: counter::Counter::with_fees(fees),
            receipts: receipts::Receipts::default(),
            devices: devices_screen::DevicesScreen::default(),
            batches: batches::BatchesScreen::default(),
            reports: reports::ReportsScreen::default(),
            day: day::DayScreen::default(),
            finance: finance::FinanceScreen::default(),
            status,
            theme: theme::Mode::Light,
            last_activity: Instant::now(),
            just_signed_in: false,
            notice: None,
            wedge: wedge::Wedge::default(),
            customer_display: customer_display::CustomerDisplay::default(),
        };
        // The customer display starts with the welcome, not whatever it showed before.
        app.sync_customer_display();
        let task = Task::batch([app.login.focus().map(Message::Login), app.refresh_status()]);
        (app, task)
    }

    pub fn title(&self) -> String {
        let training = if self.ctx.training { " — TRAINING" } else { "" };
        format!("CityTill {}{training}", self.ctx.terminal)
    }

    pub fn theme(&self) -> Theme {
        self.theme.theme()
    }

    pub fn update(&mut self, message: Message) -> Task<Message> {
        let task = self.route(message);
        // Whatever changed the counter (a line, a tender, a payment, Esc, a scan, a lock) is now shown to the customer.
        self.sync_customer_display();
        task
    }

    /// The customer display follows the counter screen (queued on the display's thread; unchanged lines are not resent).
    fn sync_customer_display(&mut self) {
        let lines = customer_display::lines(self.counter.cart(), self.counter.completed(), self.session.is_some(), &self.ctx.settings.city_name);
        self.customer_display.sync(lines, &self.ctx.devices);
    }

    fn route(&mut self, message: Message) -> Task<Message> {
        match message {
            Message::Login(message) => self.login_message(message),
            Message::Counter(message) => self.counter_message(message),
            Message::Receipts(message) => self.receipts_message(message),
            Message::Drawer(message) => self.drawer_message(message),
            Message::Devices(message) => self.devices_message(message),
            Message::Batches(message) => self.batches_message(message),
            Message::Reports(message) => self.reports_message(message),
            Message::Day(message) => self.day_message(message),
            Message::Finance(message) => self.finance_message(message),
            Message::Go(screen) => self.go(screen),
            Message::Shortcut(shortcut) => self.shortcut(shortcut),
            Message::Activity => {
                self.last_activity = Instant::now();
                Task::none()
            }
            Message::Key(stroke) => {
                self.last_activity = Instant::now();
                match self.wedge.key(stroke) {
                    Some(line) => self.wedge_scan(&line),
                    None => Task::none(),
                }
            }
            Message::Device(event) => self.device_event(event),
            Message::Tick => self.tick(),
            Message::StatusLoaded(result) => self.status_loaded(result),
        }
    }

    fn login_message(&mut self, message: login::Message) -> Task<Message> {
        let (task, event) = self.login.update(message, &self.ctx);
        let task = task.map(Message::Login);
        match event {
            Some(login::Event::SignedIn { actor, replaced }) => {
                // One cashier per drawer: the previous cashier's drawer stays theirs, the new one works on their own.
                let notice = replaced.map(|previous| format!("{} signed in; {previous}'s drawer stays assigned to {previous} — {} takes payments on their own drawer", actor.name, actor.name));
                self.status.user = Some(format!("{} ({})", actor.name, actor.role.as_str()));
                self.session = Some(actor);
                self.last_activity = Instant::now();
                self.just_signed_in = true;
                let show = self.go(Screen::Counter);
                self.notice = notice;
                Task::batch([task, show, self.refresh_status()])
            }
            None => task,
        }
    }

    fn counter_message(&mut self, message: counter::Message) -> Task<Message> {
        let Some(actor) = self.session.clone() else { return Task::none() };
        if matches!(message, counter::Message::LookupChanged(_) | counter::Message::LookupSubmitted) {
            // The customer is being served: a one-off line (drawer opened, cashier switched) gives its room back.
            self.notice = None;
        }
        let (task, event) = self.counter.update(message, &self.ctx, &actor);
        let task = task.map(Message::Counter);
        match event {
            Some(counter::Event::Paid) => {
                self.ctx.nudge_sync();
                Task::batch([task, self.refresh_status()])
            }
            Some(counter::Event::OpenReceipt(receipt)) => {
                let open = self.receipts.open(receipt, &self.ctx, &actor).map(Message::Receipts);
                Task::batch([task, self.go(Screen::Receipts), open])
            }
            None => task,
        }
    }

    fn receipts_message(&mut self, message: receipts::Message) -> Task<Message> {
        let Some(actor) = self.session.clone() else { return Task::none() };
        let (task, event) = self.receipts.update(message, &self.ctx, &actor);
        let task = task.map(Message::Receipts);
        match event {
            Some(receipts::Event::Back) => Task::batch([task, self.go(Screen::Counter)]),
            Some(receipts::Event::Changed) => Task::batch([task, self.refresh_status()]),
            None => task,
        }
    }

    fn drawer_message(&mut self, message: drawer::Message) -> Task<Message> {
        let Some(actor) = self.session.clone() else { return Task::none() };
        let (task, event) = self.drawer.update(message, &self.ctx, &actor);
        let task = task.map(Message::Drawer);
        // A drawer action changes the day's drawer overview: read it again, so the Day end screen is current.
        let overview = if event.as_ref().is_some_and(|e| *e != drawer::Event::Back) { self.day.refresh_drawers(&self.ctx, &actor).map(Message::Day) } else { Task::none() };
        let task = Task::batch([task, overview]);
        match event {
            Some(drawer::Event::Back) => Task::batch([task, self.go(Screen::Counter)]),
            Some(drawer::Event::Changed) => Task::batch([task, self.refresh_status()]),
            Some(drawer::Event::Opened(notice)) => {
                // The float is counted: on to the first customer, typing into the counter's lookup.
                self.counter.drawer_opened();
                let show = self.go(Screen::Counter);
                self.notice = Some(notice);
                Task::batch([task, show, self.refresh_status()])
            }
            None => task,
        }
    }

    fn devices_message(&mut self, message: devices_screen::Message) -> Task<Message> {
        let (task, event) = self.devices.update(message, &self.ctx);
        let task = task.map(Message::Devices);
        match event {
            Some(devices_screen::Event::Back) => Task::batch([task, self.go(Screen::Counter)]),
            None => task,
        }
    }

    fn batches_message(&mut self, message: batches::Message) -> Task<Message> {
        let Some(actor) = self.session.clone() else { return Task::none() };
        let (task, event) = self.batches.update(message, &self.ctx, &actor);
        let task = task.map(Message::Batches);
        match event {
            Some(batches::Event::Back) => Task::batch([task, self.go(Screen::Counter)]),
            None => task,
        }
    }

    fn reports_message(&mut self, message: reports::Message) -> Task<Message> {
        let Some(actor) = self.session.clone() else { return Task::none() };
        let (task, event) = self.reports.update(message, &self.ctx, &actor);
        let task = task.map(Message::Reports);
        match event {
            Some(reports::Event::Back) => Task::batch([task, self.go(Screen::Counter)]),
            None => task,
        }
    }

    fn day_message(&mut self, message: day::Message) -> Task<Message> {
        let Some(actor) = self.session.clone() else { return Task::none() };
        let (task, event) = self.day.update(message, &self.ctx, &actor);
        let task = task.map(Message::Day);
        match event {
            Some(day::Event::Back) => Task::batch([task, self.go(Screen::Counter)]),
            Some(day::Event::Changed) => {
                self.ctx.nudge_sync();
                Task::batch([task, self.refresh_status()])
            }
            None => task,
        }
    }

    fn finance_message(&mut self, message: finance::Message) -> Task<Message> {
        let Some(actor) = self.session.clone() else { return Task::none() };
        let (task, event) = self.finance.update(message, &self.ctx, &actor);
        let task = task.map(Message::Finance);
        match event {
            Some(finance::Event::Back) => Task::batch([task, self.go(Screen::Counter)]),
            None => task,
        }
    }

    /// Shows a screen (only the login screen until someone signs in) and puts focus where typing goes.
    fn go(&mut self, screen: Screen) -> Task<Message> {
        if self.session.is_none() {
            self.screen = Screen::Login;
            return self.login.focus().map(Message::Login);
        }
        if screen == Screen::Finance && !self.session.as_ref().is_some_and(|a| citytill::ops::autopay::LEAD_ROLES.contains(&a.role)) {
            // A lead's screen: a cashier's Shift+F4 says so and stays where it was (the tab is not offered).
            self.notice = Some("The finance screen (autopay and file exceptions) is for leads and supervisors.".into());
            return Task::none();
        }
        if self.screen != screen {
            self.notice = None;
        }
        self.screen = screen;
        match screen {
            Screen::Login => self.login.focus().map(Message::Login),
            Screen::Counter => self.counter.focus().map(Message::Counter),
            Screen::Receipts => self.receipts.focus().map(Message::Receipts),
            Screen::Drawer => match &self.session {
                Some(actor) => self.drawer.load(&self.ctx, actor).map(Message::Drawer),
                None => Task::none(),
            },
            Screen::Devices => Task::none(),
            Screen::Batches => Task::batch([self.batches.load(&self.ctx), self.batches.focus()]).map(Message::Batches),
            Screen::Reports => self.reports.load(&self.ctx).map(Message::Reports),
            Screen::Day => match &self.session {
                Some(actor) => self.day.load(&self.ctx, actor).map(Message::Day),
                None => Task::none(),
            },
            Screen::Finance => Task::batch([self.finance.load(&self.ctx), self.finance.focus()]).map(Message::Finance),
        }
    }

    fn shortcut(&mut self, shortcut: Shortcut) -> Task<Message> {
        self.last_activity = Instant::now();
        match shortcut {
            Shortcut::ToggleTheme => {
                self.theme = self.theme.toggled();
                Task::none()
            }
            Shortcut::Counter => self.go(Screen::Counter),
            Shortcut::Receipts => self.go(Screen::Receipts),
            Shortcut::Drawer => self.go(Screen::Drawer),
            Shortcut::Devices => self.go(Screen::Devices),
            Shortcut::Batches => self.go(Screen::Batches),
            Shortcut::Reports => self.go(Screen::Reports),
            Shortcut::Day => self.go(Screen::Day),
            Shortcut::Finance => self.go(Screen::Finance),
            Shortcut::Lock => self.lock(),
            Shortcut::Next => iced::widget::operation::focus_next(),
            Shortcut::Previous => iced::widget::operation::focus_previous(),
            other => self.screen_shortcut(other),
        }
    }

    fn screen_shortcut(&mut self, shortcut: Shortcut) -> Task<Message> {
        match self.screen {
            Screen::Counter => match self.counter.shortcut(shortcut) {
                Some(message) => self.counter_message(message),
                None => Task::none(),
            },
            Screen::Receipts => self.receipts.shortcut(shortcut).map_or_else(Task::none, |m| self.receipts_message(m)),
            Screen::Drawer => self.drawer.shortcut(shortcut).map_or_else(Task::none, |m| self.drawer_message(m)),
            Screen::Devices => self.devices.shortcut(shortcut).map_or_else(Task::none, |m| self.devices_message(m)),
            Screen::Batches => self.batches.shortcut(shortcut).map_or_else(Task::none, |m| self.batches_message(m)),
            Screen::Reports => self.reports.shortcut(shortcut).map_or_else(Task::none, |m| self.reports_message(m)),
            Screen::Day => self.day.shortcut(shortcut).map_or_else(Task::none, |m| self.day_message(m)),
            Screen::Finance => self.finance.shortcut(shortcut).map_or_else(Task::none, |m| self.finance_message(m)),
            Screen::Login => Task::none(),
        }
    }

    /// Locks the window: the session ends, the drawer stays assigned to its cashier.
    fn lock(&mut self) -> Task<Message> {
        let Some(actor) = self.session.take() else { return Task::none() };
        self.screen = Screen::Login;
        self.status.user = None;
        self.login.lock(&actor.name).map(Message::Login)
    }

    fn tick(&mut self) -> Task<Message> {
        self.status.devices = self.ctx.devices.lines();
        self.receipts.slip_overdue(Instant::now());
        let sync = self.ctx.sync_status();
        self.status.hq = status_bar::hq_text(sync.as_ref());
        self.status.hq_trouble = status_bar::hq_trouble(sync.as_ref());
        // A clock set back or jumping (journaled by the ledger) is shown until the window restarts.
        if let Some(notice) = citytill::ledger::clock::take_notices().pop() {
            self.status.clock = Some(notice);
        }
        let idle = Duration::from_secs(u64::try_from(self.ctx.settings.limits.idle_lock_minutes.max(1)).unwrap_or(5) * 60);
        if self.session.is_some() && self.last_activity.elapsed() >= idle {
            return self.lock();
        }
        Task::none()
    }

    fn device_event(&mut self, event: DeviceEvent) -> Task<Message> {
        tracing::info!(target: "citytill::window", "device event: {event:?}");
        self.status.devices = self.ctx.devices.lines();
        self.devices.record(&event);
        match event {
            DeviceEvent::CounterReport(report) => {
                self.drawer.counter_report(report, &self.ctx);
                Task::none()
            }
            DeviceEvent::Data(data) if self.session.is_some() && self.screen == Screen::Batches && self.batches.mode() == batches::Mode::Entering => {
                // Items being entered: the stub and the check belong to the batch, not the counter.
                self.last_activity = Instant::now();
                self.batches.scanned(data).map_or_else(Task::none, |m| self.batches_message(m))
            }
            DeviceEvent::Data(data) if self.session.is_some() => {
                self.last_activity = Instant::now();
                if self.screen != Screen::Counter {
                    self.screen = Screen::Counter;
                }
                match self.counter.scanned(data) {
                    Some(message) => self.counter_message(message),
                    None => self.counter.focus().map(Message::Counter),
                }
            }
            // A slip job (endorsement, validation) is the Receipts screen's; every other job the counter's.
            DeviceEvent::JobCompleted { device: DeviceKind::Printer | DeviceKind::Drawer, job } => {
                if !self.receipts.slip_outcome(job, None) {
                    self.counter.job_outcome(job, None);
                }
                Task::none()
            }
            DeviceEvent::JobFailed { device: DeviceKind::Printer | DeviceKind::Drawer, job, reason } => {
                if !self.receipts.slip_outcome(job, Some(reason.clone())) {
                    self.counter.job_outcome(job, Some(reason));
                }
                Task::none()
            }
            _ => Task::none(),
        }
    }

    /// A keyboard-wedge reader typed `line` + Enter into the focused field. On the counter it lands in the
    /// lookup (taken back out of the amount, details or a line amount it was typed into); from another screen the
    /// counter takes it like a serial scan. Batch entry reads its own wedge fields, the finance screen takes no
    /// scans (a fast-typed bank account number must stay in its hidden field), and no one is signed in at login.
    fn wedge_scan(&mut self, line: &str) -> Task<Message> {
        if self.session.is_none() || self.screen == Screen::Finance || (self.screen == Screen::Batches && self.batches.mode() == batches::Mode::Entering) {
            return Task::none();
        }
        tracing::info!(target: "citytill::window", "keyboard-wedge scan of {} characters on {:?}", line.chars().count(), self.screen);
        let message = if self.screen == Screen::Counter {
            self.counter.wedge_scan(line)
        } else {
            self.screen = Screen::Counter;
            match citytill_hardware::scanner::classify(line, None) {
                Ok(data) => self.counter.scanned(data),
                Err(reason) => {
                    self.counter.scan_refused(reason);
                    None
                }
            }
        };
        match message {
            Some(message) => self.counter_message(message),
            None => self.counter.focus().map(Message::Counter),
        }
    }

    fn status_loaded(&mut self, result: Result<(String, Option<query::Drawer>), WorkerError>) -> Task<Message> {
        let Ok((date, drawer)) = result else { return Task::none() };
        self.status.business_date = date;
        self.status.drawer = drawer;
        self.counter.drawer_known(self.status.drawer.as_ref());
        if std::mem::take(&mut self.just_signed_in) && self.status.drawer.is_none() && self.session.is_some() {
            // No drawer yet: the first thing to do is count the float.
            self.screen = Screen::Drawer;
            let forget = self.drawer_message(drawer::Message::Loaded(Ok(None)));
            return Task::batch([forget, self.drawer_message(drawer::Message::Start(drawer::Action::Open))]);
        }
        Task::none()
    }

    /// Reloads the business date and the signed-in cashier's drawer (on the ledger thread).
    fn refresh_status(&self) -> Task<Message> {
        Task::perform(self.status_query(), Message::StatusLoaded)
    }

    /// The status bar's read (business date, the signed-in cashier's drawer), on the ledger thread.
    fn status_query(&self) -> impl std::future::Future<Output = Result<(String, Option<query::Drawer>), WorkerError>> + Send + 'static {
        let user = self.session.as_ref().map(|a| a.name.clone());
        self.ctx.worker.run(move |ledger| {
            let date = ledger.business_date()?.to_string();
            let drawer = match &user {
                Some(user) => query::current_drawer(&*ledger.read()?, user)?,
                None => None,
            };
            Ok((date, drawer))
        })
    }

    /// Waits for the status bar's read as the runtime would run `refresh_status`, and takes its answer: the
    /// boot probe's stand-in for the event loop, so a cold start is timed through the login screen's first load.
    pub fn load_status_now(&mut self) -> Result<(), String> {
        let result = iced::futures::executor::block_on(self.status_query());
        let outcome = result.as_ref().map(|_| ()).map_err(ToString::to_string);
        let _ = self.update(Message::StatusLoaded(result));
        outcome
    }

    pub fn subscription(&self) -> Subscription<Message> {
        Subscription::batch([
            iced::event::listen_with(key_event),
            Subscription::run_with(self.ctx.devices.feed(), devices::stream).map(Message::Device),
            iced::time::every(Duration::from_secs(1)).map(|_| Message::Tick),
        ])
    }

    pub fn view(&self) -> Element<'_, Message> {
        let body: Element<'_, Message> = match self.screen {
            Screen::Login => self.login.view().map(Message::Login),
            Screen::Counter => self.counter.view().map(Message::Counter),
            Screen::Receipts => self.receipts.view().map(Message::Receipts),
            Screen::Drawer => self.drawer.view(&self.ctx.settings).map(Message::Drawer),
            Screen::Devices => self.devices.view(&self.status.devices, &self.ctx).map(Message::Devices),
            Screen::Batches => self.batches.view().map(Message::Batches),
            Screen::Reports => self.reports.view().map(Message::Reports),
            Screen::Day => self.day.view().map(Message::Day),
            Screen::Finance => self.finance.view().map(Message::Finance),
        };
        let mut page = column![].spacing(theme::GAP);
        if self.ctx.training {
            page = page.push(
                container(text("TRAINING — practice city, nothing here is real money").size(theme::BODY).font(theme::text::BOLD))
                    .padding([4, 12])
                    .width(Length::Fill)
                    .style(theme::container::training),
            );
        }
        if self.session.is_some() {
            page = page.push(self.tabs());
        }
        // A one-off success line is not left above an error the counter is showing now. Its slot is always
        // in the tree, so the line coming or going never moves the screen's widgets (and the focus) to new places.
        let notice: Element<'_, Message> = match self.notice.as_ref().filter(|_| !(self.screen == Screen::Counter && self.counter.shows_error())) {
            Some(notice) => container(widgets::notice(Some(notice.as_str()))).padding(iced::Padding { bottom: theme::GAP, ..iced::Padding::ZERO }).into(),
            None => column![].into(),
        };
        page = page.push(container(column![notice, body].height(Length::Fill)).padding([0, 16]).height(Length::Fill));
        column![page.height(Length::Fill).padding([8, 0]), status_bar::view(&self.status)].into()
    }

    fn tabs(&self) -> Element<'_, Message> {
        let tab = |label: &'static str, key: Shortcut, screen: Screen| {
            button(text(format!("{label} [{}]", key.label())).size(theme::BODY)).padding([6, 8]).on_press(Message::Go(screen)).style(theme::button::tab(self.screen == screen))
        };
        let mut tabs = row![
            tab("Counter", Shortcut::Counter, Screen::Counter),
            tab("Receipts", Shortcut::Receipts, Screen::Receipts),
            tab("Drawer", Shortcut::Drawer, Screen::Drawer),
            tab("Devices", Shortcut::Devices, Screen::Devices),
            tab("Batches", Shortcut::Batches, Screen::Batches),
            tab("Reports", Shortcut::Reports, Screen::Reports),
            tab("Day end", Shortcut::Day, Screen::Day),
        ];
        // The finance office is a lead's: a cashier's tab row stays on one line at 1280 px.
        if self.session.as_ref().is_some_and(|a| citytill::ops::autopay::LEAD_ROLES.contains(&a.role)) {
            tabs = tabs.push(tab("Finance", Shortcut::Finance, Screen::Finance));
        }
        tabs.push(widgets::key_button("Lock", Some(Shortcut::Lock), Some(Message::Shortcut(Shortcut::Lock))).padding([6, 8]))
            .spacing(5)
            .padding([0, 16])
            // A narrow screen (1024 px) puts the last tabs on a second line rather than past the window's edge.
            .wrap()
            .vertical_spacing(5)
            .into()
    }
}

/// Every key press goes through here (even with a field focused): shortcuts become messages, other keys restart the idle timer.
fn key_event(event: iced::Event, _status: iced::event::Status, _window: iced::window::Id) -> Option<Message> {
    match event {
        iced::Event::Keyboard(iced::keyboard::Event::KeyPressed { key, modifiers, text, .. }) => Some(match keys::shortcut(&key, modifiers) {
            Some(shortcut) => Message::Shortcut(shortcut),
            None => wedge::keystroke(&key, modifiers, text.as_deref(), Instant::now()).map_or(Message::Activity, Message::Key),
        }),
        iced::Event::Mouse(iced::mouse::Event::ButtonPressed(_)) => Some(Message::Activity),
        _ => None,
    }
}
