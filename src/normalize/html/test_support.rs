//! Helpers shared by the `.html` adapter's unit tests: the fixture pages, a
//! few paragraphs of release prose and a page builder.

use chrono::{DateTime, FixedOffset};

use crate::normalize::Draft;

pub(super) const GENEVA: &str = include_str!("../../../tests/data/html/geneva-appeal.html");
pub(super) const MINIMAL: &str = include_str!("../../../tests/data/html/minimal.html");

/// Three paragraphs of release prose, long enough for Readability.
pub(super) const PROSE: &str = "<p>NAIROBI – Aid workers reached 12,400 people in the Dadaab camps this week with food, water and shelter after heavy rains flooded parts of the settlement, the Horn Relief Coalition said on Tuesday.</p>\
    <p>The coalition has registered 3,100 new arrivals since January, most of them women and children who walked for several days from the border area, and it expects the number to rise further before the end of the rainy season.</p>\
    <p>Water trucking will continue for at least six weeks while engineers repair two boreholes damaged by the floods, and mobile clinics will visit each block of the camp twice a week.</p>";

/// A whole page with `head` and `body` filled in.
pub(super) fn page(head: &str, body: &str) -> String {
    format!("<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>")
}

/// The draft's blocks, one a line.
pub(super) fn joined(draft: &Draft) -> String {
    draft.blocks.join("\n")
}

/// An RFC 3339 date, as the draft states it.
pub(super) fn date(text: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(text).ok()
}
