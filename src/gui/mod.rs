//! The cashier window (iced): login, counter, receipts, drawer, devices, batches and reports screens, keyboard-first and
//! never blocking — the ledger and every device run on their own threads.

mod app;
mod context;
mod customer_display;
mod data;
mod devices;
#[cfg(test)]
mod harness;
#[cfg(test)]
mod ice_tests;
mod keys;
#[cfg(test)]
mod layout_tests;
mod list_nav;
#[cfg(test)]
mod messages_tests;
#[cfg(test)]
mod placeholder_tests;
mod receipt_doc;
mod scan;
mod screen;
mod status_bar;
#[cfg(test)]
mod testing;
mod theme;
mod wedge;
mod widgets;
mod wording;
mod worker;

use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;

use citytill::config::Settings;
use citytill::ledger::Ledger;

/// What the command line hands the window.
#[derive(Clone)]
pub struct Launch {
    pub data_dir: PathBuf,
    pub settings: Settings,
    /// Training city: TRAINING on every screen and receipt, simulated devices running.
    pub demo: bool,
}

/// Opens the ledger, the devices and the ledger thread: everything the window runs on.
fn open_context(launch: &Launch) -> Result<context::Context, String> {
    let ledger = Ledger::open(&launch.data_dir.join(citytill::ledger::LEDGER_FILE)).map_err(|e| e.to_string())?;
    let training = launch.demo || citytill::ops::setup::is_training(&ledger).map_err(|e| e.to_string())?;
    let terminal = ledger.terminal().to_string();
    let sim_dir = launch.data_dir.join("sim");
    // The demo's settings list its simulated devices (`ops::demo::devices_toml`), read here as `citytill devices`
    // reads them; a demo without the table still gets every device simulated.
    let devices = match (launch.demo, launch.settings.devices.as_ref()) {
        (true, None) => devices::Devices::simulated(&sim_dir),
        (_, config) => devices::Devices::from_settings(config, &sim_dir),
    };
    // A bad stub template turns stub scanning off (said on the first scan and in the log), not the counter.
    let stubs = citytill::ops::stub::StubTemplates::from_settings(launch.settings.scanline.as_ref(), &launch.data_dir);
    if let Err(problem) = &stubs {
        tracing::warn!(target: "citytill::window", "stub scanning is off: {problem}");
    }
    Ok(context::Context {
        worker: worker::Worker::start(ledger)?,
        settings: Arc::new(launch.settings.clone()),
        devices: Rc::new(devices),
        stubs: Arc::new(stubs),
        training,
        terminal,
        data_dir: launch.data_dir.clone(),
        sync: Some(context::HeadOffice(Arc::new(citytill::hq::SyncWorker::spawn(launch.data_dir.clone(), &launch.settings)))),
    })
}

/// Opens the window and returns when it closes.
pub fn run(launch: Launch) -> Result<(), String> {
    // With no display the toolkit panics deep inside; say it in one line instead.
    #[cfg(all(unix, not(target_os = "macos")))]
    if std::env::var_os("DISPLAY").is_none_or(|d| d.is_empty()) && std::env::var_os("WAYLAND_DISPLAY").is_none_or(|d| d.is_empty()) {
        return Err("window: no display to open it on (neither DISPLAY nor WAYLAND_DISPLAY is set); the commands of citytill --help work without one".into());
    }
    let ctx = open_context(&launch)?;
    // `[window] scale` enlarges text and controls; the window keeps its size on screen (iced's sizes are
    // multiplied by the scale), so the screens are laid out in 1280/scale × 800/scale logical pixels.
    let scale = launch.settings.window.scale;
    let window = (WINDOW.0 / scale, WINDOW.1 / scale);
    let boot = move || {
        let (app, task) = app::App::new(ctx.clone());
        (app, iced::Task::batch([task, fit_to_screen(window)]))
    };
    iced::application(boot, app::App::update, app::App::view)
        .title(app::App::title)
        .theme(app::App::theme)
        .subscription(app::App::subscription)
        .font(theme::text::SANS_BYTES)
        .font(theme::text::SANS_BOLD_BYTES)
        .font(theme::text::MONO_BYTES)
        .default_font(theme::text::SANS)
        .window_size(window)
        .scale_factor(move |_| scale)
        .run()
        .map_err(|e| format!("window: {e}"))
}

/// Boots what the window runs on and builds its login screen, without a display, then returns: the ledger
/// opened (migrations checked), settings, devices, the ledger and head-office threads, the login screen's first
/// load and view. `citytill bench --journal-entries` times it as the window's cold start (the hidden
/// `CITYTILL_BOOT_PROBE` environment variable); drawing the first frame is the toolkit's and is not counted.
pub fn boot_probe(launch: Launch) -> Result<(), String> {
    let ctx = open_context(&launch)?;
    let (mut app, _focus_and_status) = app::App::new(ctx);
    app.load_status_now()?;
    let _login = app.view();
    Ok(())
}

/// The window's size on a screen that has room for it.
const WINDOW: (f32, f32) = (1280.0, 800.0);

/// On a smaller counter screen (1024×768) the window shrinks to the screen and moves to its corner, so no
/// tab, button or status bar is past the screen's edge (a screen with no window manager does not do it).
/// `wanted` and the monitor's size are both in the window's logical pixels (after the scale).
fn fit_to_screen<T: Send + 'static>(wanted: (f32, f32)) -> iced::Task<T> {
    use iced::window;
    window::oldest().then(move |id| {
        let Some(id) = id else { return iced::Task::none() };
        window::monitor_size(id).then(move |screen| match screen {
            Some(screen) if screen.width < wanted.0 || screen.height < wanted.1 => {
                let size = iced::Size::new(screen.width.min(wanted.0), screen.height.min(wanted.1));
                iced::Task::batch([window::resize(id, size), window::move_to(id, iced::Point::ORIGIN)])
            }
            _ => iced::Task::none(),
        })
    })
}
