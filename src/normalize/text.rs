//! `.txt` adapter: a web page scraped to text. Drops template lines, finds
//! the title among the leading lines (skipping breadcrumbs, bylines and
//! dates), and rebuilds paragraphs, joining hard-wrapped lines back
//! together while keeping real paragraph breaks.

use std::sync::LazyLock;

use chrono::{DateTime, FixedOffset, NaiveDate};
use regex::Regex;

use super::clean::strip_prefix_ignore_case;
use super::template::{self, LearnedTemplates, line_key};
use super::{Draft, FrontMatter};
use crate::config::Rules;

/// Lines longer than this are body text, never a title.
const LONGEST_TITLE_LINE: usize = 250;
/// Leading lines searched for the title.
const TITLE_SEARCH_LINES: usize = 12;

#[allow(clippy::expect_used)]
static DATE_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?i:date)\s*:?\s*(\d{4}-\d{2}-\d{2})(?-u:\b)\s*").expect("static regex")
});
#[allow(clippy::expect_used)]
static DATE_LINE: LazyLock<Regex> = LazyLock::new(|| {
    let month = format!(
        r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|{})[a-z]*\.?",
        super::summary::LOWERCASE_MONTHS.join("|")
    );
    Regex::new(&format!(
        r"(?i)^(?:\d{{1,2}}:\d{{2}},?\s+)?(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+)?(?:\d{{1,2}}(?:st|nd|rd|th)?\s+(?:de\s+)?{month},?\s+(?:de\s+)?\d{{4}}|{month}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}[/.]\d{{1,2}}[/.]\d{{2,4}})(?:\s*[-–|,]?\s*\d{{1,2}}:\d{{2}}.*)?$"
    ))
    .expect("static regex")
});
#[allow(clippy::expect_used)]
static SOURCE_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^(?:
            (?:source|posted|published|by|author|fuente|auteur|publié\s+le|publicado)\s*:
          | (?:for\s+immediate\s+(?:release|use|publication|distribution)|embargoed(?-u:\b).*|(?:joint\s+)?(?:press|news|media)\s+(?:release|statement|advisory|briefing\s+notes?)
            |communiqué(?:\s+de\s+presse)?|comunicado(?:\s+de\s+prensa)?|nota\s+de\s+prensa)
            (?:\s+(?:no\.?|nr\.?|n[°º]|number|\#)\s*:?\s*\d[\w/.\-]*)?\s*[:.]?\s*$
          | (?:(?:published|posted|last\s+updated|updated|publicado)(?-u:\b)|publié).{0,40}\d{4}\s*$
        )",
    )
    .expect("static regex")
});
#[allow(clippy::expect_used)]
static NOTE_WITH_SECTION: LazyLock<Regex> = LazyLock::new(|| {
    // `Released: Friday, 14 March 2025`, `Posted on 19 June 2025 in
    // Guatemala`: a note, perhaps with its section or author after the
    // date. Apart from SOURCE_LINE, which every short block meets, so that
    // this longer pattern runs only on lines that open like notes.
    Regex::new(r"(?i)^(?:published|posted|released|issued|updated)(?-u:\b).{0,40}\d{4}(?:\s*(?:in|under|by|·|\||,)\s+[^.!?]{1,40})?\s*$")
        .expect("static regex")
});
#[allow(clippy::expect_used)]
static GLUED_HEADING: LazyLock<Regex> = LazyLock::new(|| {
    // A heading run into the first word of its blurb with no space:
    // "WHO WE AREThe …" or "Our WorkAs …". The blurb opens with a word
    // that starts sentences, so that a brand written in camel case
    // ("PayLintas raises …") is no glued heading.
    Regex::new(r"^(?:[A-Z]{2,}(?: [A-Z]{2,}){0,5}[A-Z][a-z]|(?:[A-Z][a-z]+ ){0,4}[A-Z][a-z]+(?:The|As|We|Our|In|This|For|At|Since|With|From|It|Every|Each|Over|When|Through|Today|Across|Founded|Since|Join|Learn|Read|Find|Discover|Explore|Meet|Help|Support|Get|Working|Together|Building|Helping) [a-z]).{40,}")
        .expect("static regex")
});
#[allow(clippy::expect_used)]
static WEB_CHROME: LazyLock<Regex> = LazyLock::new(|| {
    // Lines every scraped web page carries, whatever the site.
    Regex::new(
        r"(?i)^(?:skip to (?:the )?(?:main )?(?:content|navigation|search)|toggle (?:navigation|menu)|main (?:menu|navigation)|back to top|share (?:this|on \w+)(?: (?:page|article|story|post))?|print(?: this page)?|you are here:?.*|an official (?:website|site) of .*|here's how you know|accept (?:all )?cookies|this (?:site|website) uses cookies.*)\s*$",
    )
    .expect("static regex")
});

/// Parses scraped text into a draft.
pub(crate) fn parse(text: &str, folder: &str, rules: &Rules, learned: &LearnedTemplates) -> Draft {
    let is_configured = |line: &str, key: &str| template::is_configured(line, key, rules);
    let with_learned = parse_lines(text, is_configured, |key| {
        rules.learn_templates && learned.is_template(folder, key, rules.learn_min_files)
    });
    // When learned lines swallow a whole file (several copies of one release
    // in a folder), they are not navigation: read the file without them.
    let mut draft = if with_learned.title.is_none() && with_learned.blocks.is_empty() {
        parse_lines(text, is_configured, |_| false)
    } else {
        with_learned
    };
    draft.front.country = stated_country(text, &rules.taxonomy);
    draft
}

/// Lines at the top of a page searched for a `Country:` field.
const FIELD_SEARCH_LINES: usize = 80;

/// Labels of a page's country field, longest first so that the longer wins.
const COUNTRY_LABELS: [&str; 9] = [
    "benefiting member states",
    "benefiting member state",
    "beneficiary country",
    "benefiting country",
    "pays bénéficiaire",
    "país beneficiario",
    "country",
    "país",
    "pays",
];

/// A country the page states in a field of its own (`Country: Djibouti`,
/// or `Country` on one line and the name on the next), as project and
/// country pages do: what the page says outranks what its text mentions.
fn stated_country(text: &str, taxonomy: &crate::regions::Taxonomy) -> Option<String> {
    let mut lines = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(FIELD_SEARCH_LINES)
        .peekable();
    while let Some(line) = lines.next() {
        let Some(value) = country_field(line) else {
            continue;
        };
        let value = match value {
            "" => lines.peek().copied().unwrap_or(""),
            stated => stated,
        };
        if let Some(country) = taxonomy.lookup_exact(value) {
            return Some(taxonomy.countries()[country].code.clone());
        }
    }
    None
}

/// What follows a country label (`Country: Kenya` gives `Kenya`, `Country`
/// alone gives ``), or `None` when the line is no such field.
fn country_field(line: &str) -> Option<&str> {
    let rest = COUNTRY_LABELS
        .iter()
        .find_map(|label| strip_prefix_ignore_case(line, label))?;
    if !(rest.is_empty() || rest.starts_with([':', ' ', '\t'])) {
        return None;
    }
    Some(rest.trim_start().trim_start_matches(':').trim())
}

/// `is_template` gets each line with its [`line_key`].
/// Reads the lines of a file into a draft. `is_configured` (line and key)
/// and `is_learned` (key) say which lines are the site's template.
fn parse_lines(
    text: &str,
    is_configured: impl Fn(&str, &str) -> bool,
    is_learned: impl Fn(&str) -> bool,
) -> Draft {
    let mut front = FrontMatter::default();
    let raw: Vec<&str> = text.lines().collect();
    let keys: Vec<String> = raw.iter().map(|l| line_key(l)).collect();
    let menu = menu_lines(&raw, &keys);
    // Template lines become blank lines: they separate paragraphs.
    let mut learned = vec![false; raw.len()];
    let mut lines: Vec<String> = raw
        .iter()
        .enumerate()
        .zip(&menu)
        .zip(&keys)
        .zip(&mut learned)
        .map(|((((i, l), &is_menu), key), learned)| {
            if is_menu || is_configured(l, key) {
                String::new()
            } else if is_learned(key) && !carries_on_line_above(&raw, i) {
                *learned = true;
                String::new()
            } else {
                l.trim_end().to_owned()
            }
        })
        .collect();
    if let Some(first) = lines.iter_mut().find(|l| !l.trim().is_empty()) {
        front.date = take_date_prefix(first);
    }
    let subject = take_email_envelope(&mut lines);
    // Both steps below keep the opening where it is: one blanks lines
    // above it, the other puts one back there.
    let lead = opening_line(&lines);
    let leading_contact = take_leading_contact(&mut lines, lead);
    restore_learned_headline(&mut lines, &raw, &learned, lead);
    let (title, body_start) = find_title(&mut lines);
    let title = title.or(subject);
    let body: Vec<&str> = lines[body_start..]
        .iter()
        .map(|l| l.as_str())
        .map(|l| {
            if is_date_line(l.trim()) || super::clean::is_end_mark(l) {
                ""
            } else {
                l
            }
        })
        .collect();
    // Above the text, where the contact splitter takes a leading block
    // with its own lines only (a footer's "Contact us" menu is no part of it).
    let mut blocks = leading_contact;
    blocks.extend(paragraphs(&body));
    Draft {
        title,
        blocks,
        front,
        deck: None,
    }
}

/// Line `i` goes on with the sentence of the line above, as the tail of a
/// hard-wrapped sentence does (`migration.` under `… for environmental`):
/// text, however often other pages wrap a sentence the same way.
fn carries_on_line_above(raw: &[&str], i: usize) -> bool {
    let above = i.checked_sub(1).map_or("", |a| raw[a].trim_end());
    raw[i].trim_start().starts_with(char::is_lowercase)
        && !above.is_empty()
        && !above.ends_with(['.', '!', '?', ':', ';', '"', '”'])
}

/// Fewest words of a learned line taken back as the headline.
const RESTORED_HEADLINE_WORDS: usize = 4;

/// Takes back the headline when it was learned as template: a site's
/// "Latest news" list repeats each release's headline in the pages of the
/// next few, so in a folder of that site's releases the headline recurs
/// like navigation. The nearest learned line above the opening paragraph
/// that reads better than every other line there is the headline.
fn restore_learned_headline(
    lines: &mut [String],
    raw: &[&str],
    learned: &[bool],
    lead: Option<usize>,
) {
    let Some(lead) = lead else {
        return;
    };
    let near: Vec<usize> = (0..lead)
        .rev()
        .filter(|&i| !raw[i].trim().is_empty())
        .take(TITLE_WINDOW_LINES)
        .collect();
    for i in near {
        if !learned[i] || word_count(raw[i]) < RESTORED_HEADLINE_WORDS {
            continue;
        }
        lines[i] = raw[i].trim_end().to_owned();
        if best_title_above(lines, lead).is_some_and(|(best, _)| best == i) {
            return;
        }
        lines[i].clear();
    }
}

#[allow(clippy::expect_used)]
static EMAIL_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(from|to|cc|bcc|date|sent|subject|reply-to|mime-version|content-type|content-transfer-encoding|message-id|importance|organi[sz]ation|x-[a-z-]+)\s*:\s*(.*)$")
        .expect("static regex")
});
#[allow(clippy::expect_used)]
static FORWARD_SEPARATOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:-{2,}\s*(?:forwarded\s+message|original\s+message)\s*-{2,}|begin\s+forwarded\s+message:)$")
        .expect("static regex")
});
#[allow(clippy::expect_used)]
static SIGN_OFF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:(?:with\s+)?(?:kind|best|warm|many)?\s*(?:regards|wishes|thanks)|sincerely|thank\s+you|best|cheers)\s*,?$")
        .expect("static regex")
});
/// Lines of a signature under the sender's name, and words of each.
const MOST_SIGNATURE_LINES: usize = 4;
const MOST_SIGNATURE_WORDS: usize = 8;
/// Lines a cover note (`Dear colleagues, … Kind regards,`) may have.
const MOST_COVER_NOTE_LINES: usize = 15;

/// Takes the envelope of a release sent by e-mail out of the lines: the
/// header lines (`Subject:`, `From:`, `Date:` …) and a cover note to the
/// editors under them. Returns the subject, the title when the release
/// gives none of its own.
fn take_email_envelope(lines: &mut [String]) -> Option<String> {
    let mut subject = take_one_envelope(lines)?;
    // A forwarded release: what stands above the forwarded message (the
    // sender's note and signature) goes, and the release's own envelope
    // under it, whose subject is the better title.
    let mut rest = lines;
    for _ in 0..MOST_FORWARDS {
        let Some(separator) = rest
            .iter()
            .take(FORWARD_SEARCH_LINES)
            .position(|l| FORWARD_SEPARATOR.is_match(l.trim()))
        else {
            break;
        };
        for line in &mut rest[..=separator] {
            line.clear();
        }
        rest = &mut rest[separator + 1..];
        match take_one_envelope(rest) {
            Some(inner) => subject = inner.or(subject),
            None => break,
        }
    }
    subject
}

/// Forwards within forwards looked through.
const MOST_FORWARDS: usize = 3;

/// Lines of an e-mail above its forwarded message.
const FORWARD_SEARCH_LINES: usize = 40;

/// One envelope at the top of `lines`: its subject, or `None` when the
/// lines open with no envelope; an empty subject gives `Some(None)`.
fn take_one_envelope(lines: &mut [String]) -> Option<Option<String>> {
    let start = lines.iter().position(|l| !l.trim().is_empty())?;
    let headers = lines[start..]
        .iter()
        .take_while(|l| EMAIL_HEADER.is_match(l.trim()))
        .count();
    let subject = lines[start..start + headers].iter().find_map(|l| {
        let header = EMAIL_HEADER.captures(l.trim())?;
        let is_subject = header.get(1)?.as_str().eq_ignore_ascii_case("subject");
        is_subject.then(|| {
            let mut value = header.get(2).map_or("", |v| v.as_str()).trim();
            for prefix in [
                "fwd:",
                "fw:",
                "press release:",
                "news release:",
                "press release -",
                "press release –",
            ] {
                if let Some(rest) = strip_prefix_ignore_case(value, prefix) {
                    value = rest.trim();
                }
            }
            value.to_owned()
        })
    });
    if headers < 2 || subject.is_none() {
        return None;
    }
    for line in &mut lines[start..start + headers] {
        line.clear();
    }
    take_cover_note(&mut lines[start + headers..]);
    Some(subject.filter(|s| !s.is_empty()))
}

/// Blanks a note to the editors that opens with a greeting and ends with a
/// sign-off and the sender's name.
fn take_cover_note(lines: &mut [String]) {
    let Some(start) = lines.iter().position(|l| !l.trim().is_empty()) else {
        return;
    };
    let greeting = lines[start].trim();
    let greets = ["dear ", "hello", "hi ", "good morning", "good afternoon"]
        .iter()
        .any(|g| strip_prefix_ignore_case(greeting, g).is_some());
    if !greets {
        return;
    }
    // `Dear editors, please find our release below.`: a note of one line,
    // followed by a blank one.
    let one_line = greeting.ends_with('.')
        && greeting.contains(", ")
        && lines.get(start + 1).is_none_or(|l| l.trim().is_empty());
    if one_line {
        lines[start].clear();
        return;
    }
    if !greeting.ends_with([',', ':']) {
        return;
    }
    let note = start..lines.len().min(start + MOST_COVER_NOTE_LINES);
    let Some(sign_off) = note.clone().find(|&i| SIGN_OFF.is_match(lines[i].trim())) else {
        // No sign-off: the note ends at the sender's first name standing
        // alone under the note's last sentence (`… calls with producers.`
        // and `Nino`).
        if let Some(end) = note.into_iter().find(|&i| is_sender_name(lines, i)) {
            for line in &mut lines[start..=end] {
                line.clear();
            }
        }
        return;
    };
    // The sender's name under the sign-off, and the role and office lines
    // of the signature under it.
    let name = (sign_off + 1..lines.len())
        .find(|&i| !lines[i].trim().is_empty())
        .filter(|&i| word_count(lines[i].trim()) <= 4);
    let end = name.map_or(sign_off, |name| {
        (name + 1..lines.len().min(name + 1 + MOST_SIGNATURE_LINES))
            .take_while(|&i| {
                let line = lines[i].trim();
                !line.is_empty() && word_count(line) <= MOST_SIGNATURE_WORDS
            })
            .last()
            .unwrap_or(name)
    });
    let end = signature_block_after(lines, end).unwrap_or(end);
    for line in &mut lines[start..=end] {
        line.clear();
    }
}

/// The last line of a signature set apart under a signed note (after `--`
/// and a blank line: name and role, agency, address, phone), when the
/// block after line `end` is one: a few lines with a phone, an address or
/// a `|` between name and role.
fn signature_block_after(lines: &[String], end: usize) -> Option<usize> {
    let first = (end + 1..lines.len()).find(|&i| {
        let t = lines[i].trim();
        !t.is_empty() && t != "--"
    })?;
    let last = (first..lines.len())
        .take_while(|&i| !lines[i].trim().is_empty())
        .last()?;
    let block = &lines[first..=last];
    let signature = block.len() <= MOST_SIGNATURE_LINES + 1
        && block
            .iter()
            .all(|l| word_count(l.trim()) <= MOST_SIGNATURE_WORDS + 2)
        && block.iter().any(|l| super::contact::has_contact_detail(l))
        && !block.iter().any(|l| is_prose(l.trim()));
    signature.then_some(last)
}

/// Most words of a sender's name signing a note.
const MOST_SENDER_NAME_WORDS: usize = 3;

/// Line `i` is a name standing alone under a sentence, as a note is signed.
fn is_sender_name(lines: &[String], i: usize) -> bool {
    let line = lines[i].trim();
    let alone = i > 0
        && lines[i - 1].trim().is_empty()
        && lines.get(i + 1).is_none_or(|l| l.trim().is_empty());
    alone
        && line.starts_with(char::is_uppercase)
        && word_count(line) <= MOST_SENDER_NAME_WORDS
        && !line.ends_with(['.', ':', '!', '?'])
        && !is_meta_line(line)
        && previous_line(lines, i).ends_with(['.', '!'])
}

fn is_leading_contact_header(line: &str) -> bool {
    line.len() <= LONGEST_TITLE_LINE && super::contact::is_contact_header(line)
}

/// Lines a contact block above the title may have.
const MOST_LEADING_CONTACT_LINES: usize = 8;

/// Takes a contact block that comes before the title, as government and
/// agency releases print it (`Contact: Jane Doe` and a phone line under
/// `FOR IMMEDIATE RELEASE`), out of the lines: it is neither the title nor
/// the body. Only a block with an email or a phone number counts, so that
/// a "Contact us" menu item stays where it is.
/// `lead` is the opening paragraph's line.
fn take_leading_contact(lines: &mut [String], lead: Option<usize>) -> Vec<String> {
    // The header first, by a cheap length test and then the pattern: most
    // files have none up there, and then no line is looked at again. The
    // last header there, since a menu's "Contact us" comes before the
    // headline and the block after it.
    let header = match lead {
        Some(lead) => lines[..lead]
            .iter()
            .rposition(|l| is_leading_contact_header(l)),
        None => lines
            .iter()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .take(TITLE_SEARCH_LINES)
            .take_while(|(_, l)| !is_prose(l.trim()))
            .filter(|(_, l)| is_leading_contact_header(l))
            .last()
            .map(|(i, _)| i),
    };
    let Some(start) = header else {
        return Vec::new();
    };
    let mut end = leading_group_end(lines, start);
    // Further people, each set apart by a blank line, with details of
    // their own (`MEDIA CONTACTS`, then Aden's officer, then Amman's).
    while end < lines.len() && lines[end].trim().is_empty() {
        let next = end + 1;
        let group_end = leading_group_end(lines, next);
        let is_person = group_end > next
            && lines[next..group_end]
                .iter()
                .any(|l| super::contact::has_contact_detail(l))
            && lines.get(group_end).is_none_or(|l| l.trim().is_empty());
        if !is_person {
            break;
        }
        end = group_end;
    }
    // A date is no phone number.
    if !lines[start..end]
        .iter()
        .any(|l| !is_date_line(l.trim()) && super::contact::has_contact_detail(l))
    {
        return Vec::new();
    }
    lines[start..end]
        .iter_mut()
        .map(|l| std::mem::take(l).trim().to_owned())
        .collect()
}

/// Where a group of a leading contact block that starts at `start` ends:
/// at a blank line, or where the release begins when no blank line parts
/// them.
fn leading_group_end(lines: &[String], start: usize) -> usize {
    (start..lines.len())
        .take(MOST_LEADING_CONTACT_LINES)
        .find(|&i| {
            let line = lines[i].trim();
            // A release label (`FOR IMMEDIATE RELEASE`) ends the block too.
            line.is_empty()
                || (i > start
                    && (is_prose(line) || is_sentence(line) || SOURCE_LINE.is_match(line)))
        })
        .unwrap_or_else(|| (start + MOST_LEADING_CONTACT_LINES).min(lines.len()))
}

/// Lines that are a scraped menu by their shape alone, so that even a
/// single file of an unknown site loses its navigation: a short label
/// repeated on the next line (link text, then heading), a label that the
/// next line repeats as its start, and a heading glued to its blurb
/// (`WHO WE AREThe organization…`, `Our WorkAs the…`).
fn menu_lines(lines: &[&str], keys: &[String]) -> Vec<bool> {
    let mut menu: Vec<bool> = lines
        .iter()
        .map(|l| GLUED_HEADING.is_match(l.trim()))
        .collect();
    for i in 0..lines.len().saturating_sub(1) {
        let (key, next) = (&keys[i], &keys[i + 1]);
        if key.is_empty() || key.len() > 60 {
            continue;
        }
        if key == next {
            // A short label twice is a menu item; a longer line twice (a
            // breadcrumb ending in the headline, then the headline) keeps
            // one copy.
            let label = key.split(' ').count() <= 3;
            menu[i] = label;
            menu[i + 1] = true;
        } else if next.len() > key.len() + 20 && next.starts_with(key.as_str()) && menu[i + 1] {
            menu[i] = true;
        }
    }
    menu
}

/// Removes a scraped `date 2024-05-01` prefix from a line, returning the date.
fn take_date_prefix(line: &mut String) -> Option<DateTime<FixedOffset>> {
    let captures = DATE_PREFIX.captures(line)?;
    let date = captures.get(1).and_then(|d| parse_day(d.as_str()));
    let end = captures.get(0).map_or(0, |m| m.end());
    line.replace_range(..end, "");
    date
}

fn parse_day(day: &str) -> Option<DateTime<FixedOffset>> {
    let date = NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc().fixed_offset())
}

/// Finds the title line; returns it and the index where the body starts.
///
/// Usually the first headline-like line. But a page of a site seen once
/// keeps its navigation, and then the first such line is a menu entry, a
/// site name or a label: the title is then the best headline among the
/// lines just above the release's opening paragraph.
fn find_title(lines: &mut [String]) -> (Option<String>, usize) {
    let first = match first_title(lines) {
        (Some(title), start) => (Some(join_wrapped_title(title, lines, start)), start),
        none => none,
    };
    let Some(lead) = opening_line(lines) else {
        return first;
    };

    let Some((at, score)) = best_title_above(lines, lead) else {
        return first;
    };
    if let (Some(_), start) = &first {
        let picked = start - 1;
        if picked == at {
            clear_meta_between(lines, at, lead);
            return first;
        }
        // A title far above the opening (a project page's fact sheet in
        // between) stays when it reads as well as the nearer candidate.
        let far_above = picked < lead
            && !in_title_window(lines, picked, lead)
            && !is_in_headline_list(lines, picked)
            && !holds_two_sentences(lines[picked].trim());
        if far_above && title_score(lines, picked).is_some_and(|s| s + TITLE_MARGIN >= score) {
            return first;
        }
    }
    let title = join_wrapped_title(lines[at].trim().to_owned(), lines, at + 1);
    clear_between_title_and_opening(lines, at, lead);
    (Some(title), at + 1)
}

/// A headline hard-wrapped like the text under it (copied from a PDF) goes
/// on over the next lines when its first line is full to the wrap width:
/// the next word would not have fit. `body_start` is the line after the
/// title; the lines joined to the title are blanked.
fn join_wrapped_title(mut title: String, lines: &mut [String], body_start: usize) -> String {
    // Most titles have a blank line or a sentence under them: no need to
    // measure the text.
    let next_is_tail = lines.get(body_start).is_some_and(|l| {
        let next = l.trim();
        !next.is_empty() && next.len() < title.len() && title_score_plain(next)
    });
    if !next_is_tail {
        return title;
    }
    let text: Vec<&str> = lines.iter().map(String::as_str).collect();
    let width = wrap_width(&text);
    let upper = is_upper_case(&title);
    let mut above = body_start
        .checked_sub(1)
        .map_or("", |i| lines[i].as_str())
        .to_owned();
    let mut at = body_start;
    while at < lines.len() && at < body_start + MOST_TITLE_CONTINUATIONS {
        let next = lines[at].trim();
        // The headline's last line ends its block, or the dated opening
        // follows it with no blank line between (a PDF's text).
        let ends_block = lines.get(at + 1).is_none_or(|l| {
            let after = l.trim();
            after.is_empty()
                || (upper && !is_upper_case(after))
                || super::summary::dateline_prefix(after).is_some()
        });
        let continues = !next.is_empty()
            && ends_block
            && title_score_plain(next)
            && !is_prose(next)
            && is_upper_case(next) == upper
            && (wraps_at_width(above.trim(), next, width)
                || breaks_mid_phrase(above.trim(), next)
                || is_centred_under(&above, &lines[at]));
        if !continues {
            break;
        }
        title.push(' ');
        title.push_str(next);
        above = std::mem::take(&mut lines[at]);
        at += 1;
    }
    title
}

/// A headline line full to the width the text is wrapped at: the next
/// word would not have fit. A PDF sets its headline larger, wrapped
/// narrower than the text: a long line and a short remainder under it.
fn wraps_at_width(line: &str, next: &str, width: Option<usize>) -> bool {
    let Some(width) = width else {
        return false;
    };
    let last = line.chars().count();
    let first_word = next
        .split_whitespace()
        .next()
        .map_or(0, |w| w.chars().count());
    let full = last + 1 + first_word > width;
    let nearly_full = last * 5 >= width * 4
        && next.chars().count() < last
        && next
            .split_whitespace()
            .nth(WRAPPED_TITLE_TAIL_WORDS)
            .is_none();
    full || nearly_full
}

/// Words no headline ends with: the line breaks in the middle of a phrase.
const PHRASE_WORDS: [&str; 16] = [
    "a", "an", "the", "of", "to", "in", "on", "at", "for", "from", "with", "by", "and", "or", "as",
    "into",
];

/// A headline broken over two lines mid-phrase: the first ends with `of`
/// or `the`, or the second goes on in lower case (`… 60,000 Venezuelan` and
/// `migrants into Peru's public health insurance`).
fn breaks_mid_phrase(line: &str, next: &str) -> bool {
    let last_word = line.rsplit(' ').next().unwrap_or("");
    !line.ends_with(['.', ':', '!', '?', ';'])
        && (next.starts_with(char::is_lowercase)
            || PHRASE_WORDS
                .iter()
                .any(|w| last_word.eq_ignore_ascii_case(w)))
}

/// Fewest spaces that indent a centred line of a PDF's text.
const CENTRED_INDENT: usize = 4;
/// How far apart the middles of two lines of one centred block may lie.
const CENTRE_TOLERANCE: usize = 3;

/// Two lines of one centred block, as a PDF sets its headline.
fn is_centred_under(line: &str, next: &str) -> bool {
    let middle = |l: &str| {
        let indent = l.len() - l.trim_start().len();
        (indent >= CENTRED_INDENT).then(|| indent * 2 + l.trim().chars().count())
    };
    match (middle(line), middle(next)) {
        (Some(a), Some(b)) => a.abs_diff(b) <= CENTRE_TOLERANCE * 2,
        _ => false,
    }
}

/// Most words of the last line of a headline wrapped short of the width.
const WRAPPED_TITLE_TAIL_WORDS: usize = 6;

/// Lines a hard-wrapped headline may go on over.
const MOST_TITLE_CONTINUATIONS: usize = 2;

fn is_upper_case(line: &str) -> bool {
    line.chars().any(char::is_alphabetic) && !line.chars().any(char::is_lowercase)
}

/// Non-empty lines above the opening paragraph where its title is looked for.
const TITLE_WINDOW_LINES: usize = 10;
/// Lines searched for the opening paragraph.
const OPENING_SEARCH_LINES: usize = 80;
/// Fewest words of a sentence that opens the body without a dateline.
const OPENING_WORDS: usize = 20;
/// Words past which a headline reads no better for being longer.
const TITLE_WORDS_CAP: i32 = 12;
/// How much worse than the nearest candidate a distant first headline may
/// score and still be the title.
const TITLE_MARGIN: i32 = 2;
/// Most words of a headline; more is running text.
const MOST_TITLE_WORDS: usize = 30;
/// Fewest words of a deck kept between the title and the opening.
const DECK_WORDS: usize = 6;

#[allow(clippy::expect_used)]
static LABEL_LINE: LazyLock<Regex> = LazyLock::new(|| {
    // `Views: 1,284`, `Category: News`: a page's fields, never a headline;
    // `Breaking: …`, a ticker's.
    Regex::new(
        r"(?i)^(?:breaking(?:\s+news)?|latest(?:\s+news)?|just\s+in|trending|type|category|categories|categoría|catégorie|tags?|topics?|themes?|views|hits|posted(?:\s+on)?|published(?:\s+on)?|(?:date\s+)?published|date|last\s+updated|updated|region|country|countries|location|language|text\s+size|reading\s+time|read\s+time|author|filed\s+under|fecha|país|pays|région|lieu|thème|photo|image|caption|foto|ref(?:erence)?(?:\s+no\.?)?|our\s+ref)\s*:",
    )
    .expect("static regex")
});

/// The release's opening paragraph: a dated opening (perhaps hard-wrapped),
/// a line too long for a headline, or a long sentence. Cookie notices,
/// which read like prose, are passed over.
fn opening_line(lines: &[String]) -> Option<usize> {
    (0..lines.len().min(OPENING_SEARCH_LINES)).find(|&i| {
        let line = lines[i].trim();
        if line.is_empty() || is_cookie_notice(line) {
            return false;
        }
        if is_prose(line) {
            return true;
        }
        let next = lines.get(i + 1).map_or("", |l| l.trim());
        // A share button's remnant (`in`) is no line of text.
        let runs_on =
            next.starts_with(char::is_lowercase) && next.split_whitespace().nth(1).is_some();
        // A dated opening hard-wrapped onto the next line.
        if runs_on && super::summary::dateline_prefix(&format!("{line} {next}")).is_some() {
            return true;
        }
        let long_sentence = line.split_whitespace().nth(OPENING_WORDS - 1).is_some()
            && (runs_on || line.ends_with(['.', '!', '?', '"', '”']))
            && !is_list_item(line);
        long_sentence || opens_wrapped_paragraph(lines, i)
    })
}

/// Shortest line of hard-wrapped prose, but for a paragraph's last.
const WRAPPED_LINE_CHARS: usize = 45;

/// Line `i` starts a hard-wrapped paragraph of prose: a block of long lines
/// after a blank one that together hold a long sentence.
fn opens_wrapped_paragraph(lines: &[String], i: usize) -> bool {
    // The cheap tests first: this runs on every line of the first eighty.
    let first = lines[i].trim();
    if first.len() < WRAPPED_LINE_CHARS
        || first.ends_with(['.', '!', '?', ':'])
        || lines.get(i + 1).is_none_or(|l| l.trim().is_empty())
        || (i > 0 && !starts_a_block_under(lines[i - 1].trim()))
        // A caption over the text is as wide as its lines.
        || is_meta_line(first)
    {
        return false;
    }
    let block: Vec<&str> = lines[i..]
        .iter()
        .map(|l| l.trim())
        .take_while(|l| !l.is_empty())
        .collect();
    let Some((last, full)) = block.split_last() else {
        return false;
    };
    let words: usize = block.iter().map(|l| l.split_whitespace().count()).sum();
    let widest = full.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    !full.is_empty()
        && full
            .iter()
            .all(|l| l.chars().count() >= WRAPPED_LINE_CHARS && !is_list_item(l))
        // A wrapped paragraph's last line is no wider than the others: a
        // headline over a paragraph on one line is no wrapped paragraph.
        && last.chars().count() <= widest + WRAP_SLACK_CHARS
        && !full[0].ends_with(['.', '!', '?', ':'])
        && words >= OPENING_WORDS
        && last.ends_with(['.', '!', '?', '"', '”'])
}

/// How much wider than the lines above it a wrapped paragraph's last line
/// may be: a word or two, where the text was wrapped by hand.
const WRAP_SLACK_CHARS: usize = 10;

/// A paragraph may start under `above`: a blank line, or one of the lines a
/// scraped page sets straight above its text with no blank line between
/// (a caption, a date, a byline, a row of tags).
fn starts_a_block_under(above: &str) -> bool {
    above.is_empty()
        || (above.contains('|') && above.matches(" | ").nth(1).is_some())
        // A headline in capitals straight over the text, as a PDF's is.
        || (word_count(above) >= 3 && is_upper_case(above))
        || is_meta_line(above)
}

pub(crate) fn is_cookie_notice(line: &str) -> bool {
    line.contains("ookie") || line.contains("OOKIE")
}

/// Is line `i` among the last [`TITLE_WINDOW_LINES`] non-empty lines above `lead`?
fn in_title_window(lines: &[String], i: usize, lead: usize) -> bool {
    let non_empty_between = lines[i..lead]
        .iter()
        .filter(|l| !l.trim().is_empty())
        .count();
    non_empty_between <= TITLE_WINDOW_LINES
}

/// The best headline among the lines just above the opening, with its score.
fn best_title_above(lines: &[String], lead: usize) -> Option<(usize, i32)> {
    let window: Vec<usize> = (0..lead)
        .rev()
        .filter(|&i| !lines[i].trim().is_empty())
        .take(TITLE_WINDOW_LINES)
        .collect();
    // A release label (`PRESS STATEMENT`) stands over the headline: what
    // is above it is the letterhead, when a headline is found below it.
    let label = window.iter().copied().find(|&i| {
        let line = lines[i].trim();
        SOURCE_LINE.is_match(line) || is_label_pair(line)
    });
    let scored: Vec<(usize, i32)> = window
        .into_iter()
        .filter_map(|i| Some((i, title_score(lines, i)?)))
        .collect();
    // The window runs upwards: candidates below the label come first.
    let below_label = scored
        .iter()
        .take_while(|(i, _)| label.is_none_or(|l| *i > l))
        .count();
    let candidates = match below_label {
        0 => &scored[..],
        n => &scored[..n],
    };
    candidates
        .iter()
        .copied()
        // The higher score; of equals, the line nearer the top.
        .fold(None, |best: Option<(usize, i32)>, (i, s)| match best {
            Some((_, b)) if b > s => best,
            _ => Some((i, s)),
        })
}

/// How much line `i` reads like a headline, or `None` when it cannot be
/// one: a field, a date, a breadcrumb, a share bar, a menu of links.
fn title_score(lines: &[String], i: usize) -> Option<i32> {
    let line = lines[i].trim();
    let words = word_count(line);
    // An organisation's name alone is the letterhead over the headline.
    if !(3..=MOST_TITLE_WORDS).contains(&words)
        || !has_headline_shape(line)
        || is_cookie_notice(line)
        || super::contact::is_organisation_name(line)
    {
        return None;
    }
    // A wire's slug line (`WIRE -- GENERAL NEWS -- 0612 GMT`), a row of
    // agencies (`Ministry · Service · Agency`) and a list of partners
    // (`Office; Department; Council`) are fields too.
    // The separator's character first: most lines have none of them.
    let separated =
        |mark: char, sep: &str| line.contains(mark) && line.matches(sep).nth(1).is_some();
    if separated('-', " -- ") || separated('·', " · ") || separated(';', "; ") {
        return None;
    }
    let parts: Vec<&str> = line.split('|').map(str::trim).collect();
    if parts.len() >= 3
        || parts.len() == 2
            && parts
                .iter()
                .any(|p| is_date_line(p) || SOURCE_LINE.is_match(p) || LABEL_LINE.is_match(p))
    {
        return None;
    }
    let mut score = i32::try_from(words)
        .unwrap_or(TITLE_WORDS_CAP)
        .min(TITLE_WORDS_CAP);
    if parts.len() == 2 {
        // `Site | Tagline`: a page header, seldom a headline.
        score -= 6;
    }
    if line.ends_with('.') || holds_two_sentences(line) {
        score -= 6;
    }
    let above = previous_line(lines, i);
    let below = lines.get(i + 1).map_or("", |l| l.trim());
    // A short line beside other short ones is a menu entry, unless a deck
    // follows it.
    let has_deck = reads_as_headline_over_deck(line, below);
    if words <= 5 && !has_deck && (is_short_label(above) || is_short_label(below)) {
        score -= 4;
    }
    // A line right under a headline is its deck.
    if reads_as_headline_over_deck(above, line) {
        score -= 8;
    }
    Some(score)
}

/// A line of two sentences (`Water main flushing, June 2–6. Residents may
/// notice…`): an alert bar or a teaser, not a headline. The full stop ends
/// a word of small letters or figures, so `U.S. Army` is one sentence.
fn holds_two_sentences(line: &str) -> bool {
    line.contains('.')
        && line.match_indices(". ").any(|(at, _)| {
            let word = line[..at].rsplit(' ').next().unwrap_or("");
            let next = line[at + 2..].chars().next();
            word.chars().nth(2).is_some()
                && word
                    .chars()
                    .all(|c| c.is_lowercase() || c.is_ascii_digit() || c == '–' || c == '-')
                && next.is_some_and(char::is_uppercase)
        })
}

/// Lines under a far candidate that make it one of a list of headlines.
const HEADLINE_LIST_LINES: usize = 2;

/// Line `i` is one of a list of other stories' headlines (a ticker of the
/// latest news at the top of a portal): it sits under a label such as
/// `Latest:`, or more headlines follow it.
fn is_in_headline_list(lines: &[String], i: usize) -> bool {
    let above = previous_line(lines, i);
    let under_label = above.ends_with(':') && above.split_whitespace().nth(2).is_none();
    let headlines_below = lines[i + 1..]
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .take(HEADLINE_LIST_LINES)
        .filter(|l| word_count(l) >= 4 && title_score_plain(l))
        .count()
        == HEADLINE_LIST_LINES;
    under_label || headlines_below
}

/// Is `line` a headline and `next` its deck?
fn reads_as_headline_over_deck(line: &str, next: &str) -> bool {
    word_count(line) >= 4
        && title_score_plain(line)
        && word_count(next) >= DECK_WORDS
        && title_score_plain(next)
}

/// What no headline can be: a field, a date, a byline, a trail, a list
/// item, a label, a line too long.
fn has_headline_shape(line: &str) -> bool {
    !line.ends_with(':')
        && line.chars().count() <= LONGEST_TITLE_LINE
        // A field (`Category: News`) is a meta line too.
        && !is_meta_line(line)
        && !is_list_item(line)
        && !is_trail(line)
        && !is_spaced_menu(line)
}

/// Items of a menu set apart by runs of spaces.
const FEWEST_MENU_ITEMS: usize = 3;

/// A menu scraped onto one line, its items set apart by two or more
/// spaces (`Home  About  Projects  News`).
fn is_spaced_menu(line: &str) -> bool {
    line.as_bytes().windows(2).any(|pair| pair == b"  ") && {
        let mut items = line.split("  ").map(str::trim).filter(|i| !i.is_empty());
        items.clone().nth(FEWEST_MENU_ITEMS - 1).is_some()
            && items.all(|i| i.split_whitespace().nth(3).is_none())
    }
}

/// A headline with nothing that marks it down (no `|`, no full stop), for
/// the line above a candidate and the deck under a title.
fn title_score_plain(line: &str) -> bool {
    has_headline_shape(line) && !line.contains('|') && !line.ends_with('.')
}

/// The nearest non-empty line above `i`: scraped pages often put a blank
/// line between a headline and its deck.
fn previous_line(lines: &[String], i: usize) -> &str {
    lines[..i]
        .iter()
        .rev()
        .map(|l| l.trim())
        .find(|l| !l.is_empty())
        .unwrap_or("")
}

fn is_short_label(line: &str) -> bool {
    !line.is_empty() && word_count(line) <= 3
}

/// Words with a letter in them.
fn word_count(line: &str) -> usize {
    line.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphabetic))
        .count()
}

/// A path of sections: `Media Centre > Press Statements`,
/// `Home / News / Press releases`.
fn is_trail(line: &str) -> bool {
    let marked = line.contains(" > ")
        || line.contains('›')
        || line.contains('»')
        || line.matches(" / ").count() >= 2;
    // A trail that ends in a long headline still opens with short sections.
    let short_sections = || {
        line.split(" / ")
            .take(2)
            .all(|s| s.split_whitespace().nth(2).is_none())
    };
    marked && (line.chars().count() < 120 || short_sections())
}

/// Blanks what lies between a title found above the opening and the
/// opening — dates, share bars, bylines — except a deck, and a dateline
/// standing on its own line right above the opening.
fn clear_between_title_and_opening(lines: &mut [String], at: usize, lead: usize) {
    let dateline = lines[at + 1..lead]
        .iter()
        .rposition(|l| !l.trim().is_empty())
        .map(|i| at + 1 + i)
        .filter(|&i| super::summary::is_standalone_dateline(&lines[i]));
    for (i, line) in lines.iter_mut().enumerate().take(lead).skip(at + 1) {
        let t = line.trim();
        if !(word_count(t) >= DECK_WORDS && title_score_plain(t)) && Some(i) != dateline {
            line.clear();
        }
    }
}

/// Blanks the bylines, dates and captions between a title and its opening:
/// with no blank line between them, they would run on into each other.
fn clear_meta_between(lines: &mut [String], at: usize, lead: usize) {
    for line in lines.iter_mut().take(lead).skip(at + 1) {
        if is_meta_line(line.trim()) {
            line.clear();
        }
    }
}

fn first_title(lines: &[String]) -> (Option<String>, usize) {
    let mut short: Option<(usize, &str)> = None;
    let candidates = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .take(TITLE_SEARCH_LINES);
    for (i, line) in candidates {
        let line = line.trim();
        if is_meta_line(line) {
            continue;
        }
        if is_prose(line) {
            return match short {
                Some((j, t)) => (Some(t.to_owned()), j + 1),
                None => (None, i),
            };
        }
        if is_list_item(line) {
            continue;
        }
        if line.split_whitespace().nth(2).is_some() {
            return (Some(line.to_owned()), i + 1);
        }
        short = Some((i, line));
    }
    match short {
        Some((j, t)) => (Some(t.to_owned()), j + 1),
        None => (
            None,
            lines
                .iter()
                .position(|l| !l.trim().is_empty())
                .unwrap_or(lines.len()),
        ),
    }
}

/// Lines around a title that are not the title: bylines, dates, datelines.
pub(crate) fn is_meta_line(line: &str) -> bool {
    is_one_meta_line(line) || is_meta_columns(line)
}

/// Bytes of the longest letterhead row: a paragraph is no row of labels.
const LONGEST_COLUMNS_LINE: usize = 300;
/// Spaces that set a PDF's columns apart on one line of its text.
const COLUMN_GAP: &str = "   ";

/// A PDF's letterhead row of labels in columns: `Press Release No. 45/2026`
/// on the left and the date on the right.
fn is_meta_columns(line: &str) -> bool {
    let line = line.trim();
    line.len() <= LONGEST_COLUMNS_LINE && line.contains(COLUMN_GAP) && {
        let mut columns = line
            .split(COLUMN_GAP)
            .map(str::trim)
            .filter(|c| !c.is_empty());
        columns.clone().nth(1).is_some() && columns.all(is_one_meta_line)
    }
}

/// Most words of the name in a byline of its own (`By Jane Doe`).
const MOST_BYLINE_NAME_WORDS: usize = 4;

/// A byline on a line of its own: `By` and a name of capitalised words
/// (`By Staff Correspondent`), not a headline's `By the numbers`.
fn is_name_byline(line: &str) -> bool {
    line.strip_prefix("By ").is_some_and(|name| {
        let mut words = name.split_whitespace();
        words.clone().nth(MOST_BYLINE_NAME_WORDS).is_none()
            && words.all(|w| w.starts_with(char::is_uppercase))
    })
}

fn is_one_meta_line(line: &str) -> bool {
    is_name_byline(line)
        || is_label_or_chrome(line)
        || is_section_and_date(line)
        || is_letter_spaced(line)
        || LABEL_LINE.is_match(line)
        || is_dated_note_line(line)
        || is_date_line(line)
        || super::summary::is_standalone_dateline(line)
        || super::clean::is_caption(line)
}

/// A letterhead's name set letter by letter: `I S L A N D   C A R G O`.
fn is_letter_spaced(line: &str) -> bool {
    if line.len() > LONGEST_COLUMNS_LINE {
        return false;
    }
    let mut letters = 0;
    let mut longer = 0;
    for word in line.split_whitespace() {
        if word.chars().nth(1).is_none() {
            letters += 1;
        } else {
            longer += 1;
        }
    }
    letters >= 5 && longer * 4 <= letters
}

/// Words of the section that heads a date (`Newsroom / 9 March 2026`).
const MOST_SECTION_WORDS: usize = 4;

/// A section and a date: `Newsroom / 9 March 2026`, `News | 3 May 2026`,
/// `Update No. 6 - 19 February 2026`.
fn is_section_and_date(line: &str) -> bool {
    line.len() <= LONGEST_LABEL_PAIR
        && [" / ", " | ", " · ", " - ", " – ", " — "]
            .iter()
            .any(|sep| {
                line.rsplit_once(sep).is_some_and(|(section, date)| {
                    section.split_whitespace().nth(MOST_SECTION_WORDS).is_none()
                        && is_date_line(date.trim())
                })
            })
}

/// A page's trail, release label or chrome line (`News » Press Releases`,
/// `Press Release – For immediate release`), never the release's text.
pub(crate) fn is_page_label(line: &str) -> bool {
    is_label_or_chrome(line) || is_trail(line) || is_page_field(line)
}

/// Longest field of a page's article header (`Hits: 412`), in bytes.
const LONGEST_PAGE_FIELD: usize = 60;

/// A field of a page's article header: `Category: Press releases`,
/// `Hits: 412`, and the lone word heading them (`Details`). A label with a
/// colon (`Analysis:`) heads a sidebar the summary looks past, and stays.
fn is_page_field(line: &str) -> bool {
    line.len() <= LONGEST_PAGE_FIELD
        && (LABEL_LINE.is_match(line)
            || (!line.contains(char::is_whitespace)
                && line.starts_with(char::is_uppercase)
                && !line.ends_with(':')))
}

/// A release label, a breadcrumb trail or a line every web page carries.
fn is_label_or_chrome(line: &str) -> bool {
    SOURCE_LINE.is_match(line)
        || is_label_pair(line)
        || is_breadcrumb(line)
        || WEB_CHROME.is_match(line)
}

/// Longest line of two release labels, in bytes.
const LONGEST_LABEL_PAIR: usize = 80;

/// Two release labels on one line: `NEWS RELEASE -- For immediate release`.
fn is_label_pair(line: &str) -> bool {
    line.len() <= LONGEST_LABEL_PAIR
        && line.contains(['-', '–', '—', '|'])
        && [" -- ", " – ", " — ", " | ", " - "].iter().any(|sep| {
            line.split_once(sep).is_some_and(|(a, b)| {
                SOURCE_LINE.is_match(a.trim()) && SOURCE_LINE.is_match(b.trim())
            })
        })
}

/// A breadcrumb trail on one line: `Home > News > Africa`.
fn is_breadcrumb(line: &str) -> bool {
    // The length first: paragraphs run to thousands of bytes.
    line.len() < LONGEST_TRAIL_BYTES
        // `>` and the last bytes of `»` and `›`, found by `memchr`.
        && [b'>', 0xBB, 0xBA].iter().any(|b| line.as_bytes().contains(b))
        && {
        let separators =
            line.matches(" > ").count() + line.matches('»').count() + line.matches('›').count();
        separators >= 2 && line.chars().count() < 200
    }
}

/// Bytes past which a line is too long for a trail of 200 characters.
const LONGEST_TRAIL_BYTES: usize = 800;

#[allow(clippy::expect_used)]
static READING_TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)\d+\s*min(?:ute)?s?\.?\s+read(?-u:\b)|reading\s+time\s*:")
        .expect("static regex")
});
/// Longest line taken for a byline or a page's publishing note.
const LONGEST_BYLINE: usize = 100;

/// A publishing note or byline standing as a paragraph (`Published 12
/// November 2025 · 4 min read`, `Posted: 3 May 2025`): not the release's
/// text.
pub(crate) fn is_byline(line: &str) -> bool {
    line.len() <= LONGEST_BYLINE
        && (SOURCE_LINE.is_match(line)
            || is_dated_note_line(line)
            || READING_TIME.is_match(line)
            || is_signed_and_dated(line)
            || is_fields_with_a_date(line))
}

/// Fields of a page strung on one line, one of them a date:
/// `Press release · Embassy of Ireland · 27 February 2025`,
/// `Released: | 12 June 2025, 07:20`.
fn is_fields_with_a_date(line: &str) -> bool {
    let mut parts = line
        .split(['·', '|', '•'])
        .map(str::trim)
        .filter(|p| !p.is_empty());
    let is_dated = |part: &str| {
        is_date_line(part)
            || part
                .split_once(':')
                .is_some_and(|(label, value)| word_count(label) <= 3 && is_date_line(value.trim()))
    };
    line.contains(['·', '|', '•']) && parts.clone().count() >= 2 && parts.any(is_dated)
}

/// `Released: Friday, 14 March 2025`, `Posted on 19 June 2025 in Guatemala`.
fn is_dated_note_line(line: &str) -> bool {
    ["published", "posted", "released", "issued", "updated"]
        .iter()
        .any(|word| super::clean::strip_prefix_ignore_case(line, word).is_some())
        && NOTE_WITH_SECTION.is_match(line)
}

/// `By Juliana Costa | 5 August 2025`: an author and a date.
fn is_signed_and_dated(line: &str) -> bool {
    super::clean::strip_prefix_ignore_case(line, "by ")
        .and_then(|rest| rest.rsplit_once(['|', '·', '•']))
        .is_some_and(|(_, date)| is_date_line(date.trim()))
}

/// A line that is a date and nothing else (`2 April 2026`, `2026-04-02`).
pub(crate) fn is_date_line(line: &str) -> bool {
    line.len() <= 60 && DATE_LINE.is_match(line)
}

/// Running text, not a headline, label or list of details.
pub(crate) fn is_running_text(line: &str) -> bool {
    is_prose(line) || is_sentence(line)
}

/// A body paragraph rather than a title: too long, or opening with a dateline.
fn is_prose(line: &str) -> bool {
    longer_than(line, LONGEST_TITLE_LINE)
        || super::summary::dateline_prefix(line).is_some_and(|d| {
            is_sentence(line[d.len()..].trim_start_matches([' ', ':', '-', '–', '—']))
        })
}

/// Has `line` more than `chars` characters? Counting them reads the whole
/// line, and a line of four bytes a character or more needs no count.
fn longer_than(line: &str, chars: usize) -> bool {
    line.len() > chars * 4 || (line.len() > chars && line.chars().count() > chars)
}

/// Running text rather than a headline: long, or ending like a sentence
/// without most words capitalised.
fn is_sentence(text: &str) -> bool {
    if longer_than(text, 150) {
        return true;
    }
    if !text.ends_with(['.', '!', '?', '"', '”']) {
        return false;
    }
    let (words, capitalised) = text
        .split_whitespace()
        .filter(|w| w.chars().nth(3).is_some())
        .fold((0, 0), |(words, capitalised), w| {
            (
                words + 1,
                capitalised + usize::from(w.starts_with(char::is_uppercase)),
            )
        });
    capitalised * 2 < words.max(1)
}

fn is_list_item(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with("- ")
        || t.starts_with("• ")
        || t.starts_with("* ")
        || t.starts_with("· ")
        || t.starts_with("– ")
}

/// Groups body lines into paragraphs. In hard-wrapped text a line that does
/// not end a sentence, or that is full to the wrap width, runs on.
fn paragraphs(lines: &[&str]) -> Vec<String> {
    let width = wrap_width(lines);
    let mut out = Vec::new();
    let mut current = String::new();
    let mut previous = "";
    // Under a contact header standing alone, each line is an item of the
    // block (name, role, phone), however the text above was wrapped.
    let mut in_contact = false;
    for &raw in lines {
        let line = raw.trim();
        if line.is_empty() {
            push_paragraph(&mut out, &mut current);
            previous = "";
            continue;
        }
        // A photo's caption ends with its credit, a byline or a date with
        // no full stop, and the text under them starts a paragraph of its
        // own.
        let joins = !previous.is_empty()
            && !in_contact
            && width.is_some_and(|w| runs_on(previous, line, w))
            && !is_meta_line(previous);
        in_contact |= is_contact_header_alone(line);
        if !joins {
            push_paragraph(&mut out, &mut current);
        }
        if is_broken_word(&current, line) {
            current.pop();
        } else if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(line);
        previous = line;
    }
    push_paragraph(&mut out, &mut current);
    out
}

/// A word a PDF broke over two lines with a hyphen (`interven-` and
/// `tions`): two lower-case halves (`Geneva-` `based` keeps its hyphen).
/// A compound broken at its own hyphen
/// (`semi-` and `arid`) loses the hyphen too; the text cannot tell them apart.
fn is_broken_word(text: &str, next: &str) -> bool {
    let Some(head) = text.strip_suffix('-') else {
        return false;
    };
    // Only the last word matters, and words are short.
    let word = head.rsplit(char::is_whitespace).next().unwrap_or("");
    word.chars().nth(1).is_some()
        && word.chars().all(char::is_lowercase)
        && next.starts_with(char::is_lowercase)
}

/// Longest contact header that stands alone on its line.
const LONGEST_CONTACT_HEADER: usize = 60;

fn is_contact_header_alone(line: &str) -> bool {
    line.chars().count() <= LONGEST_CONTACT_HEADER
        && super::contact::is_contact_header(line)
        && !super::contact::has_contact_detail(line)
}

fn push_paragraph(out: &mut Vec<String>, current: &mut String) {
    if !current.trim().is_empty() {
        out.push(std::mem::take(current));
    }
    current.clear();
}

/// The width text was wrapped at, when it looks hard-wrapped: most lines
/// are short and about as long as each other.
fn wrap_width(lines: &[&str]) -> Option<usize> {
    let mut lengths: Vec<usize> = lines
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty() && !is_list_item(l))
        .map(|l| l.chars().count())
        .collect();
    if lengths.len() < 4 {
        return None;
    }
    lengths.sort_unstable();
    let long = lengths.iter().filter(|&&n| n > 100).count();
    let p90 = lengths[lengths.len() * 9 / 10];
    let p50 = lengths[lengths.len() / 2];
    (long * 10 <= lengths.len() && p90 <= 100 && p50 >= 30)
        .then(|| lengths[lengths.len() * 19 / 20].max(p90))
}

fn runs_on(previous: &str, next: &str, width: usize) -> bool {
    if is_list_item(next) {
        return false;
    }
    let ends_sentence = previous.ends_with(['.', '!', '?', ':', '"', '”', '»', ')', ';']);
    let next_word = next
        .split_whitespace()
        .next()
        .map_or(0, |w| w.chars().count());
    let filled = previous.chars().count() + 1 + next_word;
    if !ends_sentence {
        // A line not half full that the next word would have fitted on is
        // a label or a heading (`TAGS`), not a wrapped line.
        return filled * 2 > width;
    }
    filled > width
}

/// Removes blocks that only repeat the title; returns the prefix of an echo
/// such as `Kenya: <title>` (often the only hint of the country).
pub(crate) fn drop_title_echoes(blocks: &mut Vec<String>, title: &str) -> Option<String> {
    let title_key = line_key(title);
    let mut prefix = None;
    let mut index = 0;
    blocks.retain(|block| {
        index += 1;
        // An echo is the title plus at most a short prefix.
        if block.len() > title.len() + 80 {
            return true;
        }
        let key = line_key(block);
        if key == title_key {
            return false;
        }
        if index <= 3 && key.len() > title_key.len() && key.ends_with(&title_key) {
            let head = &block[..block.len().saturating_sub(title.len())];
            let head = head
                .trim()
                .trim_end_matches([':', '-', '–', '—', '|'])
                .trim();
            if !head.is_empty()
                && head.split_whitespace().nth(5).is_none()
                && head.len() + title.len() + 4 >= block.len()
            {
                prefix = Some(head.to_owned());
                return false;
            }
        }
        true
    });
    prefix
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A draft of `text` with no template lines at all.
    fn untemplated(text: &str) -> Draft {
        parse_lines(text, |_, _| false, |_| false)
    }

    fn draft(text: &str) -> Draft {
        parse_lines(
            text,
            |l, _| l.trim() == "Menu" || l.trim() == "-",
            |_| false,
        )
    }

    #[test]
    fn a_wrapped_opening_under_a_caption_is_the_opening_and_the_caption_goes() {
        let d = untemplated(
            "Home\nEconomy\nHarbour town to rebuild its fish market with a $12 million grant\nBy Lena Ostrova\n09:15, 4 May 2026\nViews: 1 204\nTraders sort the morning catch at the old market. Photo: Coast Herald / Ivan Petrov\nThe harbour town's council on Monday accepted a $12 million grant from the\nregional fund to rebuild its fish market, closed since a storm tore off its\nroof two winters ago, and to add cold rooms for the town's forty traders.\n\nWork is due to start in the autumn.\n",
        );
        assert_eq!(
            d.title.as_deref(),
            Some("Harbour town to rebuild its fish market with a $12 million grant")
        );
        assert!(
            d.blocks[0].starts_with("The harbour town's council"),
            "{:?}",
            d.blocks
        );
    }

    #[test]
    fn a_wrapped_dated_opening_under_a_row_of_tags_is_the_opening() {
        let d = untemplated(
            "Home / News / Press releases\n3-Mar-2026\nFund approves $90 million for a cross-border water line\nPress releases | Water | Lesotho\nMASERU, Lesotho, 3 March 2026 - The Board of the Southern Water Fund has\napproved a loan of $90 million to the Kingdom of Lesotho to finance its\nshare of a pipeline that will carry water from the highlands to the lowlands\nof the country and, through it, to the border towns.\n\nThe line will run 120 km.\n",
        );
        assert_eq!(
            d.title.as_deref(),
            Some("Fund approves $90 million for a cross-border water line")
        );
    }

    #[test]
    fn a_headline_over_a_paragraph_on_one_line_is_no_wrapped_paragraph() {
        let opening = "DAKAR, 9 May 2026 – More than 4,000 schools remain closed across three countries of the region as the school year opens, an analysis of cluster data by the organisation shows.";
        let d = untemplated(&format!(
            "Shared Harvest Network\n\n\n\nNearly a million children out of school as attacks close classrooms in the region\n{opening}\n\nThe number has risen by 40% in two years.\n"
        ));
        assert_eq!(
            d.title.as_deref(),
            Some(
                "Nearly a million children out of school as attacks close classrooms in the region"
            )
        );
        assert_eq!(d.blocks[0], opening);
    }

    #[test]
    fn a_ticker_of_other_headlines_and_an_alert_bar_are_no_title() {
        let body = "The district health team extended its free maternal care programme to two more districts on Monday, covering the cost of antenatal visits, delivery and transport for every pregnant woman.";
        let ticker = format!(
            "Tuesday, 3 March 2026\nLatest:\nLawmakers pass revised budget after marathon session\nBorder post reopens after two-week closure\nNational squad named for the qualifiers\nHome\nNews\nPolitics\nFree maternal care extended to two more districts\nBy Staff Writer\n{body}\n"
        );
        assert_eq!(
            untemplated(&ticker).title.as_deref(),
            Some("Free maternal care extended to two more districts")
        );
        let alert = format!(
            "ALERT: Water main flushing in the North End, June 2–6. Residents may notice discoloured water. Learn more\nSkip to content\nTown of Harbourview\nResidents\nBusiness\nCouncil\nParks\nRecreation\nTown Hall\nCareers\nNews\nNotices\nHome > News > Town welcomes new families\nTown welcomes 40 newcomers through community sponsorship\nPosted on Thursday, May 29, 2026\n{body}\n"
        );
        assert_eq!(
            untemplated(&alert).title.as_deref(),
            Some("Town welcomes 40 newcomers through community sponsorship")
        );
    }

    #[test]
    fn a_spaced_menu_a_wire_slug_and_a_numbered_label_are_no_title() {
        let body = "ACCRA, Ghana, 15 May 2026 — A developer has commissioned a 40-megawatt solar plant in the north of the country, the largest built there by a local firm.";
        for above in [
            "Home  About  Projects  News  Contact",
            "COAST WIRE SERVICE -- GENERAL NEWS -- 0612 GMT",
            "PRESS RELEASE NO: 2026/081/DEV",
            "Recovery update No. 6 - 19 February 2026",
        ] {
            let d = untemplated(&format!(
                "{above}\nDeveloper commissions 40 MW solar plant in the north\n{body}\n"
            ));
            assert_eq!(
                d.title.as_deref(),
                Some("Developer commissions 40 MW solar plant in the north"),
                "{above}"
            );
        }
    }

    #[test]
    fn the_tail_of_a_wrapped_sentence_is_text_however_often_it_recurs() {
        let d = parse_lines(
            "Workshop on climate and migration\n\nAmid growing concern over the effects of droughts, the agency will host a\nworkshop to help governments prepare for environmental\nmigration.\n\nThe workshop will open on Monday in the conference centre and\nwill hear from ministers, researchers and the mayors of towns\nthat droughts have emptied.\n\nMigration.\n",
            |_, _| false,
            |key| key == line_key("Migration."),
        );
        assert!(
            d.blocks[0].ends_with("environmental migration."),
            "{:?}",
            d.blocks
        );
        assert_eq!(d.blocks.len(), 2, "{:?}", d.blocks);
    }

    #[test]
    fn a_capitals_headline_wrapped_onto_the_dated_opening_is_read_whole() {
        let d = untemplated(
            "AEGEAN HARBOUR NETWORK\nPRESS RELEASE\nFERRY ARRIVALS ON THE NORTHERN ISLANDS DOUBLE OVER SUMMER AS SHELTERS\nFILL BEYOND CAPACITY IN THE HEAT\nMYTILENE, Lesvos, 22 September 2026 — The number of people arriving by sea\non the northern islands between June and August was almost twice that of the\nsame months a year earlier, the network said on Monday, as shelters built\nfor a few hundred people held more than a thousand.\n",
        );
        assert_eq!(
            d.title.as_deref(),
            Some(
                "FERRY ARRIVALS ON THE NORTHERN ISLANDS DOUBLE OVER SUMMER AS SHELTERS FILL BEYOND CAPACITY IN THE HEAT"
            )
        );
        assert!(
            d.blocks[0].starts_with("MYTILENE, Lesvos"),
            "{:?}",
            d.blocks
        );
    }

    #[test]
    fn a_letterhead_contact_ends_at_the_release_label_and_the_text_has_no_blank_lines() {
        let d = untemplated(
            "NORTHERN HIGHLANDS UNIVERSITY\nOffice of Communications\nP.O. Box 2210, Gulu\nMEDIA CONTACT:\nDr. Ruth Amony, Head of Communications\nTel: +256 772 418 063 | Email: r.amony@example.org\nFOR IMMEDIATE RELEASE\nSTUDY FINDS SHARED SOLAR PUMPS DOUBLED HARVESTS FOR\nREFUGEE AND HOST FARMERS IN THE NORTH\nGULU, 3 June 2026 – Small farmers who shared solar-powered irrigation\npumps harvested on average twice as much maize as farmers relying on\nrain alone, according to a three-year study released today by the\nuniversity's faculty of agriculture.\nThe study followed 1,240 households in two districts, about half of them\nrefugees, and measured what each plot yielded in every season.\n",
        );
        assert_eq!(
            d.title.as_deref(),
            Some(
                "STUDY FINDS SHARED SOLAR PUMPS DOUBLED HARVESTS FOR REFUGEE AND HOST FARMERS IN THE NORTH"
            )
        );
        assert!(d.blocks[0].starts_with("MEDIA CONTACT:"), "{:?}", d.blocks);
        assert!(
            d.blocks
                .iter()
                .any(|b| b.starts_with("GULU, 3 June 2026 –")),
            "{:?}",
            d.blocks
        );
    }

    #[test]
    fn trails_rows_of_agencies_and_tickers_are_no_title() {
        let body = "The service today opened a one-stop centre where citizens returning from abroad can register, find work and enrol their children in school, the ministry said in a statement.";
        let title = "One-stop centre for returning citizens opens in the north";
        for above in [
            format!("Newsroom / Company news / {title} and three other towns of the province"),
            "Ministry of Internal Affairs · Migration Service · Ministry of Labour".to_owned(),
            "Breaking: Currency market steady ahead of the central bank meeting".to_owned(),
        ] {
            let d = untemplated(&format!("{above}\n\n\n{title}\n{body}\n"));
            assert_eq!(d.title.as_deref(), Some(title), "{above}");
        }
        assert!(is_trail(&format!(
            "Newsroom / Company news / {title} and three other towns of the province"
        )));
    }

    #[test]
    fn a_short_label_in_wrapped_text_starts_a_line_of_its_own() {
        let lines = [
            "The council said the new market would open in the spring, once the cold",
            "rooms are fitted and the traders have moved back from the car park where",
            "they have sold their fish since the storm.",
            "TAGS",
            "Fish market",
            "Harbour",
        ];
        assert_eq!(paragraphs(&lines).len(), 4, "{:?}", paragraphs(&lines));
    }

    #[test]
    fn a_contact_block_under_wrapped_text_keeps_its_lines() {
        let prose = "The fire tender and the rescue launch left the harbour station\nwithin six minutes, and two fishing boats that were on the water\nreached the vessel first and took nine of the passengers aboard.\n";
        let d = draft(&format!(
            "Crews Rescue Eleven Passengers from Burning Boat\n\n{prose}\n{prose}\nFor media enquiries, please contact:\nBwalya Chanda\nDivisional Public Relations Officer\nTel: +260 977 410 582\n"
        ));
        let n = d.blocks.len();
        assert_eq!(
            d.blocks[n - 4..],
            [
                "For media enquiries, please contact:",
                "Bwalya Chanda",
                "Divisional Public Relations Officer",
                "Tel: +260 977 410 582",
            ],
            "{:?}",
            d.blocks
        );
    }

    #[test]
    fn a_contact_block_above_the_title_stays_above_the_text() {
        let d = draft(
            "FOR IMMEDIATE RELEASE\nMarch 3, 2026\n\nContact: Ruth Okafor, Communications\n+1 555 010 2030 | rokafor@example.org\n\nCity Opens Three Cooling Centres Ahead of Heat Wave\n\nThe city opened three cooling centres on Monday as forecasters warned of a week of record heat.\n\nThe centres stay open until ten each night.\n",
        );
        assert_eq!(
            d.title.as_deref(),
            Some("City Opens Three Cooling Centres Ahead of Heat Wave")
        );
        assert!(d.blocks[0].starts_with("Contact: Ruth"), "{:?}", d.blocks);
        assert!(d.blocks[2].starts_with("The city opened"), "{:?}", d.blocks);
        assert_eq!(
            d.blocks[..2],
            [
                "Contact: Ruth Okafor, Communications",
                "+1 555 010 2030 | rokafor@example.org"
            ]
        );
    }

    #[test]
    fn a_leading_contact_block_keeps_every_person_set_apart_by_blank_lines() {
        let d = draft(
            "MEDIA CONTACTS\nSara Haddad\nCommunications Officer, Irbid\nMobile: +962 79 555 3104\nEmail: shaddad@example.org\n\nTomas Lindqvist\nRegional Spokesperson, Amman\nEmail: tlindqvist@example.org\n\nClinics reopen in the north as the rains ease\n\nIRBID, 2 August 2026 – Eleven clinics closed by floods reopened on Saturday, the health directorate said, after crews cleared the roads that lead to them.\n",
        );
        assert_eq!(
            d.title.as_deref(),
            Some("Clinics reopen in the north as the rains ease")
        );
        assert!(
            d.blocks
                .iter()
                .any(|b| b == "Email: tlindqvist@example.org"),
            "{:?}",
            d.blocks
        );
        assert!(
            d.blocks.last().is_some_and(|b| b.starts_with("IRBID")),
            "{:?}",
            d.blocks
        );
    }

    #[test]
    fn a_headline_wrapped_like_the_text_goes_on_over_the_next_line() {
        let body = "HARARE, 2 May 2025 – Grain silos in three districts were\nrepaired before the harvest, the cooperative union said on\nFriday, and will store the maize of about 9,000 households\nuntil prices recover later in the season.\n\nThe union said the work was paid for by its members, who\nput aside part of last year's earnings for it.\n";
        let wrapped = format!(
            "Farmers' Union Repairs Grain Silos in Three Districts Before\nHarvest\n\n{body}"
        );
        assert_eq!(
            draft(&wrapped).title.as_deref(),
            Some("Farmers' Union Repairs Grain Silos in Three Districts Before Harvest")
        );
        // A short headline is whole; the line under it is its deck.
        let deck = format!("Union Repairs Silos\nStorage for 9,000 households\n\n{body}");
        let d = draft(&deck);
        assert_eq!(d.title.as_deref(), Some("Union Repairs Silos"));
        assert_eq!(d.blocks[0], "Storage for 9,000 households");
    }

    #[test]
    fn a_headline_broken_mid_phrase_or_centred_goes_on_over_the_next_line() {
        let opening = "LIMA – More than 60,000 migrants have enrolled in the public health insurance scheme since April, the association said today.";
        let d = draft(&format!(
            "New registration drive brings 60,000 migrants\ninto the public health insurance scheme\n\n{opening}\n"
        ));
        assert_eq!(
            d.title.as_deref(),
            Some(
                "New registration drive brings 60,000 migrants into the public health insurance scheme"
            )
        );
        let d = draft(&format!(
            "            MEASLES CAMPAIGN TO REACH EVERY CHILD\n              IN THE TWO HIGHLAND PROVINCES\n\n{opening}\n"
        ));
        assert_eq!(
            d.title.as_deref(),
            Some("MEASLES CAMPAIGN TO REACH EVERY CHILD IN THE TWO HIGHLAND PROVINCES")
        );
        // A deck under a headline set flush left stays apart.
        let d = draft(&format!(
            "Registration Drive Reaches 60,000 Migrants\nThe Scheme Now Covers Nine Districts\n\n{opening}\n"
        ));
        assert_eq!(
            d.title.as_deref(),
            Some("Registration Drive Reaches 60,000 Migrants")
        );
    }

    #[test]
    fn a_hard_wrapped_opening_without_a_dateline_anchors_the_title() {
        let d = draft(
            "NORTHERN DIVISION FIRE SERVICE\nPublic Information Office\nPort Louis\n\nMEDIA RELEASE\nReleased: Monday, 3 March 2025, 10:15 hrs\n\nFire Crews Contain Warehouse Blaze Near the Harbour After Six Hours\n\nFirefighters from four stations worked through the night to bring a\nfire at a textile warehouse near the harbour under control, the\ndivision said on Monday. Nobody was injured in the blaze, which\nbroke out shortly before midnight.\n\nThe cause of the fire is being investigated.\n",
        );
        assert_eq!(
            d.title.as_deref(),
            Some("Fire Crews Contain Warehouse Blaze Near the Harbour After Six Hours")
        );
        assert!(d.blocks[0].starts_with("Firefighters from four stations"));
    }

    #[test]
    fn an_emailed_release_loses_its_envelope_and_cover_note() {
        let d = draft(
            "Subject: PRESS RELEASE: Ferry service resumes\nFrom: Press Desk <press@ferry.example>\nTo: news@paper.example\nDate: Tue, 11 Mar 2025 09:14:22 +0000\nMIME-Version: 1.0\nContent-Type: text/plain; charset=\"UTF-8\"\n\nDear colleagues,\n\nPlease find the release below for immediate use.\n\nKind regards,\nAma\n\nIsland Ferry Service Resumes After Six Months of Repairs\n\nTAKORADI, 11 March 2025 – The island ferry returned to service on Monday after six months in dry dock, the operator said.\n",
        );
        assert_eq!(
            d.title.as_deref(),
            Some("Island Ferry Service Resumes After Six Months of Repairs")
        );
        assert_eq!(d.blocks.len(), 1, "{:#?}", d.blocks);
        assert!(d.blocks[0].starts_with("TAKORADI"));
    }

    #[test]
    fn a_forwarded_release_loses_both_envelopes_and_the_note_above() {
        let d = draft(
            "From: Agency <desk@agency.example>\nSent: Monday, 16 March 2026 09:42\nSubject: FW: Press release: Ferry service resumes\n\nDear colleagues,\n\nPlease see the release below.\n\nWith best wishes,\nAma\n\nAma Mensah\nAccount Director | Agency\n\n---------- Forwarded message ---------\nFrom: Ferry Company <press@ferry.example>\nDate: Mon, 16 Mar 2026 at 08:05\nSubject: Press release: Ferry service resumes after repairs\n\nTAKORADI, 16 March 2026 – The island ferry returned to service on Monday after six months in dry dock, the operator said.\n",
        );
        assert_eq!(
            d.title.as_deref(),
            Some("Ferry service resumes after repairs")
        );
        assert_eq!(d.blocks.len(), 1, "{:#?}", d.blocks);
    }

    #[test]
    fn a_one_line_note_and_the_letterhead_are_no_headline() {
        let d = draft(
            "From: Mine Company <press@mine.example>\nSent: Thursday, 28 August 2025 09:41\nSubject: Press release - Mine to build a solar plant\n\nDear editors, please find our release below. Embargoed until 10:00.\n\nKAFUE COPPER RESOURCES PLC\n\nCopperbelt mine to power its pumps with a 30 MW solar plant\n\nKITWE, 28 August 2025: The company has signed an agreement with a power producer to build a solar plant at its mine, which will supply most of the power it uses.\n",
        );
        assert_eq!(
            d.title.as_deref(),
            Some("Copperbelt mine to power its pumps with a 30 MW solar plant")
        );
        assert!(
            !d.blocks.iter().any(|b| b.starts_with("Dear")),
            "{:#?}",
            d.blocks
        );
    }

    #[test]
    fn a_signature_set_apart_under_the_note_goes_with_it() {
        let d = draft(
            "From: Agency <desk@agency.example>\nSubject: [Press Release] Ferry\n\nDear editors,\n\nPlease find the release below.\n\nWarm regards,\nAma\n\n--\nAma Mensah | Senior Account Manager\nHarbour Communications Ltd\nM: +233 20 555 0142\n\nFOR IMMEDIATE RELEASE\n\nFerryLink resumes island service after six months of repairs\n\nTAKORADI, 11 March 2025 – The island ferry returned to service on Monday after six months in dry dock, the operator said.\n",
        );
        // A brand in camel case opens the headline.
        assert_eq!(
            d.title.as_deref(),
            Some("FerryLink resumes island service after six months of repairs")
        );
        assert_eq!(d.blocks.len(), 1, "{:#?}", d.blocks);
    }

    #[test]
    fn a_release_label_parts_the_letterhead_from_the_headline() {
        let d = draft(
            "               REPUBLIC OF THE ISLANDS\n\n     MINISTRY OF LANDS AND WATER RESOURCES\n\n Ref: MLW/PR/04/2026                          12 February 2026\n\n                  PRESS STATEMENT\n\n     Government Opens Second Phase of Irrigation Scheme\n\nMASVINGO, 12 February 2026 – The government today opened the second phase of the irrigation scheme, adding 4,200 hectares of irrigated land.\n",
        );
        assert_eq!(
            d.title.as_deref(),
            Some("Government Opens Second Phase of Irrigation Scheme")
        );
    }

    #[test]
    fn a_note_signed_with_a_first_name_alone_is_no_title() {
        let d = draft(
            "From: Agency <desk@agency.example>\nSubject: NEWS: Ferry\n\nHi there,\n\nSharing today's release from the ferry company below, with photos on request.\n\nAma\n\nIsland Ferry Service Resumes After Six Months of Repairs\n\nTAKORADI, 11 March 2025 – The island ferry returned to service on Monday after six months in dry dock, the operator said.\n",
        );
        assert_eq!(
            d.title.as_deref(),
            Some("Island Ferry Service Resumes After Six Months of Repairs")
        );
        assert_eq!(d.blocks.len(), 1, "{:#?}", d.blocks);
    }

    #[test]
    fn an_emailed_release_without_a_headline_takes_its_subject() {
        let d = draft(
            "Subject: Fwd: Ferry service resumes on Monday\nFrom: press@ferry.example\n\nTAKORADI, 11 March 2025 – The island ferry returned to service on Monday after six months in dry dock, the operator said.\n",
        );
        assert_eq!(d.title.as_deref(), Some("Ferry service resumes on Monday"));
    }

    #[test]
    fn publishing_notes_are_bylines_and_text_is_not() {
        assert!(is_byline("Published 12 November 2025 · 4 min read"));
        assert!(is_byline("Posted: 3 May 2025"));
        assert!(is_byline("Reading time: 3 minutes"));
        assert!(is_byline("Posted on 19 June 2025 in Guatemala"));
        assert!(is_byline("By Juliana Costa | 5 August 2025"));
        assert!(is_byline(
            "Press release · Embassy of Ireland, Hanoi · 27 February 2025"
        ));
        assert!(is_byline(
            "Release date: 2025-10-07 · Tag: v5.0.0 · Channel: stable"
        ));
        assert!(is_byline("Released: | 12 June 2025, 07:20 EAT"));
        assert!(is_meta_line("NEWS RELEASE -- For immediate release"));
        assert!(is_meta_line("News release – for immediate use"));
        assert!(is_meta_line("Newsroom / 9 March 2026"));
        assert!(is_meta_line("I S L A N D   C A R G O   G R O U P   L T D"));
        assert!(!is_meta_line("Floods / 9,000 homes lost in a week"));
        assert!(!is_meta_line("A B C of the new tax rules"));
        assert!(!is_meta_line("Port Reopens -- Ferries Run Again"));
        assert!(!is_byline("Revenue | Profit | Margin"));
        assert!(is_byline("Published 4 March 2025 by Press Office"));
        assert!(!is_byline(
            "By 2030 the board plans to read every meter remotely."
        ));
    }

    #[test]
    fn a_contact_menu_item_above_a_dated_title_stays() {
        let d = draft(
            "About us\nContact Us\nHome » News » Port Opens a Second Container Berth\nPort Opens a Second Container Berth\n2025-02-16\nAQABA – The port authority opened a second container berth on Sunday, doubling the number of ships it can load at once.\nThe berth took two years to build.\n",
        );
        assert_eq!(
            d.title.as_deref(),
            Some("Port Opens a Second Container Berth")
        );
        assert!(d.blocks[0].starts_with("AQABA"), "{:#?}", d.blocks);
        assert_eq!(d.blocks.len(), 2, "{:#?}", d.blocks);
    }

    #[test]
    fn a_contact_menu_item_above_the_title_stays() {
        // No email and no phone: a menu entry, not a contact block.
        let d = draft(
            "Contact us\nCity Opens Three Cooling Centres Ahead of Heat Wave\n\nThe city opened three cooling centres on Monday as forecasters warned of a week of record heat.\n",
        );
        assert_eq!(
            d.title.as_deref(),
            Some("City Opens Three Cooling Centres Ahead of Heat Wave")
        );
        assert_eq!(d.blocks.len(), 1, "{:?}", d.blocks);
    }

    #[test]
    fn title_follows_navigation_and_breadcrumbs() {
        let d = draft(
            "Menu\n-\nNews\nRegion\n\nFloods Displace Thousands in Northern Province\n\nLusaka – Heavy rains this week forced thousands of families from their homes in the north of the country, officials said on Monday.\n",
        );
        assert_eq!(
            d.title.as_deref(),
            Some("Floods Displace Thousands in Northern Province")
        );
        assert_eq!(d.blocks.len(), 1);
        assert!(d.blocks[0].starts_with("Lusaka – Heavy rains"));
    }

    #[test]
    fn no_title_line_when_text_opens_with_a_dateline_paragraph() {
        let d = draft(
            "Quito, 3 May 2021 – The government and partners opened a new reception centre for families arriving at the northern border this week, the first of three planned this year.\nSecond paragraph here.",
        );
        assert_eq!(d.title, None);
        assert_eq!(d.blocks.len(), 2);
    }

    #[test]
    fn date_prefix_is_metadata() {
        let d = draft(
            " date 2021-06-01 Dhaka – The agency called for continued support to refugees and host communities across the district.",
        );
        assert_eq!(
            d.front.date.map(|d| d.to_rfc3339()).as_deref(),
            Some("2021-06-01T00:00:00+00:00")
        );
        assert!(d.blocks[0].starts_with("Dhaka –"));
    }

    #[test]
    fn hard_wrapped_lines_are_joined_into_paragraphs() {
        let text = "A Short Headline for the Test\n\
            The agency has opened a new transit centre for migrants in the\n\
            desert town, offering shelter, food and medical care to people\n\
            stranded on their way north.\n\
            Officials said the centre would take up to a thousand people at\n\
            a time.\n\
            A third paragraph begins here and runs over more than one line\n\
            because it is long enough to wrap.\n";
        let d = draft(text);
        assert_eq!(d.title.as_deref(), Some("A Short Headline for the Test"));
        assert_eq!(d.blocks.len(), 3, "{:#?}", d.blocks);
        assert!(d.blocks[0].ends_with("stranded on their way north."));
        assert_eq!(
            d.blocks[1],
            "Officials said the centre would take up to a thousand people at a time."
        );
    }

    #[test]
    fn one_paragraph_per_line_stays_as_is() {
        let long = "word ".repeat(40);
        let d = draft(&format!(
            "Title of the Release Here\n{long}\nShort line.\n{long}\n{long}\n"
        ));
        assert_eq!(d.blocks.len(), 4);
    }

    #[test]
    fn list_items_stay_separate() {
        let d = draft(
            "Title of the Release Here\nOur programmes include:\n- Health\n- Shelter\n- Water and sanitation\nA closing paragraph that is long enough to count as text.",
        );
        assert!(
            d.blocks.contains(&"- Shelter".to_owned()),
            "{:#?}",
            d.blocks
        );
    }

    #[test]
    fn date_lines_and_bylines_are_skipped() {
        let d = draft(
            "Source: Example Agency |\n\nRelief Convoy Reaches Stranded Families\n\nMarch 11, 2018\n\nThe convoy arrived after a two-day journey across the desert with food and water.",
        );
        assert_eq!(
            d.title.as_deref(),
            Some("Relief Convoy Reaches Stranded Families")
        );
        assert_eq!(
            d.blocks,
            ["The convoy arrived after a two-day journey across the desert with food and water."]
        );
    }

    #[test]
    fn unlearned_navigation_gives_way_to_the_line_above_the_dateline() {
        let d = untemplated(
            "Home\nWho we serve\nWHO WE SERVEThe agency helps people on the move in forty countries with shelter and care.\nOur Work\nNewsroom\nDonate\n- Reports and Data\nShelter Kits Reach Families After Landslides\nKathmandu – The agency this week began moving 1,800 families from hillsides at risk of new landslides.\nSecond paragraph of the release.\n",
        );
        assert_eq!(
            d.title.as_deref(),
            Some("Shelter Kits Reach Families After Landslides")
        );
        assert!(d.blocks[0].starts_with("Kathmandu –"), "{:#?}", d.blocks);
    }

    #[test]
    fn a_headline_learned_from_other_pages_lists_is_taken_back() {
        // The sibling releases' "Latest news" lists carry this headline too.
        let headline = "Clinic Boats Reach Island Villages Cut Off by Floods";
        let text = format!(
            "Home\nNews\n{headline}\n12 March 2026\nA nurse checks a child on board. Photo: Agency/Ana Ruiz\nBeira – Three clinic boats reached 14 villages on Tuesday that the floods had cut off for a week.\nLatest news\nAnother Headline From the Same Site Today\n"
        );
        let learned =
            |key: &str| ["home", "news", "latest news", &line_key(headline)].contains(&key);
        let d = parse_lines(&text, |_, _| false, learned);
        assert_eq!(d.title.as_deref(), Some(headline));
        assert!(
            d.blocks.iter().any(|b| b.starts_with("Beira –")),
            "{:#?}",
            d.blocks
        );
        // Where the page's own headline stands, the learned lines stay out.
        let d = parse_lines(&text, |_, _| false, |k| k == "home" || k == "news");
        assert_eq!(d.title.as_deref(), Some(headline));
    }

    #[test]
    fn a_short_headline_with_figures_wins_over_its_deck() {
        let d = untemplated(
            "Home\nInvestors\nRegulated information\nHarbour Group reports first-quarter 2026 results\nStrong volumes in Africa; full-year outlook confirmed\n29 April 2026\nROTTERDAM, 29 April 2026 — Harbour Group today reported revenue of EUR 1.2 billion for the first quarter, up 6.8% year on year.\n",
        );
        assert_eq!(
            d.title.as_deref(),
            Some("Harbour Group reports first-quarter 2026 results")
        );
    }

    #[test]
    fn a_menu_contact_item_does_not_swallow_the_headline_above_a_contact_block() {
        let d = untemplated(
            "Skip to main content\nAn official website of the State of Nowhere\nDepartment of Health\nHome\nNewsroom\nContact Us\nSearch\nHome > Newsroom > News Releases\nDepartment Launches Measles Vaccination Push in 12 Counties\nFOR IMMEDIATE RELEASE\nJuly 28, 2026\nContact: Dana Reyes, Public Information Officer\n(505) 555-0142 | dana.reyes@health.example.org\nSANTA FE, N.M. — The Department of Health on Tuesday launched a measles vaccination push in 12 counties.\n",
        );
        assert_eq!(
            d.title.as_deref(),
            Some("Department Launches Measles Vaccination Push in 12 Counties")
        );
        assert!(
            d.blocks.iter().any(|b| b.contains("dana.reyes@")),
            "{:#?}",
            d.blocks
        );
    }

    #[test]
    fn a_standfirst_between_title_and_dateline_stays_body() {
        let d = draft(
            "Agency Appeals for USD 20 Million\nThe money would reach 300,000 people\nNairobi – The agency launched an appeal on Monday for families hit by the drought this year.\n",
        );
        assert_eq!(
            d.title.as_deref(),
            Some("Agency Appeals for USD 20 Million")
        );
    }

    #[test]
    fn menus_are_recognised_by_their_shape() {
        let text = "Who we are\nWHO WE AREThe agency works with migrants in forty countries on shelter and health.\nOur Work\nOur WorkAs the leading agency we help people on the move at every stage.\nWhat We Do\nWhat We Do\nDonate\nDonate\nFloods Force Families From Homes in the North\nThe rains began on Friday and have not stopped since, officials said this week.\n";
        let d = untemplated(text);
        assert_eq!(
            d.title.as_deref(),
            Some("Floods Force Families From Homes in the North")
        );
        assert_eq!(d.blocks.len(), 1, "{:#?}", d.blocks);
    }

    #[test]
    fn a_line_repeated_once_in_the_body_is_not_a_menu_unless_adjacent() {
        let long = "The first paragraph of the body is long enough to be prose text, and it goes on for a good while longer.";
        let d = draft(&format!(
            "A Title Line Here\n{long}\nIOM Kenya\n{long}\nIOM Kenya\n"
        ));
        assert_eq!(d.blocks.len(), 4, "{:#?}", d.blocks);
    }

    #[test]
    fn a_headline_repeated_on_the_next_line_is_kept_once() {
        let d = draft(
            "Home\nNews\nFloods Displace Thousands in the North\nFloods Displace Thousands in the North\nLusaka – Heavy rains forced thousands of families from their homes this week, officials said.\n",
        );
        assert_eq!(
            d.title.as_deref(),
            Some("Floods Displace Thousands in the North")
        );
        assert_eq!(d.blocks.len(), 1, "{:#?}", d.blocks);
    }

    #[test]
    fn a_breadcrumb_trail_is_not_the_title() {
        let d = draft(
            "Home > News > Africa\nFloods Displace Thousands in the North\nLusaka – Heavy rains forced thousands of families from their homes this week, officials said.\n",
        );
        assert_eq!(
            d.title.as_deref(),
            Some("Floods Displace Thousands in the North")
        );
    }

    #[test]
    fn web_chrome_lines_are_not_titles() {
        let d = draft(
            "Skip to main content\nToggle navigation\nShare this page\nFloods Displace Thousands in the North\nLusaka – Heavy rains forced thousands of families from their homes this week, officials said.\n",
        );
        assert_eq!(
            d.title.as_deref(),
            Some("Floods Displace Thousands in the North")
        );
    }

    #[test]
    fn release_labels_are_not_titles() {
        let d = draft(
            "FOR IMMEDIATE RELEASE\nPress release\nPublished on 3 May 2021\nNew Clinic Opens for Returnees\nJuba – The clinic opened on Monday and will serve some 20,000 people in the area.\n-ENDS-\n",
        );
        assert_eq!(d.title.as_deref(), Some("New Clinic Opens for Returnees"));
        assert_eq!(d.blocks.len(), 1, "{:#?}", d.blocks);
    }

    #[test]
    fn a_letterhead_row_of_a_numbered_label_and_a_date_is_no_title() {
        assert!(is_meta_line("Press Release No. 45/2026"));
        assert!(is_meta_line("MEDIA RELEASE #12"));
        assert!(is_meta_line(
            "Press Release No. 45/2026                 18th September, 2026"
        ));
        assert!(!is_meta_line("Bridge opens      to traffic"));
        let d = draft(
            "Press Release No. 7/2026                          3rd March, 2026\n\nCOUNTY OPENS TWO NEW WATER POINTS ALONG THE STOCK ROUTE\n\nThe county government has opened two new water points for herders on\nthe stock route between the hills and the river, the county water office\nsaid on Monday, with a third expected to open before the dry season.\n",
        );
        assert_eq!(
            d.title.as_deref(),
            Some("COUNTY OPENS TWO NEW WATER POINTS ALONG THE STOCK ROUTE")
        );
    }

    #[test]
    fn a_word_broken_over_two_lines_is_joined() {
        let text = "Water Points Open Along the Stock Route\n\n\
            The county government has opened two new water points for the herd-\n\
            ers on the stock route between the hills and the river, the county\n\
            water office said on Monday, in time for the dry season this year.\n\
            \n\
            Each water point has a borehole, a solar pump and two troughs, and\n\
            the county will train a committee of herders to look after them.\n";
        let d = draft(text);
        assert!(d.blocks[0].contains(" herders on "), "{:#?}", d.blocks);
        assert!(!is_broken_word("Lake Kivu-", "based"));
        assert!(!is_broken_word("a 10-", "year plan"));
    }

    #[test]
    fn a_site_seen_once_gives_the_title_just_above_the_opening() {
        let d = draft(
            "Skip to main content\nAgency for Coastal Towns\nAbout us\nWhere we work\nStories from the field\nDonate\nEnglish | Français | Español\n\nHome / Newsroom / Press releases\n\nSea Walls Finished Before Storm Season in Three Fishing Towns\nPress release | 4 June 2025\nShare this\nFacebook\nEmail\n\nCHITTAGONG, Bangladesh – Builders finished raising the sea walls of three fishing towns on Monday, a month before the storm season.\n\nThe walls now stand two metres higher.\n",
        );
        assert_eq!(
            d.title.as_deref(),
            Some("Sea Walls Finished Before Storm Season in Three Fishing Towns")
        );
        assert!(d.blocks[0].starts_with("CHITTAGONG"), "{:#?}", d.blocks);
        assert_eq!(d.blocks.len(), 2, "{:#?}", d.blocks);
    }

    #[test]
    fn page_fields_trails_and_cookie_notices_are_not_titles() {
        let d = draft(
            "We use cookies to make this site work.\nWe would also like to set optional cookies that help us understand how you use the site.\nMINISTRY OF ROADS\nHome\nNews\nMedia Centre > Statements\nBRIDGE OVER THE TANA RIVER OPENS TO TRAFFIC\nPosted on: 04/03/2025\nCategory: Statements\nViews: 1,204\nGARISSA (MRS) — The new bridge over the Tana River opened to traffic on Tuesday, cutting the trip to the coast by two hours.\n",
        );
        assert_eq!(
            d.title.as_deref(),
            Some("BRIDGE OVER THE TANA RIVER OPENS TO TRAFFIC")
        );
        assert_eq!(d.blocks.len(), 1, "{:#?}", d.blocks);
    }

    #[test]
    fn a_deck_stays_body_under_a_title_found_above_the_opening() {
        let d = draft(
            "Wire Service\nNews\nEnergy\nSend a Release\nSign In\nHarbour Wind Farm Starts Supplying the Island Grid\nTurbines can meet a third of the island's demand on windy days\nNews provided by\nHarbour Wind Ltd.\nMar 3, 2025, 09:00 ET\nShare this article\nPORTREE, Scotland, March 3, 2025 /Wire Service/ - Harbour Wind Ltd. today began supplying power to the island grid from its twelve-turbine farm.\n",
        );
        assert_eq!(
            d.title.as_deref(),
            Some("Harbour Wind Farm Starts Supplying the Island Grid")
        );
        assert_eq!(
            d.blocks[0],
            "Turbines can meet a third of the island's demand on windy days"
        );
        assert!(d.blocks[1].starts_with("PORTREE"), "{:#?}", d.blocks);
        assert_eq!(d.blocks.len(), 2, "{:#?}", d.blocks);
    }

    #[test]
    fn a_hard_wrapped_dated_opening_anchors_the_title() {
        let d = draft(
            "Official Portal of the Ministry of Transport\nMinistry | Activities | Press Centre\nPress Centre / News / 2024\nViews: 2 417\nSecond Track Opens on the Northern Freight Line\nASTANA, 18 September 2024 — The ministry announced on Wednesday\nthe opening of a second track along the northern freight line,\ndoubling the number of trains it can carry.\nThe works took three years and employed\nabout seven thousand people in all.\n",
        );
        assert_eq!(
            d.title.as_deref(),
            Some("Second Track Opens on the Northern Freight Line")
        );
        assert!(d.blocks[0].starts_with("ASTANA"), "{:#?}", d.blocks);
    }

    #[test]
    fn a_distant_title_above_a_fact_sheet_stays_the_title() {
        let d = draft(
            "Water Points for Herders Along the Eastern Border\nStart Date\n2019\nEnd Date\n2021\nProject Type\nCommunity and Economic Development\nCoverage\nNational\nRegion Covered\nEast and Horn of Africa\nBudget\n200000\nThe project dug twelve wells along the routes herders take in the dry season, and trained committees to keep them working for years to come.\n",
        );
        assert_eq!(
            d.title.as_deref(),
            Some("Water Points for Herders Along the Eastern Border")
        );
    }

    #[test]
    fn a_country_field_states_the_country() {
        let taxonomy = crate::regions::Taxonomy::builtin().expect("built-in taxonomy");
        let page = |text: &str| stated_country(text, &taxonomy);
        assert_eq!(
            page("Title Here\nRegion: Africa\nCountry: Djibouti\nBody.").as_deref(),
            Some("DJ")
        );
        assert_eq!(
            page("Title Here\nCountry\nColombia\nBody.").as_deref(),
            Some("CO")
        );
        assert_eq!(
            page("Title Here\nBenefiting Member States\nPeru\nBody.").as_deref(),
            Some("PE")
        );
        assert_eq!(page("Title Here\nCountries: Kenya, Uganda\nBody."), None);
        assert_eq!(page("Country Music Festival Opens\nBody."), None);
    }

    #[test]
    fn title_echo_with_country_prefix_is_dropped() {
        let mut blocks = vec![
            "Kenya: Families return home".to_owned(),
            "Body text.".to_owned(),
        ];
        assert_eq!(
            drop_title_echoes(&mut blocks, "Families return home").as_deref(),
            Some("Kenya")
        );
        assert_eq!(blocks, ["Body text."]);
    }
}
