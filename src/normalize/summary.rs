//! The summary: the first real body paragraph (with its dateline), cut at a
//! sentence end or else a word boundary. Also knows what a dateline looks
//! like, since both the summary and the locator care.

use std::sync::LazyLock;

use regex::Regex;

use super::template::line_key;

#[allow(clippy::expect_used)]
static UPDATE_NOTE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:this|the) (?:press )?(?:note|release|article|story|page|statement|update|news) (?:has been|was|is) (?:updated|amended|corrected|revised)|^(?:updated|last updated|editor'?s note)(?-u:\b)").expect("static regex")
});

/// Paragraphs shorter than this (in words) are labels, not a lead.
const FEWEST_LEAD_WORDS: usize = 6;
/// Paragraphs searched for the lead.
const LEAD_SEARCH: usize = 40;
/// Leads searched for the one with a dateline after a labelled sidebar.
const LEADS_AFTER_SIDEBAR: usize = 8;

/// Picks the lead paragraph and cuts it to `max` characters.
/// `names_place` says whether a dateline names a known place.
pub fn summarize(
    body: &[String],
    title: &str,
    max: usize,
    names_place: impl Fn(&str) -> bool,
) -> String {
    let title_key = line_key(title);
    // Only the first few leads are ever looked at.
    let leads: Vec<usize> = (0..body.len().min(LEAD_SEARCH))
        .filter(|&i| is_lead(&body[i], &title_key))
        .take(LEADS_AFTER_SIDEBAR)
        .collect();
    let opens_with_place = |i: &usize| dateline_prefix(&body[*i]).is_some_and(&names_place);
    // A labelled sidebar ("Analysis:", then a byline) sometimes comes before
    // the release's own opening; that opening is the paragraph with the dateline.
    let after_sidebar = leads
        .first()
        .filter(|i| !opens_with_place(i))
        .and_then(|&first| {
            let labelled = body[..first].iter().any(|p| is_label(p));
            leads.iter().find(|i| labelled && opens_with_place(i))
        });
    // A deck under the title (a line of its own with no full stop) comes
    // before the dated opening it sums up (a date line may sit between
    // them; it is no lead); the opening is the lead.
    let after_deck = leads
        .iter()
        .take(MOST_DECKS + 1)
        .position(|i| !is_standfirst(&body[*i]))
        .filter(|&n| n > 0)
        .map(|n| &leads[n])
        .filter(|i| opens_with_place(i));
    // A deck with no full stop at all gives way to an opening that ends
    // as a sentence, dated or not.
    let after_bare_deck = match leads.as_slice() {
        [deck, opening, ..]
            if is_deck(&body[*deck]) && opens_under_deck(&body[*opening], &body[*deck]) =>
        {
            Some(opening)
        }
        _ => None,
    };
    let lead = after_sidebar
        .or(after_deck)
        .or(after_bare_deck)
        .or(leads.first())
        .map(|&i| &body[i])
        .or_else(|| body.iter().find(|p| line_key(p) != title_key));
    lead.map(|p| cut(p, max)).unwrap_or_default()
}

/// A paragraph that ends with a full stop and runs longer than the deck
/// above it. One that goes on in small letters or after a dash is the rest
/// of a paragraph a page break cut short, not an opening under a deck.
fn opens_under_deck(paragraph: &str, deck: &str) -> bool {
    !paragraph.starts_with(|c: char| c.is_lowercase() || matches!(c, '–' | '—' | '-'))
        && paragraph.trim_end().ends_with(['.', '!', '?'])
        && paragraph.split_whitespace().count() > deck.split_whitespace().count()
}

/// Decks or standfirst lines that may stand above the dated opening.
const MOST_DECKS: usize = 2;

/// A short label such as `Analysis:` that heads a block of its own.
fn is_label(paragraph: &str) -> bool {
    paragraph.ends_with(':') && paragraph.split_whitespace().nth(3).is_none()
}

/// A row of a page's table of fields: `Stations attending: | Athi River`.
fn is_field_row(paragraph: &str) -> bool {
    // The label ends at the first colon, which `memchr` finds; a search
    // for " | " would read the whole of every paragraph.
    paragraph.find(':').is_some_and(|colon| {
        paragraph[colon + 1..].starts_with(" | ")
            && paragraph[..colon].split_whitespace().nth(4).is_none()
    })
}

fn is_lead(paragraph: &str, title_key: &str) -> bool {
    // Only counts up to 15 matter, and paragraphs run to hundreds of words.
    let words = paragraph.split_whitespace().take(15).count();
    let disqualified = words < FEWEST_LEAD_WORDS
        || (paragraph.ends_with(':') && words < 15)
        || is_standalone_dateline(paragraph)
        || UPDATE_NOTE.is_match(paragraph)
        || super::clean::is_list_block(paragraph)
        || super::contact::is_contact_header(paragraph)
        || is_field_row(paragraph)
        || (paragraph.len() <= title_key.len() * 2 + 8 && line_key(paragraph) == title_key);
    !disqualified
}

/// Most words a standfirst (one sentence that sums the release up) has.
const MOST_STANDFIRST_WORDS: usize = 30;
/// Most words a deck (the subtitle under a release's title, with no full
/// stop) has: some run to a string of points (`€420 million invested /
/// 600 jobs / production from 2028`).
const MOST_BARE_DECK_WORDS: usize = 40;

/// A deck: a short line that does not end as a sentence does, such as
/// `New system handles 1,200 items an hour` between a title and a dated
/// opening paragraph.
pub fn is_deck(paragraph: &str) -> bool {
    let t = paragraph.trim_end();
    let ends_like_sentence = t.ends_with(['.', '!', '?', '…', ':', ';', '"', '”', '’', '\'', ')']);
    !ends_like_sentence
        && t.split_whitespace().nth(MOST_BARE_DECK_WORDS).is_none()
        && !opens_with_dash_dateline(t)
        && !is_standalone_dateline(t)
}

/// A dateline set off by a dash or a full stop (`LAGOS – `); one set off by
/// a colon may be a deck's label (`Donaukraft: members fund six schools`).
fn opens_with_dash_dateline(t: &str) -> bool {
    dateline_prefix(t).is_some_and(|d| !t[d.len()..].starts_with(": "))
}

/// A deck, or one short sentence that sums the release up above its
/// opening (Markdown's `> …` under the headline, a page's standfirst): a
/// release opens with its dateline, so a sentence above it is not the lead.
fn is_standfirst(paragraph: &str) -> bool {
    let t = paragraph.trim_end();
    is_deck(t)
        || (t.split_whitespace().nth(MOST_STANDFIRST_WORDS).is_none()
            && t.ends_with('.')
            && !t[..t.len() - 1].contains(". ")
            && !opens_with_dash_dateline(t))
}

/// Longest line of a place and a date, in characters.
const PLACE_AND_DATE_CHARS: usize = 60;

/// A line of a place and a date only, such as `Brussels, 3 March 2026`,
/// standing as the dateline above the opening paragraph.
pub fn is_place_and_date(line: &str) -> bool {
    let t = line.trim();
    // The cheap tests first: this runs on opening paragraphs, which are far
    // longer and end as sentences.
    if t.len() > PLACE_AND_DATE_CHARS * 4 || t.ends_with(['.', '!', '?']) {
        return false;
    }
    let Some((place, date)) = t.split_once(',') else {
        return false;
    };
    place.split_whitespace().nth(3).is_none()
        && place.chars().next().is_some_and(char::is_uppercase)
        && date.split_whitespace().nth(4).is_none()
        && t.chars().count() <= PLACE_AND_DATE_CHARS
        && date
            .split(|c: char| !c.is_ascii_digit())
            .any(|run| run.len() == 4)
}

/// A line that is only a dateline, such as `GENEVA, Switzerland, 13 May 2015 --`.
pub fn is_standalone_dateline(line: &str) -> bool {
    let t = line.trim();
    // The length last: counting characters reads the whole paragraph.
    (t.ends_with("--") || t.ends_with('—') || t.ends_with('–') || t.ends_with(" -"))
        && t.chars().next().is_some_and(char::is_uppercase)
        && t.chars().count() <= 160
}

/// What ends a dateline that opens a paragraph.
const DATELINE_SEPARATORS: [&str; 5] = [" – ", " — ", " -- ", " - ", ": "];

/// The dateline that opens a paragraph (`Kathmandu – `, `Misrata, Libya - `,
/// `Kenya: `, `3 March 2026, Nairobi – `, `Dhaka, 3 March 2026. `), without
/// its separator.
pub fn dateline_prefix(paragraph: &str) -> Option<&str> {
    separated_dateline(paragraph).or_else(|| dated_sentence_start(paragraph))
}

/// How far into a paragraph a dateline closed by a full stop may end.
const DATED_HEAD_BYTES: usize = 80;

/// `Dhaka, 3 March 2026. The board…`: a place and a date closed by a full
/// stop. Only after a year, so that `Dr. Jane Doe` is never a dateline.
fn dated_sentence_start(paragraph: &str) -> Option<&str> {
    // This runs on every short line: full stops are found by `memchr`, and
    // only the first one followed by a space is looked at.
    let mut head_end = paragraph.len().min(DATED_HEAD_BYTES);
    while !paragraph.is_char_boundary(head_end) {
        head_end -= 1;
    }
    let bytes = paragraph.as_bytes();
    let (at, _) = paragraph[..head_end]
        .match_indices('.')
        .find(|&(i, _)| bytes.get(i + 1) == Some(&b' '))?;
    if at < 4 || !bytes[at - 4..at].iter().all(u8::is_ascii_digit) {
        return None;
    }
    // The full stop follows an ASCII digit: `at` is a char boundary.
    let prefix = paragraph[..at].trim();
    let rest = &paragraph[at + 2..];
    (prefix.contains(',')
        && prefix.chars().next().is_some_and(char::is_uppercase)
        && prefix.split_whitespace().nth(8).is_none()
        && rest.split_whitespace().nth(7).is_some())
    .then_some(prefix)
}

fn separated_dateline(paragraph: &str) -> Option<&str> {
    let head_end = paragraph
        .char_indices()
        .nth(90)
        .map_or(paragraph.len(), |(i, _)| i);
    let head = &paragraph[..head_end];
    // The first separator in the head, found in one pass: each opens with
    // a space or a colon, and no two can start at the same place.
    let (at, sep_len) = head
        .bytes()
        .enumerate()
        .filter(|&(_, b)| b == b' ' || b == b':')
        .find_map(|(i, _)| {
            DATELINE_SEPARATORS
                .iter()
                .find(|sep| head[i..].starts_with(**sep))
                .map(|sep| (i, sep.len()))
        })?;
    let prefix = paragraph[..at].trim();
    let rest = &paragraph[at + sep_len..];
    let words = prefix.split_whitespace().count();
    let has_date_or_list =
        prefix.contains(',') || prefix.contains('/') || prefix.chars().any(|c| c.is_ascii_digit());
    // `3 March 2026, Nairobi`: a date may come first.
    let starts_upper = prefix
        .chars()
        .next()
        .is_some_and(|c| c.is_uppercase() || (c.is_ascii_digit() && prefix.contains(',')));
    let sentence_after = rest.split_whitespace().nth(7).is_some();
    let place_like = prefix.split_whitespace().all(|w| {
        !w.starts_with(char::is_lowercase)
            || [
                "of", "the", "de", "du", "des", "la", "le", "el", "al", "and", "y", "et", "di",
                "do", "da",
            ]
            .contains(&w)
            || (has_date_or_list && LOWERCASE_MONTHS.contains(&w.trim_end_matches([',', '.'])))
    });
    (starts_upper
        && place_like
        && !prefix.is_empty()
        && (words <= 4 || (has_date_or_list && words <= 12))
        && sentence_after
        && (!prefix.ends_with('.') || ends_with_abbreviation(prefix)))
    .then_some(prefix)
}

/// Months as Spanish, French and Portuguese write them, in lower case, so
/// that `Manaus (AM), 21 de fevereiro de 2025 –` is a dateline (and
/// `21 de fevereiro de 2025` a date line).
pub(crate) const LOWERCASE_MONTHS: [&str; 35] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "setiembre",
    "octubre",
    "noviembre",
    "diciembre",
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
    "janeiro",
    "fevereiro",
    "março",
    "maio",
    "junho",
    "julho",
    "setembro",
    "outubro",
    "novembro",
    "dezembro",
];

/// Longest abbreviation a dateline may end with (`Calif.`, `N.M.`, `W.Va.`).
const LONGEST_DATELINE_ABBREVIATION: usize = 6;

/// `SANTA FE, N.M.`: the full stop ends an abbreviation after a comma, not
/// a sentence.
fn ends_with_abbreviation(prefix: &str) -> bool {
    prefix.rsplit_once(',').is_some_and(|(_, last)| {
        let last = last.trim();
        last.chars().count() <= LONGEST_DATELINE_ABBREVIATION
            && last.chars().next().is_some_and(char::is_uppercase)
            && !last.contains(' ')
    })
}

/// Cuts a paragraph to at most `max` characters: after the last whole
/// sentence that fits, else at a word boundary, marking the cut with `…`.
pub fn cut(paragraph: &str, max: usize) -> String {
    if paragraph.chars().count() <= max {
        return paragraph.to_owned();
    }
    let limit = paragraph
        .char_indices()
        .nth(max.saturating_sub(2))
        .map_or(paragraph.len(), |(i, _)| i);
    let head = &paragraph[..limit];
    match last_sentence_end(head).filter(|&end| end * 10 >= limit * 3) {
        Some(end) => format!("{} …", head[..end].trim_end()),
        None => super::clean::truncate_words(paragraph, max),
    }
}

/// Byte offset just past the last sentence end in `text` that is followed by
/// a space, skipping abbreviations such as `Mr.` or `U.S.`.
fn last_sentence_end(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut best = None;
    for (i, c) in text.char_indices() {
        if !matches!(c, '.' | '!' | '?') {
            continue;
        }
        let mut end = i + 1;
        while let Some(q) = text[end..]
            .chars()
            .next()
            .filter(|q| matches!(q, '"' | '”' | '’' | '\'' | ')' | '»'))
        {
            end += q.len_utf8();
        }
        if bytes.get(end) != Some(&b' ') {
            continue;
        }
        if c == '.' && is_abbreviation(&text[..i]) {
            continue;
        }
        best = Some(end);
    }
    best
}

fn is_abbreviation(before: &str) -> bool {
    let word = before
        .rsplit(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or("");
    const SHORT: [&str; 16] = [
        "Mr", "Mrs", "Ms", "Dr", "St", "No", "Nos", "Amb", "Gen", "Prof", "Sr", "Jr", "vs", "etc",
        "approx", "Hon",
    ];
    SHORT.contains(&word)
        || word.contains('.')
        || (word.len() == 1 && word.chars().all(|c| c.is_uppercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paras(ps: &[&str]) -> Vec<String> {
        ps.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn lead_skips_labels_datelines_and_notes() {
        let body = paras(&[
            "2017",
            "GENEVA, Switzerland, May 3, 2016 --",
            "This press release was updated on 4 May.",
            "Juba – The first barge of the season reached the capital after a month on the river.",
        ]);
        assert!(
            summarize(&body, "Barge arrives", 400, |_| true).starts_with("Juba – The first barge")
        );
    }

    #[test]
    fn a_deck_gives_way_to_the_dated_opening() {
        let body = paras(&[
            "New terminal handles twice the cargo and opens in May",
            "LAGOS, March 3, 2026 /Newswire/ -- The port authority opened a second container terminal on Tuesday.",
        ]);
        assert!(
            summarize(&body, "Port opens terminal", 400, |_| true).starts_with("LAGOS, March 3")
        );
        // A date line between them is no lead either.
        let dated = paras(&[
            "New terminal handles twice the cargo and opens in May",
            "March 3, 2026",
            "LAGOS, March 3, 2026 /Newswire/ -- The port authority opened a second container terminal on Tuesday.",
        ]);
        assert!(
            summarize(&dated, "Port opens terminal", 400, |_| true).starts_with("LAGOS, March 3")
        );
        // So does a one-sentence standfirst.
        let standfirst = paras(&[
            "A second terminal doubles the cargo the port can handle.",
            "LAGOS, March 3, 2026 /Newswire/ -- The port authority opened a second container terminal on Tuesday.",
        ]);
        assert!(
            summarize(&standfirst, "Port opens terminal", 400, |_| true)
                .starts_with("LAGOS, March 3")
        );
        // A labelled deck, a second deck and a row of fields are no leads.
        let labelled = paras(&[
            "Harbour Fund: two piers financed – ferries return in May",
            "Second deck line that says what the money buys",
            "Vessels: | two ferries, one tug",
            "LAGOS, March 3, 2026 /Newswire/ -- The port authority opened a second container terminal on Tuesday.",
        ]);
        assert!(
            summarize(&labelled, "Port opens terminal", 400, |_| true)
                .starts_with("LAGOS, March 3")
        );
        // Without a dated opening after it, the first paragraph stays the lead.
        let plain = paras(&[
            "The port authority opened a second container terminal on Tuesday",
            "It doubles the cargo the port can handle.",
        ]);
        assert!(
            summarize(&plain, "Port opens terminal", 400, |_| true)
                .starts_with("The port authority")
        );
    }

    #[test]
    fn a_short_deck_gives_way_to_an_undated_opening() {
        let body = paras(&[
            "Centre will train 600 people a year in construction trades, tourism and food processing",
            "The regional administration today opened a training centre for people returning from work abroad, with the first 80 trainees starting this week.",
        ]);
        assert!(
            summarize(&body, "New skills centre opens", 400, |_| true).starts_with("The regional")
        );
        // A paragraph a page break cut short is longer than a deck: it stays the lead.
        let cut_short = paras(&[
            "Amid growing concern over the effects of floods and droughts on farming, the institute is to host a two-day meeting that aims to help officials plan for the movement of",
            "The meeting, which opens on 29 March, will hear from ministers and researchers from twelve countries.",
        ]);
        assert!(
            summarize(&cut_short, "Meeting on climate", 400, |_| true).starts_with("Amid growing")
        );
    }

    #[test]
    fn decks_are_short_lines_that_do_not_end_as_sentences() {
        assert!(is_deck(
            "New terminal handles twice the cargo and opens in May"
        ));
        assert!(!is_deck("The terminal opened on Tuesday."));
        assert!(!is_deck(
            "LAGOS – The port authority opened a second terminal on Tuesday"
        ));
        assert!(is_deck(
            "Investment of €420 million in the plant / Capacity to recover materials from up to 25,000 tonnes of batteries a year / Start of production planned for 2028"
        ));
        let long = "word ".repeat(41);
        assert!(!is_deck(&long));
    }

    #[test]
    fn a_deck_gives_way_to_the_opening_but_not_to_a_page_break() {
        let deck = "Floods, storms and wildfires drove most new displacements; one in four people were still without a durable home six months later";
        let opening = "Extreme weather forced people to flee their homes 51 million times last year, the highest figure on record, according to a report released today.";
        let body = [deck.to_owned(), opening.to_owned()];
        assert_eq!(
            summarize(
                &body,
                "Disasters displaced a record 51 million",
                400,
                |_| false
            ),
            opening
        );
        let cut = [deck.to_owned(), format!("– and {opening}")];
        assert_eq!(
            summarize(&cut, "Disasters displaced a record 51 million", 400, |_| {
                false
            }),
            deck
        );
    }

    #[test]
    fn datelines_with_the_date_first_or_closed_by_a_full_stop() {
        assert_eq!(
            dateline_prefix(
                "3 March 2026, Nairobi – The water board approved a drought plan for farms."
            ),
            Some("3 March 2026, Nairobi")
        );
        assert_eq!(
            dateline_prefix(
                "Dhaka, 3 March 2026. The water board approved a drought plan for farms on Tuesday."
            ),
            Some("Dhaka, 3 March 2026")
        );
        assert_eq!(
            dateline_prefix(
                "Dr. Jane Doe, who leads the board, said the plan would help farmers this year."
            ),
            None
        );
        assert!(is_place_and_date("Brussels, 3 March 2026"));
        assert!(is_place_and_date("GENEVA, March 3, 2026"));
        assert!(!is_place_and_date(
            "Brussels, the capital, hosted the talks in 2026."
        ));
        assert!(!is_place_and_date("In 2026, the board met twice"));
    }

    #[test]
    fn a_dateline_may_end_with_a_state_abbreviation() {
        assert_eq!(
            dateline_prefix(
                "SANTA FE, N.M. — The governor announced grants for rural internet on Tuesday."
            ),
            Some("SANTA FE, N.M.")
        );
        assert_eq!(
            dateline_prefix(
                "BOISE, Ida. - The state opened two new parks in the north on Friday morning."
            ),
            Some("BOISE, Ida.")
        );
        // A sentence that ends before a dash is not a dateline.
        assert_eq!(
            dateline_prefix(
                "Rains Fell Hard. – The river rose two metres overnight in the valley towns."
            ),
            None
        );
    }

    #[test]
    fn lead_is_never_the_title() {
        let body = paras(&[
            "Barge Arrives in Juba After a Month",
            "The barge carried 400 returnees and their belongings.",
        ]);
        assert!(
            summarize(&body, "Barge arrives in Juba after a month", 400, |_| true)
                .starts_with("The barge carried")
        );
    }

    #[test]
    fn cuts_at_a_sentence_end() {
        let p = "First sentence is here. Mr. Smith said a second sentence is here too. And a third one that is too long to fit.";
        assert_eq!(
            cut(p, 80),
            "First sentence is here. Mr. Smith said a second sentence is here too. …"
        );
    }

    #[test]
    fn cuts_at_a_word_when_no_sentence_fits() {
        let p = "one two three four five six seven eight nine ten eleven twelve";
        let s = cut(p, 30);
        assert!(s.ends_with('…') && s.chars().count() <= 30, "{s}");
    }

    #[test]
    fn finds_datelines() {
        assert_eq!(
            dateline_prefix(
                "Misrata, Libya – This week the agency helped 127 stranded migrants go home."
            ),
            Some("Misrata, Libya")
        );
        assert_eq!(
            dateline_prefix(
                "Kenya: The agency is providing transport to thousands of displaced people."
            ),
            Some("Kenya")
        );
        assert_eq!(
            dateline_prefix("Foreign Nationals Flee Libya to Tunisia, Egypt - Update"),
            None
        );
        assert_eq!(
            dateline_prefix("The agency said: we are here to help everyone now and later."),
            None
        );
    }
}
