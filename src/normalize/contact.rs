//! The contact block at the end of a release ("For more information, please
//! contact ..."): found, split off the body, and parsed into people, emails,
//! phone numbers and the office.

/// Looked up for every word of a contact line: foldhash, not SipHash.
type HashSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;
use std::sync::LazyLock;

use regex::Regex;

use crate::model::{Contact, Person};

#[allow(clippy::expect_used)]
static HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^\W*(?:
            for\s+(?:more|further|additional)\s+(?:information|details|info)(?:\s*$|\s*[:,.]|\s+(?:please\s+)?contact|\s+(?:contact|reach|call|email|write)(?-u:\b))
          | for\s+(?:more|further|additional)\s+(?:information|details|info)\s+and\s+[^.:]{0,40}?(?-u:\b)contact(?-u:\b)
          | (?:for\s+)?(?:media|press|news)\s+(?:contacts?|inquiries|enquiries|queries|relations)(?-u:\b)
          | contacts?\s*(?::|$|for\s+(?:media|press|journalists))
          | (?:please\s+)?contact\s+(?:us|the\s+press\s+office)(?-u:\b)
          | to\s+(?:learn|find\s+out)\s+more,?\s+(?:please\s+)?contact
          | para\s+(?:más|mayor|mas)\s+información
          | contactos?\s*(?::|$|de\s+prensa)
          | pour\s+(?:plus\s+(?:d['’]\s*)?|de\s+plus\s+amples\s+)informations?
          | contacts?\s+presse
          | (?:press|media|news)\s+office\s*(?::|$)
          | contatos?\s*(?::|$|(?:para\s+(?:a\s+)?|de\s+)imprensa)
          | (?:further|more|additional)\s+information\s*:?\s*$
          | investor\s+(?:relations|contacts?)\s*:?\s*$
          | (?:enquiries|inquiries)\s*:?\s*$
        )",
    )
    .expect("static regex")
});
#[allow(clippy::expect_used)]
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
        .expect("static regex")
});
#[allow(clippy::expect_used)]
static PHONE: LazyLock<Regex> =
    // An ASCII word boundary: the Unicode one sends any text with a
    // non-ASCII letter to a slow engine.
    LazyLock::new(|| {
        Regex::new(r"(?:\+|\(\+?|(?-u:\b))\d[\d \t().\-/]{5,}\d").expect("static regex")
    });
#[allow(clippy::expect_used)]
static LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:tel(?:ephone)?|phone|mobile|mob|cell(?:phone)?|ph|fax|email|e-mail|mail|whatsapp|skype|t|m|e|office|web(?:site)?)\.?\s*[:.]\s*").expect("static regex")
});
#[allow(clippy::expect_used)]
static INLINE_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(?:tel(?:ephone)?|phone|mobile|mob|cell(?:phone)?|fax|e-?mail|whatsapp|skype)\.?\s*:").expect("static regex")
});
#[allow(clippy::expect_used)]
static LEADING_PHRASE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:.*?(?-u:\b)(?:please\s+)?(?:contact(?:ar|er)?|reach|call|email|write\s+to)(?-u:\b)\s*(?:a\s+|à\s+)?)").expect("static regex")
});

/// Words that mark organisations, roles and labels, never a person's name.
const NOT_NAME_WORDS: &[&str] = &[
    "board",
    "iom",
    "un",
    "unhcr",
    "unicef",
    "wfp",
    "who",
    "office",
    "authority",
    "mission",
    "ministry",
    "agency",
    "organization",
    "organisation",
    "department",
    "unit",
    "media",
    "press",
    "communications",
    "communication",
    "information",
    "contact",
    "contacts",
    "email",
    "tel",
    "phone",
    "mobile",
    "officer",
    "spokesperson",
    "head",
    "chief",
    "director",
    "coordinator",
    "programme",
    "program",
    "project",
    "regional",
    "public",
    "relations",
    "team",
    "centre",
    "center",
    "migration",
    "bureau",
    "headquarters",
    "news",
    "aid",
    "relief",
    "foundation",
    "fundación",
    "fundação",
    "fondation",
    "alliance",
    "council",
    "committee",
    "society",
    "network",
    "services",
    "service",
    "international",
    "federation",
    "association",
    "institute",
    "trust",
    "fund",
    "group",
    "union",
    "commission",
    "government",
    "red",
    "cross",
    "crescent",
    "national",
    "global",
    "humanitarian",
    "migrant",
    "migrants",
    "refugee",
    // Spanish and French offices and roles.
    "oficina",
    "comunicación",
    "comunicaciones",
    "prensa",
    "ministerio",
    "departamento",
    "agencia",
    "portavoz",
    "presse",
    "ministère",
    "agence",
    "direction",
    "chargé",
    "chargée",
    "responsable",
    "comunicação",
    "comunicacion",
    "direcção",
    "direção",
    "dirección",
    "direccion",
    "directorate",
    "gabinete",
    // Streets and towns of an address line ("Rue Njo-Njo, Bonapriso").
    "rue",
    "avenue",
    "avenida",
    "street",
    "road",
    "calle",
    "rua",
    "boulevard",
    "city",
];
/// Words that make a line an office or organisation.
const ORGANISATION_WORDS: &[&str] = &[
    "office",
    "authority",
    "service",
    "services",
    "mission",
    "bureau",
    "unit",
    "department",
    "headquarters",
    "oficina",
    "ministry",
    "agency",
    "board",
    "aid",
    "relief",
    "foundation",
    "fundación",
    "fundação",
    "fondation",
    "alliance",
    "council",
    "committee",
    "society",
    "network",
    "organization",
    "organisation",
    "commission",
    "federation",
    "association",
    "institute",
    "ministerio",
    "agencia",
    "ministère",
    "agence",
];
/// Words that open a person's role, which may follow the name on its line.
const ROLE_WORDS: &[&str] = &[
    "head",
    "director",
    "officer",
    "manager",
    "spokesperson",
    "spokesman",
    "spokeswoman",
    "secretary",
    "chief",
    "coordinator",
    "adviser",
    "advisor",
    "specialist",
    "executive",
    "president",
    "senior",
    "assistant",
];
/// Titles before a name, which are no part of it.
/// The word lists as sets: every word of every contact line is looked up,
/// and the lists run to a hundred words.
static NOT_NAME: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| NOT_NAME_WORDS.iter().copied().collect());
static ORGANISATION: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| ORGANISATION_WORDS.iter().copied().collect());
static ROLE: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| ROLE_WORDS.iter().copied().collect());

const HONORIFICS: [&str; 16] = [
    "mr", "mrs", "ms", "mx", "dr", "dra", "prof", "sr", "sra", "mme", "m", "miss", "lic", "ing",
    "eng", "hon",
];
const NAME_PARTICLES: [&str; 16] = [
    "de", "da", "del", "della", "van", "von", "der", "den", "al", "el", "bin", "la", "le", "du",
    "dos", "ter",
];

/// Does this line open a contact block?
pub fn is_contact_header(line: &str) -> bool {
    HEADER.is_match(line.trim())
}

/// Does this line hold an email address or a phone number?
pub fn has_contact_detail(line: &str) -> bool {
    // Most lines of a release have neither an `@` nor seven digits, and
    // need no search.
    (line.contains('@') && EMAIL.is_match(line))
        || (line.bytes().filter(u8::is_ascii_digit).nth(6).is_some()
            && phones(line).next().is_some())
}

/// The phone numbers in `text`: what the pattern finds, but for dates,
/// spans of years and the figures of a reference code (`MOI/PR/2025/047`,
/// `No. 112/2025-MCS`).
fn phones(text: &str) -> impl Iterator<Item = regex::Match<'_>> {
    PHONE.find_iter(text).filter(|m| {
        let before = text[..m.start()].trim_end();
        let after = &text[m.end()..];
        let numbered = ["No.", "no.", "Nr.", "No", "Ref.", "Ref"]
            .iter()
            .any(|n| before.ends_with(n));
        let coded = after.starts_with(|c: char| c.is_alphabetic())
            || (after.starts_with(['-', '/'])
                && after[1..].starts_with(|c: char| c.is_alphabetic()));
        // `PR/2025`: the figures run on from the code's letters; a second
        // number after ` / ` is still a number.
        let after_code = text[..m.start()].ends_with('/');
        is_phone(m.as_str()) && !after_code && !numbered && !coded
    })
}

/// Fewest digits of a phone number.
const FEWEST_PHONE_DIGITS: usize = 7;

/// Is what the phone pattern found a number, not a date (`22/08/2025`,
/// `2026-03-04`) or a span of years (`2024-2028`)?
fn is_phone(found: &str) -> bool {
    let groups: Vec<&str> = found
        .split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .collect();
    let is_year = |g: &str| g.len() == 4 && (g.starts_with("19") || g.starts_with("20"));
    let is_day_or_month = |g: &str| (1..=2).contains(&g.len());
    let dated = match groups.as_slice() {
        [a, b] => is_year(a) && is_year(b),
        [a, b, c] => {
            (is_day_or_month(a) && is_day_or_month(b) && is_year(c))
                || (is_year(a) && b.len() == 2 && c.len() == 2)
        }
        _ => false,
    };
    !dated && groups.iter().map(|g| g.len()).sum::<usize>() >= FEWEST_PHONE_DIGITS
}

/// Splits the body at the contact block (never at the very first paragraph)
/// and parses the block. A block above the release's text, as government
/// releases print it under `FOR IMMEDIATE RELEASE`, is only its own lines.
pub fn split(mut blocks: Vec<String>) -> (Vec<String>, Option<Contact>) {
    if let Some(leading) = take_leading(&mut blocks) {
        return (blocks, Some(parse(&leading)));
    }
    let Some(at) = blocks
        .iter()
        .skip(1)
        .position(|b| is_contact_header(b))
        .map(|i| i + 1)
    else {
        return (blocks, None);
    };
    let block = blocks.split_off(at);
    (blocks, Some(parse(&block)))
}

/// Most words of a block of a leading contact without a detail of its own
/// (a name, a role) when the next block has one.
const MOST_LEADING_NAME_WORDS: usize = 12;

/// Bytes past which a block is the release's text whatever it holds: the
/// details are not looked for in a long paragraph.
const LONGEST_LEADING_BLOCK: usize = 600;

/// Lines of a leading contact block that may stand between a name and its
/// details (a role, an office).
const LEADING_LINES_BEFORE_DETAILS: usize = 3;

/// Takes a contact block that stands above the release's text out of the
/// blocks: the header and the blocks of names and details right under it.
fn take_leading(blocks: &mut Vec<String>) -> Option<Vec<String>> {
    // A release of short lines alone still loses a block that opens it.
    let first_text = blocks
        .iter()
        .position(|b| {
            super::text::is_running_text(b)
                && (b.len() > LONGEST_LEADING_BLOCK || !has_contact_detail(b))
        })
        .or_else(|| {
            blocks
                .first()
                .is_some_and(|b| is_contact_header(b))
                .then_some(blocks.len())
        })?;
    let at = blocks[..first_text]
        .iter()
        .position(|b| is_contact_header(b))?;
    let mut end = at + 1;
    while end < first_text {
        let block = &blocks[end];
        // A name, role or office line with the details a line or two below.
        let names_someone = block.split_whitespace().count() <= MOST_LEADING_NAME_WORDS
            && blocks[end + 1..first_text]
                .iter()
                .take(LEADING_LINES_BEFORE_DETAILS)
                .any(|b| has_contact_detail(b));
        if !(has_contact_detail(block) || is_contact_header(block) || names_someone) {
            break;
        }
        end += 1;
    }
    let header_alone = end == at + 1 && !has_contact_detail(&blocks[at]);
    if header_alone {
        return None;
    }
    Some(blocks.drain(at..end).collect())
}

/// Headings and buttons a page prints under the release ("Share this
/// post", "Recent News", "Quick Links"): a block copied with its page
/// ends at the first of them.
const PAGE_TAIL: [&str; 31] = [
    "related",
    "tags",
    "topics",
    "see also",
    "notes to editors",
    "note to editors",
    "editor picks",
    "editor's picks",
    "previous article",
    "next article",
    "you may also like",
    "most read",
    "latest stories",
    "newsletter",
    "comments",
    "share",
    "share this",
    "share this post",
    "share this page",
    "share this article",
    "share this story",
    "recent news",
    "recent posts",
    "latest news",
    "more news",
    "related news",
    "related links",
    "related articles",
    "related stories",
    "quick links",
    "follow us",
];

/// Headings of a page's tail that go on with more words ("Related
/// documents", "Share on Facebook", "About the Agency").
const PAGE_TAIL_OPENERS: [&str; 6] = [
    "related ",
    "share on ",
    "share:",
    "about ",
    "read ",
    "more from ",
];
/// Most words of such a heading.
const MOST_TAIL_HEADING_WORDS: usize = 5;

/// A heading or button of the page's tail.
fn is_page_tail(line: &str) -> bool {
    let line = line.trim();
    // Headings are short; contact lines with details are longer.
    if line.len() > 80 {
        return false;
    }
    let key = line.trim_end_matches(':').to_lowercase();
    PAGE_TAIL.contains(&key.as_str())
        || PAGE_TAIL_OPENERS.iter().any(|o| key.starts_with(o))
            && key
                .split_whitespace()
                .nth(MOST_TAIL_HEADING_WORDS)
                .is_none()
            && !has_contact_detail(line)
}

/// The lines of a block as far as the page's own tail under it, once
/// some details have come.
fn before_page_tail(lines: &[String]) -> &[String] {
    lines
        .iter()
        .position(|l| is_page_tail(l))
        .filter(|&end| lines[..end].iter().any(|l| has_contact_detail(l)))
        .map_or(lines, |end| &lines[..end])
}

/// Parses the lines of a contact block.
pub fn parse(lines: &[String]) -> Contact {
    let lines = before_page_tail(lines);
    let mut contact = Contact {
        lines: lines.to_vec(),
        ..Contact::default()
    };
    let mut role_given = false;
    // The line that named each person, to end the block after the last one.
    let mut named_on: Vec<usize> = Vec::new();
    for (at, line) in lines.iter().enumerate() {
        // A second office line ("Press Office" / "Ministry of Labour,
        // Migration and Social Inclusion") is no list of names either.
        if let Some(office) = office_line(line).filter(|_| !names_someone_after_office(line)) {
            contact.office.get_or_insert(office);
            continue;
        }
        if role_given && is_organisation_line(line, &contact) {
            contact.office.get_or_insert_with(|| line.trim().to_owned());
            continue;
        }
        let segments = segments(line);
        for (i, segment) in segments.iter().enumerate() {
            let role_follows = || segments.get(i + 1).is_some_and(|s| names_a_role(s));
            if role_given && is_organisation_line(segment, &contact) && !role_follows() {
                contact.office.get_or_insert_with(|| segment.clone());
                continue;
            }
            // A second name between the first person and the details is
            // not a second person: "Rachel Dunmore" / "Lumenforge Solar"
            // names the employer, and "Jane Doe" / "Health Promotion
            // Coordinator" her role. A second person comes with a role of
            // their own ("John Roe, Press Officer"), or joined by "and".
            let awaits_details = !role_given
                && contact
                    .people
                    .last()
                    .is_some_and(|p| p.email.is_none() && p.phone.is_none());
            let details_follow = || {
                segments[i + 1..].iter().any(|s| has_contact_detail(s))
                    || lines[at + 1..].iter().any(|l| has_contact_detail(l))
            };
            if awaits_details
                && !role_follows()
                && details_follow()
                && !line.contains(&format!(" and {segment}"))
                && reads_as_name(segment)
            {
                if names_a_role(segment) || has_role_word(segment) {
                    role_given = true;
                } else {
                    contact.office.get_or_insert_with(|| segment.clone());
                }
                continue;
            }
            let people = contact.people.len();
            read_segment(segment, &mut contact);
            if contact.people.len() > people {
                // A name alone on the line above a person given with a
                // role ("New York" over "Daniel Okafor, Media Officer")
                // heads that person: a city, a team.
                let named_alone_above = people > 0
                    && at > 0
                    && named_on.get(people - 1) == Some(&(at - 1))
                    && contact.people[people - 1].email.is_none()
                    && contact.people[people - 1].phone.is_none()
                    && self::segments(&lines[at - 1]).len() == 1;
                if named_alone_above && role_follows() {
                    contact.people.remove(people - 1);
                    named_on.truncate(people - 1);
                }
                named_on.resize(contact.people.len(), at);
                role_given = names_a_role(segment);
            } else if names_a_role(segment) {
                role_given = true;
            }
        }
    }
    drop_page_chrome(&mut contact, &named_on);
    contact
}

/// `IOM Kenya, Jane Doe`: an office line that goes on to name a person.
fn names_someone_after_office(line: &str) -> bool {
    line.split(',')
        .skip(1)
        .any(|piece| person_name(piece.trim()).is_some())
}

/// A block copied from a page runs on into what follows it there ("Related
/// Links", a footer menu), which reads as names. A person is never named
/// after the last details of a block: each detail goes to the person named
/// before it, so a name with none after it is no contact. The block ends
/// before the line that named it.
fn drop_page_chrome(contact: &mut Contact, named_on: &[usize]) {
    let has_details = |p: &Person| p.email.is_some() || p.phone.is_some();
    let Some(last) = contact.people.iter().rposition(has_details) else {
        return;
    };
    if last + 1 >= contact.people.len() {
        return;
    }
    contact.people.truncate(last + 1);
    if let (Some(&kept), Some(&dropped)) = (named_on.get(last), named_on.get(last + 1))
        && dropped > kept
    {
        contact.lines.truncate(dropped);
    }
}

/// A segment that would name a person, details and labels aside.
fn reads_as_name(segment: &str) -> bool {
    !has_contact_detail(segment)
        && person_name(
            LABEL
                .replace(segment, "")
                .trim()
                .trim_end_matches(['.', ':']),
        )
        .is_some()
}

/// Has this segment a role word anywhere ("Health Promotion Coordinator")?
fn has_role_word(segment: &str) -> bool {
    segment
        .split_whitespace()
        .any(|w| has_lower(&ROLE, w.trim_end_matches([',', '.'])))
}

/// Does this segment name a person's role ("Programme Manager")?
fn names_a_role(segment: &str) -> bool {
    let words = || {
        segment
            .split_whitespace()
            .map(|w| w.trim_end_matches([',', '.']))
    };
    let joining = |w: &str| ["of", "and", "&"].iter().any(|j| w.eq_ignore_ascii_case(j));
    words().any(|w| has_lower(&ROLE, w))
        // "Communications", "Media Relations": a team given as the role.
        || ((1..=4).contains(&words().count())
            && words().all(|w| has_lower(&NOT_NAME, w) || joining(w)))
}

/// Is `word` in `set` in lower case? Short ASCII words, which contact lines
/// are mostly made of, are lowered on the stack.
fn has_lower(set: &HashSet<&str>, word: &str) -> bool {
    let mut buffer = [0u8; 32];
    match buffer.get_mut(..word.len()) {
        Some(lower) if word.is_ascii() => {
            lower.copy_from_slice(word.as_bytes());
            lower.make_ascii_lowercase();
            std::str::from_utf8(lower).is_ok_and(|w| set.contains(w))
        }
        _ => set.contains(word.to_lowercase().as_str()),
    }
}

/// A line that reads as a name but follows a person and their role, before
/// any of their details: `Andi Pratama, Programme Manager` /
/// `Terumbu Coastal Collective`. That is where a block names the employer;
/// a second person would come with a role or details of their own.
fn is_organisation_line(line: &str, contact: &Contact) -> bool {
    const JOINING: [&str; 6] = ["and", "of", "for", "the", "&", "de"];
    let words: Vec<&str> = line.split_whitespace().collect();
    contact
        .people
        .last()
        .is_some_and(|p| p.email.is_none() && p.phone.is_none())
        && (2..=8).contains(&words.len())
        && words
            .iter()
            .all(|w| JOINING.contains(w) || w.chars().next().is_some_and(char::is_uppercase))
        && !names_a_role(line)
        && !has_contact_detail(line)
        && !line.contains(',')
}

/// Cuts a contact line into pieces that each hold one item: at commas and
/// the like, and before each inline label ("... Ogola Tel: +254 ...").
fn segments(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let line = without_asides(line);
    let line = line.as_ref();
    let details = has_contact_detail(line);
    let pieces = line
        .split([',', ';', '|', '\t', '·'])
        // Dashes part items on a line with details ("Unit — Jane Doe,
        // 0722 555 471") or after a name ("Jane Doe – Communication");
        // elsewhere they are text ("Open Day – 31 August").
        .flat_map(|p| {
            // Not before an address: `Solidarité Nord-Sud – 1555, rue …`.
            let after_name = || {
                p.split_once(['—', '–']).is_some_and(|(head, tail)| {
                    person_name(head.trim()).is_some()
                        && tail.trim_start().starts_with(char::is_alphabetic)
                })
            };
            // `Prensa FECOPAR - Lic. Marta Giménez`: an office, then a name.
            let before_name = || {
                p.rsplit_once(" - ")
                    .is_some_and(|(_, tail)| person_name(tail.trim()).is_some())
            };
            if details || after_name() {
                p.split(['—']).flat_map(|p| p.split(" – ")).collect()
            } else if before_name() {
                p.split(" - ").collect()
            } else {
                vec![p]
            }
        })
        .flat_map(|p| p.split(" or "))
        // "Office of Media and Public Relations" is one office.
        .flat_map(|p| {
            if is_office(after_header_label(p)) {
                vec![p]
            } else {
                p.split(" and ").collect()
            }
        });
    for piece in pieces {
        let mut last = 0;
        for at in item_starts(piece) {
            out.push(piece[last..at].trim().to_owned());
            last = at;
        }
        out.push(piece[last..].trim().to_owned());
    }
    out.retain(|s| !s.is_empty());
    out
}

/// A line without its asides in brackets that hold no detail: `Jane Doe
/// (Spanish, English) · jane@…` gives `Jane Doe  · jane@…`.
fn without_asides(line: &str) -> std::borrow::Cow<'_, str> {
    if !line.contains('(') {
        return line.into();
    }
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(open) = rest.find('(') {
        let Some(close) = rest[open..].find(')').map(|c| open + c) else {
            break;
        };
        let aside = &rest[open + 1..close];
        out.push_str(&rest[..open]);
        if aside.contains(|c: char| c.is_ascii_digit() || c == '@') {
            out.push_str(&rest[open..=close]);
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out.into()
}

/// Where a new item starts inside one piece of a line: at each inline label,
/// and at each email or phone number that follows other text, as in a block
/// whose lines were run together (`Eva de Vries +31 10 555 0100 eva@x.nl`).
fn item_starts(piece: &str) -> Vec<usize> {
    // Most pieces are a name or a role: no search for what cannot be there.
    let may_have_email = piece.contains('@');
    let may_have_phone = piece.bytes().filter(u8::is_ascii_digit).nth(6).is_some();
    let labels = INLINE_LABEL.find_iter(piece).map(|m| m.start());
    let emails = EMAIL
        .find_iter(if may_have_email { piece } else { "" })
        .map(|m| m.start());
    let phones = phones(if may_have_phone { piece } else { "" }).map(|m| m.start());
    let mut starts: Vec<usize> = labels.chain(emails).chain(phones).collect();
    starts.sort_unstable();
    starts.dedup();
    // A label just before its value keeps it: "Tel: +1 555 0100" is one item.
    let mut kept: Vec<usize> = Vec::with_capacity(starts.len());
    for at in starts {
        let after_label = kept
            .last()
            .is_some_and(|&l| LABEL.find(&piece[l..at]).is_some_and(|m| m.end() == at - l));
        if !after_label {
            kept.push(at);
        }
    }
    kept.retain(|&at| at > 0);
    kept
}

fn read_segment(segment: &str, contact: &mut Contact) {
    let emails: Vec<String> = EMAIL
        .find_iter(segment)
        .map(|m| m.as_str().trim_end_matches('.').to_owned())
        .collect();
    if !emails.is_empty() {
        for email in emails {
            let person = contact.people.last_mut().map(|p| &mut p.email);
            record(email, &mut contact.emails, person);
        }
        return;
    }
    let unlabelled = LABEL.replace(segment, "");
    let phones: Vec<String> = phones(&unlabelled)
        .map(|m| m.as_str().trim())
        // "(+41 22 917 0000 / …)": the bracket opens the aside, not the number.
        .map(|p| match p.strip_prefix('(') {
            Some(rest) if !rest.contains(')') => rest,
            _ => p,
        })
        .map(super::clean::collapse)
        .collect();
    if !phones.is_empty() {
        for phone in phones {
            let person = contact.people.last_mut().map(|p| &mut p.phone);
            record(phone, &mut contact.phones, person);
        }
        return;
    }
    let text = unlabelled.trim().trim_end_matches(['.', ':']);
    if let Some(name) = person_name(text) {
        contact.people.push(Person {
            name,
            email: None,
            phone: None,
        });
    } else {
        let office = after_header_label(text);
        if contact.office.is_none() && !is_contact_header(office) && is_office(office) {
            contact.office = Some(office.to_owned());
        }
    }
}

/// What follows a header used as a label: `For media enquiries: Office of
/// Media` gives `Office of Media`.
fn after_header_label(text: &str) -> &str {
    match text.split_once(':') {
        Some((label, rest)) if !rest.trim().is_empty() && is_contact_header(label) => rest.trim(),
        _ => text,
    }
}

/// Keeps an email or phone number once, and gives it to the last person
/// named when that person has none yet.
fn record(value: String, all: &mut Vec<String>, person: Option<&mut Option<String>>) {
    if let Some(slot) = person.filter(|slot| slot.is_none()) {
        *slot = Some(value.clone());
    }
    if !all.contains(&value) {
        all.push(value);
    }
}

/// A person's name: two to five capitalised words, after any lead-in such as
/// "please contact" or a title such as "Ms".
fn person_name(text: &str) -> Option<String> {
    let text = LEADING_PHRASE.replace(text, "");
    // What the lead-in leaves of a label: "Media contact: Jane Doe" gives
    // ": Jane Doe", "Contact presse : Jane Doe" gives " presse : Jane Doe";
    // "Contato para imprensa: Jane Doe" is a label of three words.
    let text = match text.split_once(':') {
        Some((label, rest)) if label.split_whitespace().nth(3).is_none() => rest,
        _ => &text,
    };
    let text = text
        .trim_start_matches(['-', '–', '—', ',', ' '])
        .trim()
        .trim_end_matches(['.', ':', ')', '(', '/', ' ']);
    let mut words: Vec<&str> = text.split_whitespace().collect();
    // "Mr. Baraka Msuya", also after a label.
    if !words.is_empty() && HONORIFICS.contains(&words[0].to_lowercase().trim_end_matches('.')) {
        words.remove(0);
    }
    // "contact Salma Berrada at press@…": the word before the address.
    while words
        .last()
        .is_some_and(|w| ["at", "on", "via", "by"].contains(w))
    {
        words.pop();
    }
    // "Jane Doe Head of Communications": a name run into the role after it.
    if let Some(role) = words
        .iter()
        .position(|w| ROLE_WORDS.iter().any(|r| w.eq_ignore_ascii_case(r)))
        .filter(|&at| at >= 2)
    {
        words.truncate(role);
        // "Youssef Amrani Communications Officer": the role's first words too.
        while words.len() > 2 && words.last().is_some_and(|w| has_lower(&NOT_NAME, w)) {
            words.pop();
        }
    }
    if !(2..=5).contains(&words.len()) {
        return None;
    }
    let is_name_word = |w: &str| {
        let lower = w.to_lowercase();
        if NAME_PARTICLES.contains(&lower.as_str()) {
            return true;
        }
        let mut chars = w.chars();
        chars.next().is_some_and(char::is_uppercase)
            && w.chars()
                .all(|c| c.is_alphabetic() || matches!(c, '-' | '\'' | '’' | '.'))
            && !NOT_NAME.contains(lower.trim_end_matches('.'))
            && !ROLE.contains(lower.trim_end_matches('.'))
            && !(w.len() > 1 && w.chars().all(char::is_uppercase))
    };
    let capitalised = words
        .iter()
        .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
        .count();
    (words.iter().all(|w| is_name_word(w)) && capitalised >= 2).then(|| words.join(" "))
}

fn is_office(text: &str) -> bool {
    let words: Vec<&str> = text.split_whitespace().collect();
    let acronym_led = words.len() >= 2
        && words[0].len() >= 2
        && words[0].chars().all(|c| c.is_ascii_uppercase())
        && words[1].chars().next().is_some_and(char::is_uppercase);
    let organisation = words.iter().any(|w| {
        has_lower(
            &ORGANISATION,
            w.trim_matches(|c: char| !c.is_alphanumeric()),
        )
    });
    // "Head of Government Communication Unit" is a person's role.
    let role_led = words.get(1).is_some_and(|w| *w == "of") && has_lower(&ROLE, words[0]);
    (acronym_led || organisation)
        && !role_led
        && (1..=8).contains(&words.len())
        && !text.contains('@')
}

/// A name that is an organisation's, such as a site's heading over the
/// headline: `Jamaica Tourism Resilience Council`, `Ministry of Health`.
/// It ends with an organisation word or a company's (`PLC`), or opens
/// with one and "of".
pub(crate) fn is_organisation_name(text: &str) -> bool {
    let words: Vec<&str> = text.split_whitespace().collect();
    let capitalised = words
        .iter()
        .all(|w| w.starts_with(char::is_uppercase) || ["of", "and", "for", "the", "&"].contains(w));
    const COMPANY: [&str; 6] = ["plc", "ltd", "limited", "inc", "llc", "corporation"];
    let ends_with_word = words.last().is_some_and(|w| {
        let w = w.trim_end_matches('.');
        has_lower(&ORGANISATION, w) || COMPANY.iter().any(|c| w.eq_ignore_ascii_case(c))
    });
    let opens_with_word =
        words.len() >= 3 && has_lower(&ORGANISATION, words[0]) && words[1] == "of";
    (2..=8).contains(&words.len()) && capitalised && (ends_with_word || opens_with_word)
}

/// A whole contact line naming an office ("Meridian Migrant Aid, Kathmandu").
fn office_line(line: &str) -> Option<String> {
    let line = line.trim().trim_end_matches(['.', ':']);
    let digits = line.chars().filter(char::is_ascii_digit).count();
    let first = line.split(',').next().unwrap_or(line);
    (digits < 5 && is_office(first) && person_name(first).is_none() && !is_contact_header(line))
        .then(|| line.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(ls: &[&str]) -> Vec<String> {
        ls.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn recognises_contact_headers() {
        for h in [
            "For more information please contact",
            "For further information, please contact Jane Doe, IOM Nairobi",
            "Media contacts:",
            "Contact:",
            "For media enquiries, please contact:",
            "Para más información, contactar a:",
            "Pour plus d’informations, veuillez contacter :",
        ] {
            assert!(is_contact_header(h), "{h}");
        }
        for h in [
            "For more information on the study, see the annex below.",
            "Contacts between the two governments grew.",
        ] {
            assert!(!is_contact_header(h), "{h}");
        }
    }

    #[test]
    fn dates_and_spans_of_years_are_no_phone_numbers() {
        for found in ["2024-2028", "22/08/2025", "2026-03-04", "1999 – 2004"] {
            assert!(!is_phone(found), "{found}");
        }
        for line in [
            "Ref. No.: MOI/PR/2025/047",
            "No. 112/2025-MCS",
            "Reference 2025 0471-DEV",
        ] {
            assert!(!has_contact_detail(line), "{line}");
        }
        assert!(has_contact_detail("Tel.: +996 (312) 62-18-40"));
        for found in [
            "+254 722 554 410",
            "(202) 555-0190",
            "0917 555 0142",
            "+44 (0)20 7946 0112",
        ] {
            assert!(is_phone(found), "{found}");
        }
    }

    #[test]
    fn a_block_ends_at_the_pages_tail() {
        let c = parse(&lines(&[
            "Contact:",
            "Marta Quispe",
            "mquispe@example.org",
            "Related",
            "- Country strategy 2024-2028",
            "About the Andean Fund",
            "Share: Facebook X LinkedIn WhatsApp",
        ]));
        assert_eq!(c.people.len(), 1, "{c:?}");
        assert_eq!(c.people[0].phone, None);
        assert_eq!(c.lines.len(), 3, "{c:?}");
        assert!(is_page_tail("Related documents"));
        assert!(is_page_tail("Share on Facebook"));
        assert!(is_page_tail("Notes to editors:"));
        assert!(!is_page_tail("About the fund: Tel +1 202 555 0190"));
    }

    #[test]
    fn a_city_over_a_person_and_role_heads_them() {
        let c = parse(&lines(&[
            "Media contacts",
            "Kuala Lumpur",
            "Aisha Rahman, Head of Communications",
            "+60 3 5555 4730",
            "arahman@example.org",
            "New York",
            "Daniel Osei, Media Officer",
            "+1 (212) 555-0162",
            "dosei@example.org",
        ]));
        let names: Vec<&str> = c.people.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["Aisha Rahman", "Daniel Osei"], "{c:?}");
    }

    #[test]
    fn splits_block_at_the_header() {
        let (body, contact) = split(lines(&[
            "Lead paragraph.",
            "Second.",
            "For more information please contact",
            "Ann Lee",
        ]));
        assert_eq!(body, ["Lead paragraph.", "Second."]);
        assert_eq!(contact.expect("contact").people[0].name, "Ann Lee");
    }

    #[test]
    fn parses_a_multi_line_block() {
        let c = parse(&lines(&[
            "For more information please contact",
            "Omar Haddad",
            "IOM Amman",
            "Email: ohaddad@example.org",
            "Mobile: +962 79 555 0101",
        ]));
        assert_eq!(c.people.len(), 1);
        assert_eq!(c.people[0].name, "Omar Haddad");
        assert_eq!(c.people[0].email.as_deref(), Some("ohaddad@example.org"));
        assert_eq!(c.people[0].phone.as_deref(), Some("+962 79 555 0101"));
        assert_eq!(c.office.as_deref(), Some("IOM Amman"));
    }

    #[test]
    fn an_organisation_line_is_the_office() {
        let c = parse(&lines(&[
            "For more information, please contact",
            "Asha Rai",
            "Harbour Relief Network, Pokhara",
            "Email: arai@example.org",
        ]));
        assert_eq!(c.people[0].name, "Asha Rai");
        assert_eq!(c.people[0].email.as_deref(), Some("arai@example.org"));
        assert_eq!(c.office.as_deref(), Some("Harbour Relief Network, Pokhara"));
    }

    #[test]
    fn parses_an_inline_block() {
        let c = parse(&lines(&[
            "For further information, please contact Grace Mwangi, IOM Nairobi, Tel: +254 20 444 0000, Email: gmwangi@example.org or Peter Otieno, Email: potieno@example.org",
        ]));
        let names: Vec<_> = c.people.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["Grace Mwangi", "Peter Otieno"]);
        assert_eq!(c.people[0].email.as_deref(), Some("gmwangi@example.org"));
        assert_eq!(c.people[1].email.as_deref(), Some("potieno@example.org"));
        assert_eq!(c.phones, ["+254 20 444 0000"]);
        assert_eq!(c.office.as_deref(), Some("IOM Nairobi"));
    }

    #[test]
    fn a_block_run_into_one_line_still_names_the_person() {
        // What a Markdown paragraph of short lines becomes.
        let c = parse(&lines(&[
            "Press contact Eva de Vries +31 10 555 0100 press@havenbedrijf.example",
        ]));
        assert_eq!(c.people.len(), 1, "{c:?}");
        assert_eq!(c.people[0].name, "Eva de Vries");
        assert_eq!(c.people[0].phone.as_deref(), Some("+31 10 555 0100"));
        assert_eq!(
            c.people[0].email.as_deref(),
            Some("press@havenbedrijf.example")
        );
    }

    #[test]
    fn a_labelled_lead_in_leaves_the_name() {
        let c = parse(&lines(&[
            "Media contact: Peter Mwangi, peter@freshlink.example",
        ]));
        assert_eq!(c.people.len(), 1, "{c:?}");
        assert_eq!(c.people[0].name, "Peter Mwangi");
        assert_eq!(
            c.people[0].email.as_deref(),
            Some("peter@freshlink.example")
        );
        let c = parse(&lines(&[
            "Contact presse : Théo Lefèvre, tél. +221 33 555 42 10, courriel : tlefevre@example.org",
        ]));
        assert_eq!(c.people.len(), 1, "{c:?}");
        assert_eq!(c.people[0].name, "Théo Lefèvre");
        assert_eq!(c.people[0].email.as_deref(), Some("tlefevre@example.org"));
    }

    #[test]
    fn a_name_run_into_its_role_or_wrapped_in_brackets() {
        let c = parse(&lines(&[
            "Contact",
            "Kwame Mensah Head of Communications kmensah@vantor.example",
        ]));
        assert_eq!(c.people.len(), 1, "{c:?}");
        assert_eq!(c.people[0].name, "Kwame Mensah");
        assert_eq!(c.people[0].email.as_deref(), Some("kmensah@vantor.example"));
        let header = "For more information and media requests, please contact: Lucia Ramos (+41 22 917 0000 / lramos@example.org)";
        assert!(is_contact_header(header));
        let c = parse(&lines(&[header]));
        assert_eq!(c.people.len(), 1, "{c:?}");
        assert_eq!(c.people[0].name, "Lucia Ramos");
        assert_eq!(c.people[0].phone.as_deref(), Some("+41 22 917 0000"));
        assert_eq!(c.people[0].email.as_deref(), Some("lramos@example.org"));
        // An office is no person, whatever follows it.
        assert!(
            parse(&lines(&["Contact", "United Nations Office Geneva"]))
                .people
                .is_empty()
        );
    }

    #[test]
    fn asides_dots_and_dashes_part_a_line_of_details() {
        let c = parse(&lines(&[
            "Media contacts",
            "Gabriela Ruiz Castañeda (Spanish, English) · gruiz@example.org · +507 6555-0148",
        ]));
        assert_eq!(c.people[0].name, "Gabriela Ruiz Castañeda");
        assert_eq!(c.people[0].phone.as_deref(), Some("+507 6555-0148"));
        let c = parse(&lines(&[
            "Contact presse / Press contact",
            "Cheikh Tidiane Fall – Communication, Ville de Saint-Louis",
            "+221 33 961 20 45 · communication@example.org",
        ]));
        let names: Vec<_> = c.people.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["Cheikh Tidiane Fall"]);
        let c = parse(&lines(&[
            "Contact: Direcção de Comunicação, CAL – imprensa@example.com – +244 923 555 410",
        ]));
        assert!(c.people.is_empty(), "{c:?}");
        assert!(is_contact_header("Further information"));
        assert!(is_contact_header("Investor Relations"));
        assert!(is_contact_header("Enquiries:"));
    }

    #[test]
    fn an_employer_under_a_name_and_role_is_no_second_person() {
        let c = parse(&lines(&[
            "Media contact:",
            "Andi Pratama, Programme Manager",
            "Terumbu Coastal Collective",
            "+62 811 4420 3917",
            "andi.pratama@terumbu-collective.example",
        ]));
        let names: Vec<_> = c.people.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["Andi Pratama"]);
        assert_eq!(c.people[0].phone.as_deref(), Some("+62 811 4420 3917"));
        assert_eq!(c.office.as_deref(), Some("Terumbu Coastal Collective"));
        // Two people, each with a role, stay two people.
        let c = parse(&lines(&[
            "Media contacts:",
            "Ana Costa, Press Officer",
            "Rui Lopes, Spokesperson",
            "press@example.org",
        ]));
        let names: Vec<_> = c.people.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["Ana Costa", "Rui Lopes"]);
        // So do two people without roles or details.
        let c = parse(&lines(&["Contacts:", "Ana Costa", "Rui Lopes"]));
        assert_eq!(c.people.len(), 2, "{c:?}");
        // A name between a person and the details is her employer, or
        // her role; a second person after her details is a person.
        for block in [
            [
                "Media contact:",
                "Rachel Dunmore",
                "Lumenforge Solar",
                "press@lumenforge.example.com",
            ],
            [
                "Press contact: Rachel Dunmore, Lumenforge Solar",
                "",
                "",
                "press@lumenforge.example.com",
            ],
        ] {
            let c = parse(&lines(&block));
            let names: Vec<_> = c.people.iter().map(|p| p.name.as_str()).collect();
            assert_eq!(names, ["Rachel Dunmore"], "{block:?}");
            assert_eq!(
                c.people[0].email.as_deref(),
                Some("press@lumenforge.example.com")
            );
            assert_eq!(c.office.as_deref(), Some("Lumenforge Solar"));
        }
        let c = parse(&lines(&[
            "Media enquiries:",
            "Ms Joycelyn Yandi",
            "Health Promotion Coordinator, Hela Provincial Health Authority",
            "Mobile: +675 7155 0377",
            "Mr Kila Tamarua",
            "kila@health.example.org",
        ]));
        let names: Vec<_> = c.people.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["Joycelyn Yandi", "Kila Tamarua"]);
        assert_eq!(c.people[0].phone.as_deref(), Some("+675 7155 0377"));
    }

    #[test]
    fn a_contact_block_above_the_text_is_only_its_own_lines() {
        let blocks = lines(&[
            "Press Room > 2026 Releases",
            "Contact:",
            "Marcia Holder-Best, Executive Secretary",
            "Guesthouse Owners Association",
            "Tel: (246) 555-0137",
            "Small Hotels Welcome Cut in Room Tax",
            "BRIDGETOWN, Barbados, January 22, 2026 – The association has welcomed the decision to reduce the levy on small properties.",
            "The change takes effect on April 1.",
            "Contact us",
            "Privacy policy",
        ]);
        let (body, contact) = split(blocks);
        let contact = contact.expect("a leading contact block");
        assert_eq!(contact.people.len(), 1, "{contact:?}");
        assert_eq!(contact.people[0].name, "Marcia Holder-Best");
        assert_eq!(body.len(), 6, "{body:#?}");
        assert!(body[1].starts_with("Small Hotels"), "{body:#?}");
        // A header alone above the text (a menu item) is no block.
        let (body, contact) = split(lines(&[
            "Contact",
            "Floods Close Roads in the North",
            "NAIROBI – Floods closed three roads in the north of the country on Monday, officials said.",
        ]));
        assert!(contact.is_none());
        assert_eq!(body.len(), 3);
    }

    #[test]
    fn a_team_for_a_role_and_the_page_after_the_block() {
        let c = parse(&lines(&[
            "Media contact:",
            "Min-jun Park",
            "Communications, Daeyang Heavy Industries",
            "+82 2 555 0199",
            "mpark@daeyang.example",
            "Related Links",
            "Open Day 2026",
            "Careers",
        ]));
        let names: Vec<_> = c.people.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["Min-jun Park"], "{c:?}");
        assert_eq!(c.people[0].email.as_deref(), Some("mpark@daeyang.example"));
        assert_eq!(c.office.as_deref(), Some("Daeyang Heavy Industries"));
        assert_eq!(
            c.lines.last().map(String::as_str),
            Some("mpark@daeyang.example")
        );
        // A role is no office.
        let c = parse(&lines(&[
            "Contact:",
            "Grace Achieng, Head of Government Communication Unit",
            "grace@example.org",
        ]));
        assert_eq!(c.office, None);
    }

    #[test]
    fn titles_labels_and_lead_ins_are_no_part_of_a_name_or_office() {
        let c = parse(&lines(&[
            "For media enquiries: Mr. Baraka Msuya, Head of Communication",
            "Mobile: +255 754 555 318",
        ]));
        assert_eq!(c.people[0].name, "Baraka Msuya");
        let c = parse(&lines(&[
            "Prensa: Lic. Diego Fretes Aquino",
            "prensa@red.example.org",
        ]));
        assert_eq!(c.people[0].name, "Diego Fretes Aquino");
        let c = parse(&lines(&[
            "For media enquiries, contact Salma Berrada at press@madrasa.example.",
        ]));
        assert_eq!(c.people.len(), 1, "{c:?}");
        assert_eq!(c.people[0].name, "Salma Berrada");
        assert_eq!(c.people[0].email.as_deref(), Some("press@madrasa.example"));
        let c = parse(&lines(&[
            "For media enquiries: Office of Media and Public Relations, media@ndut.example, +20 50 555 0164",
        ]));
        assert!(c.people.is_empty(), "{c:?}");
        assert_eq!(
            c.office.as_deref(),
            Some("Office of Media and Public Relations")
        );
        let c = parse(&lines(&[
            "Media enquiries: County Fire and Rescue Service — Winnie Musyoka, 0722 555 471",
        ]));
        let names: Vec<_> = c.people.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["Winnie Musyoka"]);
        assert_eq!(c.office.as_deref(), Some("County Fire and Rescue Service"));
    }

    #[test]
    fn a_name_run_into_a_role_of_several_words() {
        let c = parse(&lines(&[
            "Press contact",
            "Youssef Amrani Communications Officer, Atlas Argan Federation +212 661 20 47 85 y.amrani@atlasargan.example",
        ]));
        assert_eq!(c.people.len(), 1, "{c:?}");
        assert_eq!(c.people[0].name, "Youssef Amrani");
        assert_eq!(
            c.people[0].email.as_deref(),
            Some("y.amrani@atlasargan.example")
        );
    }

    #[test]
    fn an_office_before_a_dash_and_a_header_are_no_names() {
        let c = parse(&lines(&[
            "Press contact:",
            "Prensa FECOPAR - Lic. Marta Giménez",
            "Tel.: (071) 204 558",
        ]));
        let names: Vec<_> = c.people.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["Marta Giménez"]);
        assert_eq!(c.people[0].phone.as_deref(), Some("(071) 204 558"));
        let c = parse(&lines(&[
            "MEDIA CONTACT",
            "Ana Fortes",
            "Tel. +238 231 47 09",
        ]));
        assert_eq!(c.office, None);
    }

    #[test]
    fn a_block_ends_at_the_page_tail_under_it() {
        let c = parse(&lines(&[
            "Media contact:",
            "Mr. Okello Patrick, Public Relations Officer",
            "Email: pro@example.org",
            "Share this post",
            "Quick Links",
            "Academic Calendar",
            "Tel: +256 471 555 100",
        ]));
        let names: Vec<_> = c.people.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["Okello Patrick"]);
        assert_eq!(c.lines.len(), 3, "{:?}", c.lines);
        assert!(c.phones.is_empty());
    }

    #[test]
    fn a_second_office_line_and_an_address_name_nobody() {
        let c = parse(&lines(&[
            "Press Office",
            "Ministry of Labour, Migration and Social Inclusion",
            "E-mail: press@example.org",
            "Rue Njo-Njo, Bonapriso, Douala",
        ]));
        assert!(c.people.is_empty(), "{:?}", c.people);
        assert_eq!(
            c.office.as_deref(),
            Some("Ministry of Labour, Migration and Social Inclusion")
        );
        assert_eq!(c.emails, ["press@example.org"]);
        let c = parse(&lines(&[
            "Media Office",
            "IOM Kenya, Jane Doe",
            "jdoe@example.org",
        ]));
        let names: Vec<_> = c.people.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["Jane Doe"]);
    }

    #[test]
    fn a_spanish_office_line_is_the_office_not_a_person() {
        let c = parse(&lines(&[
            "Para más información:",
            "María Quispe, Oficina de Comunicaciones",
            "mquispe@example.org",
        ]));
        let names: Vec<_> = c.people.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["María Quispe"]);
        assert_eq!(c.people[0].email.as_deref(), Some("mquispe@example.org"));
        assert_eq!(c.office.as_deref(), Some("Oficina de Comunicaciones"));
    }
}
