//! Checks on user input that do not need the database. Each returns the normalized value or
//! a VALIDATION_ERROR naming the field.

use crate::error::ApiError;
use std::str::FromStr;

const MAX_EMAIL: usize = 254;

/// A syntactically valid address, trimmed and lowercased.
pub fn email(raw: &str) -> Result<String, ApiError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(ApiError::validation("email", "Enter your email address"));
    }
    if trimmed.len() > MAX_EMAIL {
        return Err(ApiError::validation(
            "email",
            "This email address is too long",
        ));
    }
    let lower = trimmed.to_lowercase();
    let valid = email_address::EmailAddress::from_str(&lower).is_ok()
        && lower
            .split_once('@')
            .is_some_and(|(_, domain)| domain.contains('.'));
    if !valid {
        return Err(ApiError::validation(
            "email",
            "Enter a valid email address, like name@example.com",
        ));
    }
    Ok(lower)
}

/// 3 to 32 of `a-z 0-9 . _ -`, starting with a letter or digit; stored lowercase.
pub fn username(raw: &str) -> Result<String, ApiError> {
    let name = raw.trim().to_lowercase();
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    let ok_start = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    if !(3..=32).contains(&name.len()) || !ok_chars || !ok_start {
        return Err(ApiError::validation(
            "username",
            "Use 3 to 32 letters, digits, dots, dashes or underscores",
        ));
    }
    Ok(name)
}

/// A username suggested by an address's local part (uniqueness is the caller's job).
pub fn username_from_email(email: &str) -> String {
    let local = email
        .split('@')
        .next()
        .and_then(|l| l.split('+').next())
        .unwrap_or_default();
    let mut name: String = local
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        .take(24)
        .collect::<String>()
        .trim_start_matches(['.', '_', '-'])
        .to_lowercase();
    if name.len() < 3 {
        name = format!("user{name}");
    }
    name
}

/// A one-time token as mailed: 64 hex characters. Anything else is not worth a lookup.
pub fn token_shape(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(email("  Jean@Example.COM ").unwrap(), "jean@example.com");
        for bad in [
            "",
            "jean",
            "jean@",
            "@example.com",
            "jean@localhost",
            "a b@example.com",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
        assert!(email(&format!("{}@example.com", "a".repeat(300))).is_err());
    }

    #[test]
    fn usernames() {
        assert_eq!(username("Alice").unwrap(), "alice");
        for bad in [
            "al",
            "-alice",
            "alice@example.com",
            "ali ce",
            &"a".repeat(33),
        ] {
            assert!(username(bad).is_err(), "{bad}");
        }
        assert_eq!(
            username_from_email("Jean.Dupont+tag@example.com"),
            "jean.dupont"
        );
        assert_eq!(username_from_email("jo@example.com"), "userjo");
        assert!(username(&username_from_email("+++@example.com")).is_ok());
    }
}
