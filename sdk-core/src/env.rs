//! Reading configuration from environment variables, the same way for every
//! vendor's `builder_from_env`: every variable is read before any error is
//! reported, so one error names every missing, blank or malformed variable.

use crate::error::{Error, Result};

type Lookup = Box<dyn Fn(&str) -> Option<String>>;

/// Reads several variables and collects what is wrong with them.
///
/// ```
/// use sdk_core::vendor::env::EnvReader;
///
/// let mut env = EnvReader::with_lookup(|name| match name {
///     "DEMO_TOKEN" => Some("  ".to_owned()),
///     "DEMO_URL" => Some("not a url".to_owned()),
///     _ => None,
/// });
/// let _url = env.url("DEMO_URL");
/// let _token = env.required("DEMO_TOKEN");
/// let _tenant = env.required("DEMO_TENANT");
/// let error = env.finish().unwrap_err().to_string();
/// assert!(error.contains("DEMO_TOKEN is blank"), "{error}");
/// assert!(error.contains("DEMO_TENANT is not set"), "{error}");
/// assert!(error.contains("DEMO_URL is not a URL"), "{error}");
/// ```
pub struct EnvReader {
    lookup: Lookup,
    problems: Vec<String>,
}

impl std::fmt::Debug for EnvReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the values: some are secrets.
        f.debug_struct("EnvReader")
            .field("problems", &self.problems)
            .finish_non_exhaustive()
    }
}

impl Default for EnvReader {
    fn default() -> Self {
        Self::new()
    }
}

impl EnvReader {
    /// A reader of the process environment.
    pub fn new() -> Self {
        Self::with_lookup(|name| std::env::var(name).ok())
    }

    /// A reader that looks variables up with `lookup` instead (for tests).
    pub fn with_lookup(lookup: impl Fn(&str) -> Option<String> + 'static) -> Self {
        Self {
            lookup: Box::new(lookup),
            problems: Vec::new(),
        }
    }

    /// The value of a variable that must be set and not blank; a problem is
    /// recorded otherwise, and an empty string returned.
    pub fn required(&mut self, name: &str) -> String {
        match (self.lookup)(name) {
            None => {
                self.problems.push(format!("{name} is not set"));
                String::new()
            }
            Some(value) if value.trim().is_empty() => {
                self.problems.push(format!("{name} is blank"));
                String::new()
            }
            Some(value) => value,
        }
    }

    /// The value of an optional variable; blank counts as not set.
    pub fn optional(&mut self, name: &str) -> Option<String> {
        (self.lookup)(name).filter(|value| !value.trim().is_empty())
    }

    /// A required variable that must hold an absolute URL.
    pub fn url(&mut self, name: &str) -> String {
        let value = self.required(name);
        if !value.is_empty() {
            self.check_url(name, &value);
        }
        value
    }

    /// An optional variable that, when set, must hold an absolute URL.
    pub fn optional_url(&mut self, name: &str) -> Option<String> {
        let value = self.optional(name)?;
        self.check_url(name, &value);
        Some(value)
    }

    fn check_url(&mut self, name: &str, value: &str) {
        // The reason only: the value may carry credentials.
        if let Err(error) = url::Url::parse(value.trim()) {
            self.problems.push(format!("{name} is not a URL ({error})"));
        }
    }

    /// `Ok` when every variable read was fine; otherwise one
    /// [`Error::InvalidInput`] that names each problem.
    pub fn finish(self) -> Result<()> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(Error::invalid_input(
                "environment",
                self.problems.join("; "),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_is_named_once_in_the_order_read() {
        let mut env = EnvReader::with_lookup(|name| match name {
            "A" => Some("fine".to_owned()),
            "B" => Some("\t".to_owned()),
            "URL" => Some("https://ok.example".to_owned()),
            "BAD_URL" => Some("ok.example/path".to_owned()),
            "BLANK_OPTIONAL" => Some(" ".to_owned()),
            _ => None,
        });
        assert_eq!(env.required("A"), "fine");
        assert_eq!(env.required("B"), "");
        assert_eq!(env.required("C"), "");
        assert_eq!(env.url("URL"), "https://ok.example");
        env.optional_url("BAD_URL");
        assert_eq!(env.optional("BLANK_OPTIONAL"), None);
        assert_eq!(env.optional_url("UNSET_URL"), None);
        let error = env.finish().unwrap_err();
        assert!(matches!(error, Error::InvalidInput(_)));
        let text = error.to_string();
        assert!(
            text.contains("B is blank; C is not set; BAD_URL is not a URL"),
            "{text}"
        );
        assert!(
            !text.contains("ok.example"),
            "no value in the error: {text}"
        );
    }

    #[test]
    fn nothing_wrong_is_ok() {
        let mut env = EnvReader::with_lookup(|_| Some("x".to_owned()));
        env.required("A");
        assert!(env.finish().is_ok());
    }
}
