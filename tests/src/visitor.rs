//! A browser without script for page tests: keeps cookies by hand, sends one language, follows
//! no redirect by itself, and reads CSRF tokens and field errors off the page.

use std::collections::BTreeMap;

use crate::TestApp;

/// A browser without script: keeps cookies, sends one language, follows nothing by itself.
pub struct Visitor<'a> {
    app: &'a TestApp,
    language: &'static str,
    pub cookies: BTreeMap<String, String>,
}

/// What came back: the status, where it redirects to, and the body.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub content_language: Option<String>,
    pub body: String,
}

impl Page {
    pub fn csrf(&self) -> String {
        let marker = r#"name="csrf_token" value=""#;
        let start = self
            .body
            .find(marker)
            .unwrap_or_else(|| panic!("no CSRF field in:\n{}", self.body))
            + marker.len();
        let end = self.body[start..]
            .find('"')
            .expect("a well-formed response");
        self.body[start..start + end].to_owned()
    }

    /// The refusal shown next to field `name`, if any.
    pub fn field_error(&self, name: &str) -> Option<String> {
        let marker = format!(r#"<p class="field-error" id="{name}-error">"#);
        let start = self.body.find(&marker)? + marker.len();
        let end = self.body[start..].find("</p>")?;
        Some(self.body[start..start + end].to_owned())
    }

    pub fn assert_redirect(&self, to: &str) {
        assert_eq!(
            self.status, 303,
            "expected a redirect to {to}: {}",
            self.body
        );
        assert_eq!(self.location.as_deref(), Some(to));
    }

    /// The content security policy forbids inline script and style: the page must not need them.
    pub fn assert_clean(&self) {
        assert!(
            !self.body.contains("<script") && !self.body.contains(" style="),
            "inline script or style:\n{}",
            self.body
        );
    }

    pub fn has(&self, text: &str) -> bool {
        self.body.contains(text)
    }
}

impl<'a> Visitor<'a> {
    pub fn new(app: &'a TestApp, language: &'static str) -> Visitor<'a> {
        Visitor {
            app,
            language,
            cookies: BTreeMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn absorb(&mut self, res: reqwest::Response) -> Page {
        for value in res.headers().get_all("set-cookie") {
            let text = value.to_str().expect("a well-formed response");
            let pair = text.split(';').next().expect("a well-formed response");
            let (name, value) = pair.split_once('=').expect("a well-formed response");
            let removed = value.is_empty() || text.to_ascii_lowercase().contains("max-age=0");
            if removed {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let header = |name: &str| {
            res.headers()
                .get(name)
                .map(|v| v.to_str().expect("a well-formed response").to_owned())
        };
        let (location, content_language) = (header("location"), header("content-language"));
        let status = res.status().as_u16();
        Page {
            status,
            location,
            content_language,
            body: res.text().await.expect("a well-formed response"),
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let res = self
            .app
            .client
            .get(self.app.url(path))
            .header("Accept-Language", self.language)
            .header("Cookie", self.cookie_header())
            .send()
            .await
            .expect("a well-formed response");
        self.absorb(res).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        self.post_any(path, form).await
    }

    pub async fn post_any<T: serde::Serialize + ?Sized>(&mut self, path: &str, form: &T) -> Page {
        let res = self
            .app
            .client
            .post(self.app.url(path))
            .header("Accept-Language", self.language)
            .header("Cookie", self.cookie_header())
            .form(form)
            .send()
            .await
            .expect("a well-formed response");
        self.absorb(res).await
    }

    /// Logs in through the form and lands on the account page.
    pub async fn log_in(&mut self, email: &str, password: &str) {
        let token = self.get("/login").await.csrf();
        let res = self
            .post(
                "/login",
                &[
                    ("csrf_token", &token),
                    ("email", email),
                    ("password", password),
                ],
            )
            .await;
        res.assert_redirect("/account");
        assert!(
            self.cookies.contains_key("peitao_session"),
            "a session cookie"
        );
    }
}
