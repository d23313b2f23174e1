//! Region and country, in the order SPEC §2 gives: front matter, the region
//! folder, the dateline, then weighted mentions of countries, demonyms and
//! places in the title and lead paragraphs. Every decision carries its
//! evidence and a confidence so that a classification can be audited.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use regex::Regex;

use crate::config::Rules;
use crate::model::Location;
use crate::regions::{Country, GLOBAL, Mention, NameKind, Taxonomy};

/// Weight of a dateline naming a country or a place in it.
const DATELINE: f32 = 5.0;
/// Weight of a mention in the title, the first paragraph and the next ones.
const TITLE: f32 = 4.0;
const FIRST_PARAGRAPH: f32 = 2.0;
const LATER_PARAGRAPH: f32 = 1.0;
/// Paragraphs after the first that still count as the lead.
const LEAD_PARAGRAPHS: usize = 3;
/// Short lines above the opening passed over in search of it.
const OPENING_SEARCH: usize = 3;
/// Demonyms ("Syrian refugees in Jordan") say less about where than names do.
const DEMONYM_FACTOR: f32 = 0.35;
/// The least score that makes a country the focus.
const FOCUS_THRESHOLD: f32 = 2.5;
/// How far ahead of the runner-up the focus must be.
const LEAD_RATIO: f32 = 1.3;
/// Scores this close count as even.
const EVEN: f32 = 1.05;
/// Countries named in the lead that make a list, when the dateline's
/// country is named nowhere else.
const MOST_LISTED_BESIDE_DATELINE: usize = 3;
/// Weight left to a country named as a donor.
const DONOR_FACTOR: f32 = 0.25;
/// Weight left to a country named as the neighbour across a border.
const NEIGHBOUR_FACTOR: f32 = 0.5;

/// What the normalizer knows that bears on location.
#[derive(Debug, Clone, Copy)]
pub struct Evidence<'a> {
    /// `region` from front matter.
    pub front_region: Option<&'a str>,
    /// `country` from front matter.
    pub front_country: Option<&'a str>,
    /// The region slug of the file's first-level folder.
    pub region_folder: Option<&'a str>,
    /// The title.
    pub title: &'a str,
    /// A prefix repeated before the title in the body (`Kenya: <title>`).
    pub title_prefix: Option<&'a str>,
    /// Body paragraphs, contact block excluded.
    pub paragraphs: &'a [String],
}

/// The decision.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    /// Region slug.
    pub region: String,
    /// ISO code, when there is one focus country.
    pub country: Option<String>,
    /// Evidence and confidence.
    pub location: Location,
}

/// Decides region and country.
pub fn locate(evidence: &Evidence<'_>, rules: &Rules) -> Located {
    let taxonomy = &rules.taxonomy;
    if let Some(stated) = stated(evidence, taxonomy) {
        return stated;
    }
    let inferred = infer(evidence, rules);
    let Some(folder) = evidence
        .region_folder
        .filter(|f| taxonomy.region(f).is_some())
    else {
        return inferred;
    };
    // The folder decides the region; an inferred country stays only when it
    // lies in that region.
    let fits = |code: &String| {
        taxonomy
            .country(code)
            .is_some_and(|c| c.region == folder || folder == GLOBAL)
    };
    let country = inferred.country.filter(fits);
    let country_source = country.as_ref().and(inferred.location.country_source);
    Located {
        region: folder.to_owned(),
        country,
        location: Location {
            region_source: format!("folder {folder}/"),
            country_source,
            confidence: 1.0,
        },
    }
}

/// A front matter `country` is an ISO code for most generators, but
/// hand-written front matter names the country ("Bangladesh").
fn stated_country<'t>(value: &str, taxonomy: &'t Taxonomy) -> Option<&'t Country> {
    taxonomy.country(value).or_else(|| {
        taxonomy
            .lookup_exact(value)
            .map(|i| &taxonomy.countries()[i])
    })
}

/// Front matter: a stated region and/or country.
fn stated(evidence: &Evidence<'_>, taxonomy: &Taxonomy) -> Option<Located> {
    let country = evidence
        .front_country
        .and_then(|c| stated_country(c, taxonomy));
    let region = evidence.front_region.and_then(|r| taxonomy.region(r));
    match (region, country) {
        (None, None) => None,
        (Some(r), c) => Some(Located {
            region: r.slug.clone(),
            country: c.map(|c| c.code.clone()),
            location: Location {
                region_source: "front matter".into(),
                country_source: c.map(|_| "front matter".into()),
                confidence: 1.0,
            },
        }),
        (None, Some(c)) => Some(Located {
            region: c.region.clone(),
            country: Some(c.code.clone()),
            location: Location {
                region_source: format!("front matter country {}", c.code),
                country_source: Some("front matter".into()),
                confidence: 1.0,
            },
        }),
    }
}

/// Scores per country, with the evidence for each.
#[derive(Default)]
struct Tally {
    scores: HashMap<usize, f32>,
    first_seen: HashMap<usize, usize>,
    /// In how many separate places (title, each paragraph) a country is named.
    spread: HashMap<usize, HashSet<usize>>,
    dateline: Option<(usize, String)>,
    /// Weight the dateline's words got again as part of their paragraph.
    dateline_echo: HashMap<usize, f32>,
    /// Countries named in a list of where people came from (`arrivals are
    /// from Sudan, Eritrea and Afghanistan`).
    origins: HashSet<usize>,
    /// The title or the opening speaks of the whole world (`the global
    /// average`, `worldwide`).
    worldwide: bool,
    /// The country of the first place the title names with "in".
    title_locative: Option<usize>,
    order: usize,
}

impl Tally {
    fn add(&mut self, country: usize, weight: f32, place: usize) {
        *self.scores.entry(country).or_default() += weight;
        self.spread.entry(country).or_default().insert(place);
        self.order += 1;
        let order = self.order;
        self.first_seen.entry(country).or_insert(order);
    }

    /// Countries by score, ties going to the one named first.
    fn ranked(&self) -> Vec<(usize, f32)> {
        let mut ranked: Vec<(usize, f32)> = self.scores.iter().map(|(&c, &s)| (c, s)).collect();
        ranked.sort_by(|a, b| {
            b.1.total_cmp(&a.1)
                .then(self.first_seen[&a.0].cmp(&self.first_seen[&b.0]))
        });
        ranked
    }

    fn spread(&self, country: usize) -> usize {
        self.spread.get(&country).map_or(0, HashSet::len)
    }
}

fn infer(evidence: &Evidence<'_>, rules: &Rules) -> Located {
    let taxonomy = &rules.taxonomy;
    let hq = Headquarters::new(rules);
    let mut tally = Tally::default();

    let candidates = match evidence.title_prefix {
        Some(prefix) => vec![prefix],
        None => lead_datelines(evidence.paragraphs),
    };
    let dateline = candidates
        .into_iter()
        .find_map(|d| dateline_country(d, taxonomy, &hq).map(|c| (c, d.to_owned())));
    if let Some((country, text)) = &dateline {
        tally.add(*country, DATELINE, 0);
        tally.dateline = Some((*country, text.clone()));
    }
    let title_mentions = taxonomy.mentions(evidence.title);
    count_mentions(&mut tally, &hq, evidence.title, &title_mentions, TITLE, 0);
    count_title_locatives(&mut tally, &hq, evidence.title, &title_mentions);
    // A list of highlights above the opening repeats what the lead says;
    // the lead paragraphs are the prose.
    let lead = || {
        evidence
            .paragraphs
            .iter()
            .filter(|p| !super::clean::is_list_block(p))
    };
    // A short line above the opening ("Research news 8.4.2026") is no
    // opening: the first paragraph of running text has the opening's weight.
    let opening = lead()
        .take(OPENING_SEARCH)
        .position(|p| super::text::is_running_text(p))
        .unwrap_or(0);
    for (i, paragraph) in lead().take(opening + 1 + LEAD_PARAGRAPHS).enumerate() {
        let weight = if i == opening {
            FIRST_PARAGRAPH
        } else {
            LATER_PARAGRAPH
        };
        // Only a release with a dateline is ever asked whether it speaks
        // of the whole world.
        if i == opening && tally.dateline.is_some() {
            tally.worldwide = speaks_worldwide(evidence.title) || speaks_worldwide(paragraph);
        }
        let mentions = taxonomy.mentions(paragraph);
        count_mentions(&mut tally, &hq, paragraph, &mentions, weight, i + 1);
        // What the dateline counts again where it opens a paragraph.
        if let Some(prefix) = tally
            .dateline
            .as_ref()
            .map(|(_, text)| text.as_str())
            .filter(|d| paragraph.starts_with(d))
        {
            let in_dateline: Vec<Mention> = mentions
                .iter()
                .copied()
                .filter(|m| m.end <= prefix.len())
                .collect();
            let mut echo = Tally::default();
            count_mentions(&mut echo, &hq, paragraph, &in_dateline, weight, 0);
            for (country, weight) in echo.scores {
                *tally.dateline_echo.entry(country).or_default() += weight;
            }
        }
    }
    decide(&tally, taxonomy)
}

fn decide(tally: &Tally, taxonomy: &Taxonomy) -> Located {
    let ranked = tally.ranked();
    let total: f32 = ranked.iter().map(|(_, s)| s).sum();
    let Some(&(mut top, score)) = ranked.first() else {
        return global("no country named in the title or lead", 0.6);
    };
    // A single weak mention is no focus, but the same country named in two
    // places of the lead is.
    let strong_enough =
        score >= FOCUS_THRESHOLD || (score >= 2.0 && (tally.spread(top) >= 2 || ranked.len() == 1));
    if !strong_enough {
        let code = &taxonomy.countries()[top].code;
        return global(
            &format!("no single focus (best {code} scored {score:.1})"),
            0.4,
        );
    }
    // Issued from a city of a country the text never names, about a list
    // of others (`JOHANNESBURG – … in Malawi, Mozambique, Zambia and
    // Zimbabwe`): the dateline is where the release was written.
    let listed: Vec<usize> = ranked
        .iter()
        .filter(|&&(c, s)| c != top && s >= LATER_PARAGRAPH)
        .map(|(c, _)| *c)
        .collect();
    let echo = tally.dateline_echo.get(&top).copied().unwrap_or(0.0);
    let dateline_only =
        tally.dateline.as_ref().is_some_and(|(c, _)| *c == top) && score - DATELINE - echo < 0.01;
    // Issued from a city of a country the text never names again, about
    // the whole world: the dateline is only where the publisher sits.
    if dateline_only && tally.worldwide {
        let code = &taxonomy.countries()[top].code;
        return global(
            &format!("a worldwide release issued from {code}, named only in the dateline"),
            0.5,
        );
    }
    // People from a list of countries arriving where the dateline is are
    // news of the dateline's place.
    let listed_as_origins = listed.iter().all(|c| tally.origins.contains(c));
    if dateline_only && listed.len() >= MOST_LISTED_BESIDE_DATELINE && !listed_as_origins {
        let best = ranked.get(1).map_or(0.0, |(_, s)| *s);
        return shared_region(&listed, taxonomy, best, total - score);
    }
    let contenders: Vec<usize> = ranked
        .iter()
        .filter(|(_, s)| *s * LEAD_RATIO >= score)
        .map(|(c, _)| *c)
        .collect();
    // Several countries about equally named: a list, not a focus.
    if contenders.len() >= 3 {
        return shared_region(&contenders, taxonomy, score, total);
    }
    // Two close contenders: the title's "in" place decides when it names
    // one of them, else the dateline does (a release is often issued from
    // headquarters, far from the news); without either, two countries
    // named exactly as much are a pair, not a focus.
    let dateline = tally
        .dateline
        .as_ref()
        .filter(|(c, _)| contenders.contains(c));
    let title_place = tally.title_locative.filter(|c| contenders.contains(c));
    match dateline {
        _ if title_place.is_some() => top = title_place.unwrap_or(top),
        Some((c, _)) => top = *c,
        None if contenders.len() == 2 && tally.scores[&contenders[1]] * EVEN >= score => {
            return shared_region(&contenders, taxonomy, score, total);
        }
        None => {}
    }
    let country = &taxonomy.countries()[top];
    let score = tally.scores[&top];
    let share = score / total;
    let by_dateline = dateline
        .or(tally.dateline.as_ref())
        .filter(|(c, _)| *c == top);
    let (source, confidence) = match by_dateline {
        _ if title_place == Some(top) => (
            format!("title names a place in {}", country.code),
            0.75 + 0.2 * share,
        ),
        Some((_, text)) => (
            format!("dateline \"{text}\" → {}", country.code),
            0.75 + 0.2 * share,
        ),
        None => (
            format!(
                "lead mentions: {} scored {score:.1} of {total:.1}",
                country.code
            ),
            0.3 + 0.6 * share,
        ),
    };
    let confidence = if contenders.len() > 1 {
        confidence * 0.8
    } else {
        confidence
    };
    Located {
        region: country.region.clone(),
        country: Some(country.code.clone()),
        location: Location {
            region_source: format!("country {}", country.code),
            country_source: Some(source),
            confidence: (confidence * 100.0).round() / 100.0,
        },
    }
}

/// No single focus: when every contender lies in one region, that region
/// still fits better than the global feed.
fn shared_region(contenders: &[usize], taxonomy: &Taxonomy, score: f32, total: f32) -> Located {
    let region = &taxonomy.countries()[contenders[0]].region;
    let codes: Vec<&str> = contenders
        .iter()
        .map(|&c| taxonomy.countries()[c].code.as_str())
        .collect();
    if contenders
        .iter()
        .all(|&c| &taxonomy.countries()[c].region == region)
    {
        return Located {
            region: region.clone(),
            country: None,
            location: Location {
                region_source: format!("no single country; {} all in {region}", codes.join(", ")),
                country_source: None,
                confidence: 0.5,
            },
        };
    }
    global(
        &format!(
            "no single focus ({} scored about {score:.1} each of {total:.1})",
            codes.join(", ")
        ),
        0.4,
    )
}

fn global(reason: &str, confidence: f32) -> Located {
    Located {
        region: GLOBAL.to_owned(),
        country: None,
        location: Location {
            region_source: reason.to_owned(),
            country_source: None,
            confidence,
        },
    }
}

/// The datelines the opening may have, in order: that of the first
/// paragraph, or a dateline paragraph of its own. A deck under the title
/// is passed over, and so is a line of a place and a date, which may be a
/// date only (`Tuesday, March 3, 2026`).
fn lead_datelines(paragraphs: &[String]) -> Vec<&str> {
    let mut found = Vec::new();
    for p in paragraphs
        .iter()
        .filter(|p| !super::clean::is_list_block(p))
        .take(3)
        .filter(|p| p.split_whitespace().nth(2).is_some())
    {
        if super::summary::is_standalone_dateline(p) {
            found.push(p.trim_end_matches(['-', '–', '—', ' ']));
            break;
        }
        if super::summary::is_place_and_date(p) {
            found.push(p.trim());
            continue;
        }
        if let Some(dateline) = super::summary::dateline_prefix(p) {
            found.push(dateline);
        }
        if !super::summary::is_deck(p) {
            break;
        }
    }
    found
}

/// Does a dateline name a place the taxonomy knows?
pub fn names_place(dateline: &str, taxonomy: &Taxonomy) -> bool {
    dateline.split([',', '/', ';', '(', ')', '|']).any(|part| {
        taxonomy.lookup_dateline(part).is_some()
            || taxonomy
                .mentions(part)
                .iter()
                .any(|m| m.kind != NameKind::Demonym)
    })
}

/// The country a dateline names: one named outright in any of its parts,
/// else that of its first place that is not the publisher's own seat
/// (`Geneva/N’Djamena` → Chad).
fn dateline_country(dateline: &str, taxonomy: &Taxonomy, hq: &Headquarters) -> Option<usize> {
    let mut first_place = None;
    for part in dateline.split([',', '/', ';', '(', ')', '|']) {
        let part = part.trim();
        if part.is_empty() || hq.is_seat(part, taxonomy) {
            continue;
        }
        let mentions = taxonomy.mentions(part);
        // A country named outright outranks a place that shares a name
        // with one elsewhere (`FLORIDA, Uruguay`).
        if let Some(m) = mentions
            .first()
            .filter(|m| m.kind == NameKind::Country && m.start == 0 && m.end == part.len())
        {
            return Some(m.country);
        }
        if first_place.is_none() {
            first_place = taxonomy.lookup_dateline(part).or_else(|| {
                mentions
                    .iter()
                    .find(|m| {
                        m.kind != NameKind::Demonym && !hq.is_seat(&part[m.start..m.end], taxonomy)
                    })
                    .map(|m| m.country)
            });
        }
    }
    // `GENEVA / NEW YORK / NAIROBI`: offices in several countries sign a
    // joint release, and none of them is where it is about.
    if first_place.is_some() && dateline.contains('/') {
        let offices: HashSet<usize> = dateline
            .split('/')
            .filter_map(|p| place_country(p, taxonomy, hq))
            .collect();
        if offices.len() >= 2 {
            return None;
        }
    }
    first_place
}

/// The country of one place of a dateline, unless it is the publisher's seat.
fn place_country(part: &str, taxonomy: &Taxonomy, hq: &Headquarters) -> Option<usize> {
    let part = part.trim();
    if part.is_empty() || hq.is_seat(part, taxonomy) {
        return None;
    }
    taxonomy.lookup_dateline(part).or_else(|| {
        taxonomy
            .mentions(part)
            .into_iter()
            .find(|m| m.kind != NameKind::Demonym && !hq.is_seat(&part[m.start..m.end], taxonomy))
            .map(|m| m.country)
    })
}

/// Counts the `mentions` found in `text`, each at `weight` less what
/// marks it down (a donor, a neighbour, a demonym).
fn count_mentions(
    tally: &mut Tally,
    hq: &Headquarters,
    text: &str,
    mentions: &[Mention],
    weight: f32,
    place: usize,
) {
    for m in mentions {
        if hq.is_place(&text[m.start..m.end]) || is_street_name(&text[m.end..]) {
            continue;
        }
        let mut factor = if m.kind == NameKind::Demonym {
            DEMONYM_FACTOR
        } else {
            1.0
        };
        if is_donor(&text[m.end..]) || is_funder(&text[..m.start], &text[m.end..]) {
            factor *= DONOR_FACTOR;
        }
        if is_neighbour(&text[..m.start]) {
            factor *= NEIGHBOUR_FACTOR;
        }
        // Only lists beside a dateline's country are ever asked about.
        let beside_dateline = tally
            .dateline
            .as_ref()
            .is_some_and(|(c, _)| *c != m.country);
        if beside_dateline && !tally.origins.contains(&m.country) && is_origin(&text[..m.start]) {
            tally.origins.insert(m.country);
        }
        tally.add(m.country, weight * factor, place);
    }
}

/// What a place named with "in" in the title (`… plant in Wrocław`) adds
/// on top of its title weight: the headline says where the news happens,
/// which outweighs the dateline's place of issue.
const TITLE_LOCATIVE: f32 = 2.0;

fn count_title_locatives(tally: &mut Tally, hq: &Headquarters, title: &str, mentions: &[Mention]) {
    for m in mentions {
        let before = title[..m.start].trim_end();
        let locative = ["in", "In", "into", "across", "Across"].iter().any(|w| {
            before
                .strip_suffix(w)
                .is_some_and(|b| b.is_empty() || b.ends_with(' '))
        });
        if locative && m.kind != NameKind::Demonym && !hq.is_place(&title[m.start..m.end]) {
            tally.add(m.country, TITLE_LOCATIVE, 0);
            tally.title_locative.get_or_insert(m.country);
        }
    }
}

/// `Gloucester Avenue`, `Kenya Road`: a street named after a place is
/// not the place.
fn is_street_name(after: &str) -> bool {
    const STREETS: [&str; 10] = [
        "Avenue",
        "Street",
        "Road",
        "Boulevard",
        "Lane",
        "Drive",
        "Square",
        "Crescent",
        "Terrace",
        "Highway",
    ];
    after
        .strip_prefix(' ')
        .and_then(|rest| rest.split(|c: char| !c.is_alphabetic()).next())
        .is_some_and(|word| STREETS.contains(&word))
}

/// "Japan donates", "Canada pledges": the country that gives is seldom
/// the one the release is about.
fn is_donor(after: &str) -> bool {
    const VERBS: [&str; 12] = [
        "donates",
        "donated",
        "pledges",
        "pledged",
        "funds",
        "funded",
        "contributes",
        "contributed",
        "grants",
        "granted",
        "gives",
        "gave",
    ];
    let mut words = after
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphabetic()).to_lowercase());
    let next = words.next().unwrap_or_default();
    let next = if next == "has" || next == "have" {
        words.next().unwrap_or_default()
    } else {
        next
    };
    VERBS.contains(&next.as_str())
}

/// "funded by Japan", "with support from the Government of Norway",
/// "funding … from the United States Government": the country that pays.
fn is_funder(before: &str, after: &str) -> bool {
    const LEAD_INS: [&str; 12] = [
        "funded by",
        "financed by",
        "sponsored by",
        "donated by",
        "funding from",
        "financing from",
        "support from",
        "support of",
        "contribution from",
        "contributions from",
        "grant from",
        "donation from",
    ];
    let tail = last_words(before);
    let tail = [" the people of", " the government of", " the", " generous"]
        .iter()
        .fold(tail.as_str(), |t, end| t.strip_suffix(end).unwrap_or(t));
    // Only the next word matters: `after` runs to the paragraph's end.
    let named_government = super::clean::strip_prefix_ignore_case(after.trim_start(), "government")
        .is_some()
        && (tail.ends_with(" from") || tail.ends_with(" by"));
    named_government || LEAD_INS.iter().any(|l| tail.ends_with(l))
}

/// The last few words of `before`, lower-cased, without trailing spaces
/// and commas.
fn last_words(before: &str) -> String {
    format!(" {}", tail_bytes(before, 40).to_lowercase())
}

/// About the last `bytes` bytes of `before`, without trailing spaces and
/// commas: only the last few words matter, and `before` runs from the
/// paragraph's start.
fn tail_bytes(before: &str, bytes: usize) -> &str {
    super::clean::tail(before, bytes).trim_end_matches(|c: char| c.is_whitespace() || c == ',')
}

/// Words that speak of the whole world.
#[allow(clippy::expect_used)]
static WORLDWIDE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(?:global(?:ly)?|worldwide|world's|world’s|around the world|across the world)(?-u:\b)")
        .expect("static regex")
});

fn speaks_worldwide(text: &str) -> bool {
    WORLDWIDE.is_match(text)
}

/// Bytes before a country's name searched for the `from` that opens a list
/// of origins.
const ORIGIN_LIST_BYTES: usize = 120;

/// Is the name after `before` one of a list of where people came from:
/// `from` and then only names, commas, `and` and `the`?
fn is_origin(before: &str) -> bool {
    let tail = super::clean::tail(before, ORIGIN_LIST_BYTES);
    let Some(at) = tail.rfind(" from ") else {
        return false;
    };
    tail[at + " from ".len()..]
        .split_whitespace()
        .map(|w| w.trim_end_matches(','))
        .all(|w| {
            matches!(w, "and" | "the" | "of" | "or")
                || w.starts_with(char::is_uppercase) && !w.ends_with(['.', ';', ':'])
        })
}

/// "near the border with Mexico": the country across the border is where
/// the release is not.
fn is_neighbour(before: &str) -> bool {
    const LEAD_INS: [&str; 6] = [
        "border with",
        "borders with",
        "bordering",
        "frontier with",
        "neighbouring",
        "neighboring",
    ];
    let tail = tail_bytes(before, 24);
    let tail = tail.strip_suffix(" the").unwrap_or(tail);
    LEAD_INS.iter().any(|l| {
        tail.len() >= l.len()
            && tail.is_char_boundary(tail.len() - l.len())
            && tail[tail.len() - l.len()..].eq_ignore_ascii_case(l)
    })
}

/// The publisher's own places: mentioning them says where the release was
/// written, not what it is about.
struct Headquarters<'a> {
    places: &'a [String],
    countries: Vec<usize>,
}

impl<'a> Headquarters<'a> {
    fn new(rules: &'a Rules) -> Headquarters<'a> {
        let countries = rules
            .headquarters
            .iter()
            .filter_map(|p| rules.taxonomy.lookup_exact(p))
            .collect();
        Headquarters {
            places: &rules.headquarters,
            countries,
        }
    }

    fn is_place(&self, text: &str) -> bool {
        let folded = text.trim().to_lowercase();
        self.places.contains(&folded)
    }

    /// In a dateline, the seat's country counts as the seat too
    /// (`GENEVA, Switzerland`).
    fn is_seat(&self, text: &str, taxonomy: &Taxonomy) -> bool {
        self.is_place(text)
            || taxonomy.lookup_exact(text).is_some_and(|c| {
                self.countries.contains(&c)
                    && taxonomy.countries()[c]
                        .name
                        .eq_ignore_ascii_case(text.trim())
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where a release of `title` and `paragraphs` is, with the built-in
    /// configuration and nothing else stated.
    fn located_from(title: &str, paragraphs: &[&str]) -> Located {
        let config = crate::config::Config::builtin().expect("built-in configuration");
        let paragraphs: Vec<String> = paragraphs.iter().map(|p| (*p).to_owned()).collect();
        locate(
            &Evidence {
                front_region: None,
                front_country: None,
                region_folder: None,
                title,
                title_prefix: None,
                paragraphs: &paragraphs,
            },
            &config.rules,
        )
    }

    #[test]
    fn a_country_across_the_border_is_a_neighbour() {
        for before in [
            "a centre near the border with ",
            "camps along the Borders with the ",
            "families from neighbouring ",
            "the frontier with ",
        ] {
            assert!(is_neighbour(before), "{before}");
        }
        for before in ["the authorities of ", "returned home to ", ""] {
            assert!(!is_neighbour(before), "{before}");
        }
    }

    #[test]
    fn front_matter_names_a_country_by_code_or_by_name() {
        let taxonomy = Taxonomy::builtin().expect("built-in taxonomy");
        for value in ["BD", "bd", "Bangladesh", "BANGLADESH"] {
            let country = stated_country(value, &taxonomy).map(|c| c.code.as_str());
            assert_eq!(country, Some("BD"), "{value}");
        }
        assert!(stated_country("Atlantis", &taxonomy).is_none());
    }

    #[test]
    fn a_short_line_above_the_opening_leaves_it_the_opening_weight() {
        let located = located_from(
            "New battery stores heat for a week",
            &[
                "Research news 8.4.2026",
                "Engineers at a university in Tampere have built a battery that stores heat for a week, the team said on Tuesday.",
            ],
        );
        assert_eq!(located.country.as_deref(), Some("FI"), "{located:?}");
    }

    #[test]
    fn a_dateline_over_a_list_of_other_countries_is_no_focus() {
        let located = located_from(
            "Consortium appeals for drought aid",
            &[
                "JOHANNESBURG, 16 March 2026 – A consortium today appealed for help for farmers in Malawi, Mozambique, Zambia and Zimbabwe as the harvest fails.",
            ],
        );
        assert_eq!(located.country, None, "{located:?}");
    }

    #[test]
    fn arrivals_from_a_list_of_countries_are_news_of_the_dateline() {
        let located = located_from(
            "Newcomer centre opens housing hub for refugee families",
            &[
                "HALIFAX, N.S. — A newcomer centre today opened a housing hub for refugee families in the city's north end.",
                "Most arrivals this year are from Sudan, Eritrea, Afghanistan and the Democratic Republic of the Congo.",
            ],
        );
        assert_eq!(located.country.as_deref(), Some("CA"), "{located:?}");
    }

    #[test]
    fn a_worldwide_release_from_a_city_named_only_in_its_dateline_is_global() {
        let located = located_from(
            "Cost of sending money home falls below 6%",
            &[
                "WASHINGTON, March 18, 2026 — The global average cost of sending money home fell below 6% for the first time last year, a report by the bank found.",
                "Digital services now carry more than half of all transfers.",
            ],
        );
        assert_eq!(located.region, GLOBAL, "{located:?}");
        assert!(is_origin("refugees who came from "));
        assert!(is_origin("arrivals are from Sudan, Eritrea and the "));
        assert!(!is_origin("from Monday, the office in "));
    }

    #[test]
    fn donors_are_named_before_their_verb() {
        assert!(is_donor(" has pledged USD 2 million"));
        assert!(is_donor(" funds the project"));
        assert!(!is_donor(" hosts 300,000 refugees"));
        assert!(is_street_name(" Avenue in Montego Bay"));
        assert!(!is_street_name(" Avenues of trade"));
        assert!(!is_street_name(", where the road ends"));
        assert!(is_funder("a project funded by the Government of ", ""));
        assert!(is_funder("with generous support from ", " and the EU"));
        assert!(is_funder("new funding from the ", " Government Office"));
        assert!(!is_funder("shelters in ", " were repaired"));
        assert!(!is_funder("an agreement signed by ", " and the agency"));
    }
}
