//! The `peitao` program: settings, start-up and the command-line commands.
//! A library too, so the black-box tests start exactly what `peitao serve` starts.

pub mod cli;
pub mod delivery;
pub mod demo_story;
pub mod rematch;
pub mod settings;
pub mod startup;
pub mod telemetry;
pub mod worker;

pub use settings::Settings;
pub use startup::Application;
