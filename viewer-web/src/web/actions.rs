//! Running the user's commands ([`Command`]): most become a core [`Action`]; the page's own
//! (help, go-to box, screenshot, recordings) run here. The page's controls reach this through
//! their [`super::emit::Emitter`], wired with [`run`].

use crate::core::Action;

use super::command::Command;
use super::{recording, screenshot, ui, video, Shared};

/// Runs a command. Work that may dispatch DOM events synchronously (focus, downloads) happens
/// after the app is released.
pub fn run(app: &Shared, command: Command) {
    let Ok(mut a) = app.try_borrow_mut() else { return };
    if let Some(action) = command.action(super::dom::now_ms()) {
        a.act(action);
        return;
    }
    match command {
        Command::GoToFrame => {
            drop(a);
            ui::open_goto(app);
        }
        Command::Screenshot => {
            drop(a);
            screenshot::download(app);
        }
        Command::TransparentScreenshot => {
            drop(a);
            screenshot::download_transparent(app);
        }
        Command::ToggleHelp => {
            drop(a);
            ui::toggle_help(app, None);
        }
        Command::OpenRecording => {
            drop(a);
            recording::pick(app);
        }
        Command::SaveScene => {
            drop(a);
            recording::save(app);
        }
        Command::ExportVideo => {
            let (options, png) = a.ui.video.options();
            drop(a);
            let format = if png { video::Format::Png } else { video::Format::Webm };
            video::download(
                app,
                video::ExportRequest {
                    options,
                    format,
                    encoder: video::EncoderChoice::Auto,
                    on_progress: None,
                },
            );
        }
        Command::CancelExport => {
            drop(a);
            video::cancel(app);
        }
        Command::Escape => {
            let overlay_open = a.help_open || !a.ui.overlays.goto_closed();
            if overlay_open {
                drop(a);
                ui::toggle_help(app, Some(false));
                ui::close_goto(app);
            } else {
                a.act(Action::Select(None));
            }
        }
        _ => {}
    }
}
