//! Secrets from the command line, the environment or a file: printed, each is a placeholder, so that no log
//! line, error or `--help` shows one.

use std::fmt;

/// A value that must not be shown: printed, it is a placeholder.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value itself, for the client that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<secret>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<secret>")
    }
}

/// Reads a secret from a file (a Docker secret, say): its content without the line end an editor adds.
pub fn secret_file(path: &str) -> Result<Secret, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path} cannot be read: {e}"))?;
    let value = text.strip_suffix('\n').map(|t| t.strip_suffix('\r').unwrap_or(t)).unwrap_or(&text);
    if value.is_empty() {
        return Err(format!("{path} is empty"));
    }
    Ok(Secret::new(value))
}
