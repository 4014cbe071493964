//! [`Emitter`]: how the page's controls change the viewer. A panel or an input handler reads
//! the state and emits [`Action`]s (or page [`Command`]s); it never holds the app mutably, so
//! every change goes through the core's rules and comes back as a `Changed`.

use crate::core::Action;

use super::command::Command;
use super::Page;
use super::Shared;

/// A handle that emits actions to the viewer. Cheap to clone.
#[derive(Clone)]
pub struct Emitter(Shared, fn(&Shared, Command));

impl Emitter {
    /// An emitter for the viewer `app` that runs commands with `run` (`actions::run`).
    pub fn new(app: &Shared, run: fn(&Shared, Command)) -> Emitter {
        Emitter(app.clone(), run)
    }

    /// Applies a core action; ignored while the viewer is busy (an event fired from inside
    /// another handler).
    pub fn emit(&self, action: Action) {
        if let Ok(mut a) = self.0.try_borrow_mut() {
            a.act(action);
        }
    }

    /// Runs a page command (a shortcut or a tool button).
    pub fn command(&self, command: Command) {
        (self.1)(&self.0, command);
    }

    /// Notes what inspect mode found under the cursor (page state: the core does not see it).
    pub fn set_inspected(&self, hit: Option<crate::geometry::Hit>) {
        if let Ok(mut a) = self.0.try_borrow_mut() {
            a.inspected = hit;
        }
    }

    /// Reads the viewer; `None` while it is busy.
    pub fn read<R>(&self, f: impl FnOnce(&Page) -> R) -> Option<R> {
        self.0.try_borrow().ok().map(|a| f(&a))
    }
}
