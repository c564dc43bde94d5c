//! The black-box test harness: the app on a real port (`TestApp`), a real SMTP server
//! (`mail::MailServer`), a real S3 server (`s3::S3Server`) and a headless browser
//! (`browser::Browser`).

pub mod app;
pub mod browser;
pub mod mail;
pub mod processes;
pub mod s3;
pub mod visitor;
pub mod world;

pub use app::{PASSWORD, Session, TestApp, token_in};
