//! The small HTML pages the callback listener shows in the browser.
//!
//! Each page is self-contained (inline style, no scripts, no external resources), so it renders
//! the same on an offline machine and cannot leak the callback URL (which carries the
//! authorization code) to a third party through a `Referer` header.

/// The page shown after a callback that delivered an authorization code.
pub(crate) fn success_page() -> String {
    page(
        "Authorization complete",
        "Authorization complete",
        "zohobooks-sql received the authorization from Zoho and is finishing the sign-in. \
         You may close this window and return to the application.",
        "ok",
    )
}

/// The page shown when the callback ends the login with an error (denied, state mismatch, ...).
pub(crate) fn failure_page(reason: &str) -> String {
    let body = format!(
        "{}</p>\n<p>You may close this window and start the sign-in again from the application.",
        escape_html(&as_sentence(reason))
    );
    page(
        "Authorization failed",
        "Authorization failed",
        &body,
        "failed",
    )
}

/// The page for requests that are not the OAuth callback (favicon, probes, wrong path).
pub(crate) fn not_found_page() -> String {
    page(
        "Not found",
        "Not found",
        "This local address only receives the OAuth callback of zohobooks-sql.",
        "failed",
    )
}

/// The page for a second callback arriving after the first one was already handled.
pub(crate) fn already_handled_page() -> String {
    page(
        "Already handled",
        "This sign-in was already handled",
        "An earlier response from Zoho already completed or ended this sign-in. \
         You may close this window.",
        "failed",
    )
}

/// Capitalises the first word (unless it is a code like `invalid_scope`) and ends the text
/// with a full stop.
fn as_sentence(text: &str) -> String {
    let text = text.trim();
    let first_word = text.split([' ', ':']).next().unwrap_or("");
    let mut out = if first_word.chars().all(|c| c.is_ascii_alphabetic()) {
        let mut chars = text.chars();
        match chars.next() {
            Some(first) => first.to_uppercase().chain(chars).collect(),
            None => return String::new(),
        }
    } else {
        text.to_owned()
    };
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

/// Builds a complete HTML document. `body` must already be escaped.
fn page(title: &str, heading: &str, body: &str, kind: &str) -> String {
    let accent = if kind == "ok" { "#1a7f37" } else { "#b42318" };
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} - zohobooks-sql</title>\n<style>\n\
         body{{font-family:system-ui,-apple-system,\"Segoe UI\",sans-serif;background:#f6f7f9;color:#1f2328;margin:0}}\n\
         main{{max-width:32rem;margin:12vh auto;background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:2rem}}\n\
         h1{{font-size:1.4rem;margin:0 0 1rem;color:{accent}}}\n\
         p{{line-height:1.5;margin:0 0 .75rem}}\n\
         </style>\n</head>\n<body>\n<main id=\"{kind}\">\n<h1>{heading}</h1>\n<p>{body}</p>\n</main>\n</body>\n</html>\n"
    )
}

/// Escapes the five characters that matter in HTML text and attribute values.
pub(crate) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_page_escapes_the_reason() {
        let html = failure_page("<script>alert('x')</script> & more");
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more"));
        assert!(html.contains("You may close this window"));
        let html = failure_page("the user denied access");
        assert!(html.contains("<p>The user denied access.</p>"), "{html}");
        assert!(failure_page("invalid_scope: x").contains("<p>invalid_scope: x.</p>"));
    }

    #[test]
    fn pages_are_self_contained() {
        for html in [
            success_page(),
            failure_page("x"),
            not_found_page(),
            already_handled_page(),
        ] {
            assert!(html.starts_with("<!DOCTYPE html>"));
            assert!(!html.contains("src="), "no external resources: {html}");
            assert!(!html.contains("href="), "no links: {html}");
            assert!(!html.contains("<script"), "no scripts: {html}");
        }
        assert!(success_page().contains("You may close this window"));
    }
}
