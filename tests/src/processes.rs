//! What the tests that run the `peitao` binary as processes (several instances, faults) share:
//! the accounts they register and the mail they wait for.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::mail::MailServer;
use crate::token_in;

/// The password of every account these tests register.
pub const PROCESS_PASSWORD: &str = "a sturdy passphrase 2026";

/// A valid unified social credit code, distinct per `series` (one letter per test file, so two
/// files' organizations never collide) and `n`.
#[must_use]
pub fn credit(series: char, n: u32) -> String {
    peitao_domain::CreditCode::with_check_char(&format!("91500112M{series}{n:07}"))
        .unwrap_or_else(|e| panic!("credit code {series}{n}: {e:?}"))
        .as_str()
        .to_owned()
}

/// A registration body: account `n` of an organization named `firm` + `n` in 渝北区.
#[must_use]
pub fn registration(email: &str, role: &str, n: u32, firm: &str, series: char) -> Value {
    json!({
        "email": email, "password": PROCESS_PASSWORD, "display_name": format!("用户{n}"), "role": role,
        "organization": {"name": format!("{firm}{n}"), "credit_code": credit(series, n), "region_code": "500112"}
    })
}

/// Waits (up to 20 s) for the mail to `to` whose body holds `marker`, and returns the token
/// after it.
///
/// # Panics
/// If none arrives in time.
pub async fn token_mailed(smtp: &MailServer, to: &str, marker: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let found = smtp
            .messages()
            .iter()
            .filter(|m| m.to.iter().any(|t| t == to))
            .find_map(|m| token_in(&m.body_text(), marker));
        if let Some(token) = found {
            return token;
        }
        assert!(Instant::now() < deadline, "no mail to {to} with {marker}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A need the demo-like OEMs of these tests post: a battery housing delivered to 渝北区.
#[must_use]
pub fn need_body(title: &str) -> Value {
    json!({
        "category_code": "EDRIVE.BATTERY.PACK",
        "title": title,
        "description": "一体化压铸铝合金电池壳体,年需求 10 万套,交付两江新区工厂。",
        "delivery_region_code": "500112",
        "annual_volume": 100_000,
        "unit": "套",
        "respond_by": "2030-12-31",
    })
}
