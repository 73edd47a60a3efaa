//! Checks on user input that do not need the database. Each returns the normalized value or
//! a VALIDATION_ERROR naming the field.

use crate::error::ApiError;

const MAX_EMAIL: usize = 254;

/// A bare address (RFC 5321 addr-spec in dot-atom form), trimmed and lowercased. No display
/// name, comment, quoted local part, IP literal or inner whitespace: `Victim <v@example.com>`
/// and `"v@example.com" <a@evil>` are refused, so one inbox has one spelling and an address
/// shown to a user is the address mail goes to.
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
    if !is_bare_address(&lower) {
        return Err(ApiError::validation(
            "email",
            "Enter a valid email address, like name@example.com",
        ));
    }
    Ok(lower)
}

fn is_bare_address(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    // Characters of a dot-atom local part (RFC 5322 atext), plus non-ASCII (RFC 6531).
    let atext = |c: char| {
        c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c) || c.is_alphanumeric()
    };
    let local_ok = (1..=64).contains(&local.len())
        && local
            .split('.')
            .all(|atom| !atom.is_empty() && atom.chars().all(atext));
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |label: &&str| {
        (1..=63).contains(&label.len())
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c == '-' || c.is_alphanumeric())
    };
    let tld_ok = labels
        .last()
        .is_some_and(|tld| !tld.chars().all(|c| c.is_ascii_digit()));
    local_ok && labels.len() >= 2 && labels.iter().all(label_ok) && tld_ok
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
        for good in [
            "o'brien+tag@mail.example.co.uk",
            "jörg@bücher.de",
            "a.b-c_d@x-y.example",
        ] {
            assert!(email(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "jean",
            "jean@",
            "@example.com",
            "jean@localhost",
            "a b@example.com",
            "Victim <v@example.com>",
            "\"v@example.com\" <attacker@evil.example>",
            "<v@example.com>",
            "v@example.com (comment)",
            "\"quoted\"@example.com",
            "v@[192.0.2.1]",
            "v@192.0.2.1",
            "v..w@example.com",
            ".v@example.com",
            "v@example..com",
            "v@-example.com",
            "v@exa mple.com",
            "v\t@example.com",
            "v@example.com,w@example.com",
            "v@w@example.com",
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
