//! Collects every refused field of a request, so one 422 names them all at once.

use peitao_domain::Invalid;

use crate::error::{ApiError, FieldError, Text};

/// Field errors gathered while parsing one request.
#[derive(Debug, Default)]
pub struct Fields {
    errors: Vec<FieldError>,
}

impl Fields {
    #[must_use]
    pub fn new() -> Fields {
        Fields::default()
    }

    /// Keeps the parsed value, or records why `field` was refused.
    pub fn check<T>(&mut self, field: &str, result: Result<T, Invalid>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.errors.push(FieldError::from_invalid(field, &e));
                None
            }
        }
    }

    /// A required text of `min..=max` characters, trimmed.
    pub fn text(&mut self, field: &str, value: &str, min: usize, max: usize) -> Option<String> {
        let value = value.trim();
        let chars = value.chars().count();
        if chars == 0 {
            self.push(
                field,
                "required",
                Text::new(format!("请填写 {field}。"), format!("{field} is required.")),
            );
            None
        } else if chars > max {
            self.push(
                field,
                "too_long",
                Text::new(
                    format!("{field} 最多 {max} 个字符。"),
                    format!("{field} may have at most {max} characters."),
                ),
            );
            None
        } else if chars < min {
            self.push(
                field,
                "too_short",
                Text::new(
                    format!("{field} 至少 {min} 个字符。"),
                    format!("{field} needs at least {min} characters."),
                ),
            );
            None
        } else {
            Some(value.to_owned())
        }
    }

    /// Records a refusal found by other means.
    pub fn push(&mut self, field: &str, code: &str, message: Text) {
        self.errors.push(FieldError {
            field: field.to_owned(),
            code: code.to_owned(),
            message,
        });
    }

    /// 422 with every refused field, or Ok when there were none.
    ///
    /// # Errors
    /// The collected field errors.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self.errors))
        }
    }
}
