//! Mail: what each mail says (`mail`), how it reads in zh-CN and en (`render`, templates under
//! `templates/mail/`), and how it leaves the platform (`transport`: `smtp`, `.eml` files or the log).

pub mod mail;
pub mod render;
mod smtp;
pub mod transport;

pub use mail::{DigestItem, MailContent, MailKind};
pub use render::{RenderError, RenderedMail, render};
pub use smtp::SmtpRelay;
pub use transport::{
    OutgoingMail, SendError, Transport, TransportConfig, TransportError, TransportKind,
    build_message,
};
