//! What a form on these pages is made of — fields with their labels, hints, kept values and
//! refusals — and how the service's `FieldError`s land next to the field they name.

use peitao_domain::Locale;

use super::words::Common;
use crate::error::FieldError;

/// One radio button of a choice field.
#[derive(Debug)]
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub hint: Option<&'static str>,
    pub checked: bool,
}

/// A form field: a text-like input, or (with `choices`) a group of radio buttons.
#[derive(Debug)]
pub struct Field {
    /// The form name and the element id.
    pub name: &'static str,
    /// The name the service uses in its `FieldError`s (`organization.credit_code`).
    pub service_name: &'static str,
    pub label: &'static str,
    pub hint: Option<&'static str>,
    /// `text`, `email` or `password`; ignored for choices.
    pub kind: &'static str,
    /// What the user typed, shown again after a refusal; passwords are never kept.
    pub value: String,
    pub autocomplete: &'static str,
    pub inputmode: Option<&'static str>,
    pub maxlength: Option<u32>,
    pub required: bool,
    pub choices: Vec<Choice>,
    pub error: Option<String>,
}

impl Field {
    /// A text-like input.
    #[must_use]
    pub fn input(
        name: &'static str,
        kind: &'static str,
        label: &'static str,
        value: &str,
    ) -> Field {
        Field {
            name,
            service_name: name,
            label,
            hint: None,
            kind,
            value: if kind == "password" {
                String::new()
            } else {
                value.to_owned()
            },
            autocomplete: "off",
            inputmode: None,
            maxlength: None,
            required: true,
            choices: Vec::new(),
            error: None,
        }
    }

    /// A group of radio buttons; the one whose value is `current` is checked.
    #[must_use]
    pub fn choice(
        name: &'static str,
        label: &'static str,
        current: &str,
        options: Vec<(&'static str, &'static str, Option<&'static str>)>,
    ) -> Field {
        let choices = options
            .into_iter()
            .map(|(value, label, hint)| Choice {
                value,
                label,
                hint,
                checked: value == current,
            })
            .collect();
        Field {
            choices,
            ..Field::input(name, "radio", label, "")
        }
    }

    #[must_use]
    pub fn service_name(mut self, name: &'static str) -> Field {
        self.service_name = name;
        self
    }

    #[must_use]
    pub fn hint(mut self, hint: &'static str) -> Field {
        self.hint = Some(hint);
        self
    }

    #[must_use]
    pub fn autocomplete(mut self, token: &'static str) -> Field {
        self.autocomplete = token;
        self
    }

    #[must_use]
    pub fn inputmode(mut self, mode: &'static str) -> Field {
        self.inputmode = Some(mode);
        self
    }

    #[must_use]
    pub fn maxlength(mut self, n: u32) -> Field {
        self.maxlength = Some(n);
        self
    }

    /// The ids `aria-describedby` should name: the hint, then the refusal.
    #[must_use]
    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if self.hint.is_some() {
            ids.push(format!("{}-hint", self.name));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", self.name));
        }
        ids.join(" ")
    }
}

/// A message box above a form or at the top of a page.
#[derive(Debug)]
pub struct Notice {
    /// `success`, `info`, `warning` or `error` (the `.notice-*` classes).
    pub kind: &'static str,
    pub text: String,
}

impl Notice {
    #[must_use]
    pub fn new(kind: &'static str, text: impl Into<String>) -> Notice {
        Notice {
            kind,
            text: text.into(),
        }
    }

    /// Errors are announced at once to screen readers; the rest wait their turn.
    #[must_use]
    pub fn role(&self) -> &'static str {
        if self.kind == "error" {
            "alert"
        } else {
            "status"
        }
    }
}

/// Puts each refusal next to its field in `locale`, and returns those no field owns.
/// The service's generic texts name fields by their API name (`display_name`); next to the
/// field itself that name means nothing, so those messages are said in the page's words.
pub fn place_errors<'a>(
    fields: impl IntoIterator<Item = &'a mut Field>,
    errors: &[FieldError],
    locale: Locale,
) -> Vec<String> {
    let mut fields: Vec<&mut Field> = fields.into_iter().collect();
    let mut unplaced = Vec::new();
    for error in errors {
        let Some(field) = fields.iter_mut().find(|f| f.service_name == error.field) else {
            unplaced.push(error.message.get(locale).to_owned());
            continue;
        };
        if field.error.is_some() {
            continue;
        }
        field.error = Some(message_for(field, error, locale));
    }
    unplaced
}

fn message_for(field: &Field, error: &FieldError, locale: Locale) -> String {
    let message = error.message.get(locale);
    match error.code.as_str() {
        "required" => Common::for_locale(locale).required.to_owned(),
        "too_long" | "too_short" => match locale {
            Locale::ZhCn => message.replace(&format!("{} ", error.field), field.label),
            Locale::En => message.replace(&error.field, field.label),
        },
        _ => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Text;

    fn refusal(field: &str, code: &str, zh: &'static str, en: &'static str) -> FieldError {
        FieldError {
            field: field.to_owned(),
            code: code.to_owned(),
            message: Text::fixed(zh, en),
        }
    }

    #[test]
    fn refusals_land_on_their_fields_in_the_page_language() {
        let mut fields = vec![
            Field::input("credit_code", "text", "统一社会信用代码", "X")
                .service_name("organization.credit_code"),
            Field::input("display_name", "text", "姓名", ""),
        ];
        let errors = vec![
            refusal(
                "organization.credit_code",
                "credit_code.check_digit",
                "校验位不对。",
                "Check digit is wrong.",
            ),
            refusal(
                "display_name",
                "required",
                "请填写 display_name。",
                "display_name is required.",
            ),
            refusal("locale", "invalid", "语言有误。", "Bad language."),
        ];
        let rest = place_errors(&mut fields, &errors, Locale::En);
        assert_eq!(fields[0].error.as_deref(), Some("Check digit is wrong."));
        assert_eq!(fields[1].error.as_deref(), Some("Please fill this in."));
        assert_eq!(rest, vec!["Bad language.".to_owned()]);
        assert_eq!(fields[0].described_by(), "credit_code-error");
    }

    #[test]
    fn lengths_are_told_with_the_label() {
        let mut fields = vec![
            Field::input("organization_name", "text", "企业名称", "X")
                .service_name("organization.name"),
        ];
        let errors = vec![refusal(
            "organization.name",
            "too_short",
            "organization.name 至少 2 个字符。",
            "organization.name needs at least 2 characters.",
        )];
        place_errors(&mut fields, &errors, Locale::ZhCn);
        assert_eq!(fields[0].error.as_deref(), Some("企业名称至少 2 个字符。"));
    }

    #[test]
    fn passwords_are_never_kept() {
        assert_eq!(
            Field::input("password", "password", "密码", "secret").value,
            ""
        );
    }
}
