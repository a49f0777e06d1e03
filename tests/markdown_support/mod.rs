//! Reading the fenced examples out of the project's Markdown documents, for the tests that run
//! them (tests/docs/docs.rs, tests/docs/docs_oauth.rs, tests/cli/readme.rs).

/// A fenced block, or an HTML comment between blocks (info `comment`).
pub struct Block {
    /// The fence's info string (`sql`, `console`, ...), or `comment`.
    pub info: String,
    /// The block's text, each line ending in `\n`; for a comment, its trimmed text.
    pub body: String,
    /// The line (1-based) where the block opens.
    pub line: usize,
}

/// The fenced blocks of a markdown file, plus the HTML comments between them.
pub fn blocks(markdown: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut lines = markdown.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        if let Some(info) = line.strip_prefix("```") {
            let mut body = String::new();
            for (_, inner) in lines.by_ref() {
                if inner.starts_with("```") {
                    break;
                }
                body.push_str(inner);
                body.push('\n');
            }
            out.push(Block {
                info: info.trim().to_owned(),
                body,
                line: n + 1,
            });
        } else if let Some(comment) = line
            .trim()
            .strip_prefix("<!--")
            .and_then(|c| c.strip_suffix("-->"))
        {
            out.push(Block {
                info: "comment".into(),
                body: comment.trim().to_owned(),
                line: n + 1,
            });
        }
    }
    out
}

/// Whether `DOCS_SHOW_ACTUAL` asks the tests to print what every example produced.
#[allow(dead_code)] // not every test file that reads Markdown prints
pub fn show_actual() -> bool {
    std::env::var_os("DOCS_SHOW_ACTUAL").is_some()
}
