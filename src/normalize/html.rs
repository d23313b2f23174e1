//! `.html` adapter (being written).

use super::Draft;

/// Turns a saved web page into a draft release.
pub(crate) fn parse(html: &str) -> Draft {
    let _ = html;
    Draft::default()
}
