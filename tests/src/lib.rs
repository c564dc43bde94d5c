pub mod browser;
pub mod mail;
