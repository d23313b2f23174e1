//! What counts as page chrome: the rules (by tag, ARIA role, class and id
//! words, hidden state and share of linked text) that keep navigation,
//! banners, sidebars, consent notices and site footers out of the release,
//! for both DOM libraries.

use std::sync::LazyLock;

use scraper::node::Element;
use scraper::{ElementRef, Selector};

use super::contact::is_contact_block;
use super::guard::MAX_TAG_NESTING;
use super::{selector, text_chars};

static LINK: LazyLock<Selector> = LazyLock::new(|| selector("a"));
static MEDIA: LazyLock<Selector> = LazyLock::new(|| selector("img, picture, video, svg"));

/// Tags never part of the release text.
const DROPPED_TAGS: &[&str] = &[
    "script", "style", "noscript", "template", "svg", "math", "nav", "aside", "form", "button",
    "select", "input", "textarea", "label", "iframe", "object", "embed", "canvas", "video",
    "audio", "map", "dialog", "head", "title", "meta", "link", "menu",
];
const CHROME_ROLES: &[&str] = &[
    "navigation",
    "menu",
    "menubar",
    "complementary",
    "search",
    "dialog",
    "alertdialog",
    "toolbar",
    "tablist",
    "alert",
];
/// Class or id words marking consent notices: dropped whatever they contain.
const CONSENT_WORDS: &[&str] = &["cookie", "consent", "gdpr"];
/// Class or id word prefixes marking page chrome.
const CHROME_WORD_PREFIXES: &[&str] = &[
    "share",
    "sharing",
    "social",
    "breadcrumb",
    "related",
    "newsletter",
    "subscri",
    "signup",
    "sidebar",
    "skip",
    "navbar",
    "navigation",
    "menu",
    "advert",
    "promo",
    "popup",
    "modal",
    "pagination",
    "pager",
    "comment",
    "toolbar",
    "print",
    // Photo captions outside a <figure> (`<p class="caption">`,
    // `wp-caption-text`).
    "caption",
];
/// Class or id words marking page chrome when they are the whole word.
const CHROME_WORDS: &[&str] = &["nav", "ad", "ads", "tags", "hidden", "sronly"];
/// Class or id word prefixes marking page headers and footers.
const HEADER_FOOTER_WORD_PREFIXES: &[&str] = &["footer", "header", "masthead"];

/// What the chrome rules make of an element, from its tag and attributes.
#[derive(Debug, PartialEq)]
pub(super) enum Verdict {
    Content,
    /// Never release text: scripts, forms, navigation and the like, by tag or
    /// ARIA role.
    Chrome,
    /// Hidden, or named like chrome ("share", "sidebar", "cookie-banner"):
    /// dropped unless it holds at least `min_prose` characters of unlinked
    /// prose, which makes it a wrapper with an unlucky name, or part of a
    /// page saved while a dialog hid the rest.
    Suspect {
        min_prose: usize,
    },
    /// A header or footer by tag or role: the site's, unless it sits in the
    /// article and holds the release's contact block.
    HeaderOrFooter,
}

/// Unlinked prose that clears a chrome-named element.
const MIN_PROSE_IN_SUSPECT: usize = 400;
/// Consent notices can be wordy; a wrapper holding the article is far longer.
const MIN_PROSE_IN_CONSENT_NAMED: usize = 1_500;

/// How an element's class and id words classify it.
#[derive(PartialEq)]
enum NameVerdict {
    Content,
    Consent,
    Chrome,
    HeaderOrFooter,
}

/// Applies the chrome rules to an element given its tag name and a way to
/// read its attributes, so the same rules serve both DOM libraries.
pub(super) fn verdict(name: &str, attr: impl Fn(&str) -> Option<String>) -> Verdict {
    let role = attr("role").unwrap_or_default().trim().to_ascii_lowercase();
    if DROPPED_TAGS.contains(&name) || CHROME_ROLES.contains(&role.as_str()) {
        return Verdict::Chrome;
    }
    if matches!(name, "header" | "footer") || matches!(role.as_str(), "banner" | "contentinfo") {
        return Verdict::HeaderOrFooter;
    }
    let hidden = is_hidden(
        attr("hidden").is_some(),
        attr("aria-hidden").as_deref(),
        attr("style").as_deref(),
    );
    match name_verdict(&class_and_id(
        attr("class").as_deref(),
        attr("id").as_deref(),
    )) {
        NameVerdict::Consent => Verdict::Suspect {
            min_prose: MIN_PROSE_IN_CONSENT_NAMED,
        },
        NameVerdict::Chrome | NameVerdict::HeaderOrFooter => Verdict::Suspect {
            min_prose: MIN_PROSE_IN_SUSPECT,
        },
        NameVerdict::Content if hidden => Verdict::Suspect {
            min_prose: MIN_PROSE_IN_SUSPECT,
        },
        NameVerdict::Content => Verdict::Content,
    }
}

/// An element's class and id, lower-cased, side by side.
pub(super) fn class_and_id(class: Option<&str>, id: Option<&str>) -> String {
    format!("{} {}", class.unwrap_or(""), id.unwrap_or("")).to_ascii_lowercase()
}

/// The words of [`class_and_id`]: `page-header` is `page` and `header`.
pub(super) fn name_words(raw: &str) -> impl Iterator<Item = &str> {
    raw.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
}

fn is_hidden(hidden_attr: bool, aria_hidden: Option<&str>, style: Option<&str>) -> bool {
    hidden_attr || aria_hidden.is_some_and(|v| v.trim() == "true") || style.is_some_and(hides)
}

/// How the words of [`class_and_id`] classify an element.
fn name_verdict(raw: &str) -> NameVerdict {
    if raw.contains("visually-hidden") || raw.contains("screen-reader") || raw.contains("sr-only") {
        return NameVerdict::Chrome;
    }
    let mut verdict = NameVerdict::Content;
    for word in name_words(raw) {
        if CONSENT_WORDS.iter().any(|p| word.starts_with(p)) {
            return NameVerdict::Consent;
        }
        if CHROME_WORDS.contains(&word) || CHROME_WORD_PREFIXES.iter().any(|p| word.starts_with(p))
        {
            verdict = NameVerdict::Chrome;
        } else if verdict == NameVerdict::Content
            && HEADER_FOOTER_WORD_PREFIXES
                .iter()
                .any(|p| word.starts_with(p))
        {
            verdict = NameVerdict::HeaderOrFooter;
        }
    }
    verdict
}

fn hides(style: &str) -> bool {
    let style: String = style
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    style.contains("display:none") || style.contains("visibility:hidden")
}

fn element_verdict(el: ElementRef<'_>) -> Verdict {
    let element = el.value();
    if element.attrs().next().is_none() {
        // Most elements carry no attributes; their tag alone decides.
        return verdict(element.name(), |_| None);
    }
    verdict(element.name(), |name| {
        element.attr(name).map(str::to_string)
    })
}

pub(super) fn role(element: &Element) -> String {
    element
        .attr("role")
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Whether the walker drops `el` and everything inside it. `in_article` says
/// whether `el` sits inside the article, where a footer may be the release's
/// contact block rather than the site's.
pub(super) fn is_dropped(el: ElementRef<'_>, in_article: bool) -> bool {
    let keeps_contact = || in_article && is_contact_block(&el.text().collect::<String>());
    match element_verdict(el) {
        Verdict::Chrome => true,
        Verdict::Suspect { min_prose } => {
            !is_mostly_prose(text_chars(el), linked_chars(el), min_prose) && !keeps_contact()
        }
        Verdict::HeaderOrFooter => !keeps_contact(),
        Verdict::Content => is_photo_caption(el) || is_skip_link(el),
    }
}

/// Whether an element holds at least `min_prose` characters outside links,
/// and few links: prose, not a menu or a list of teasers.
pub(super) fn is_mostly_prose(total_chars: usize, linked_chars: usize, min_prose: usize) -> bool {
    let unlinked = total_chars.saturating_sub(linked_chars);
    unlinked >= min_prose && (linked_chars as f64) < 0.25 * total_chars as f64
}

fn linked_chars(el: ElementRef<'_>) -> usize {
    el.select(&LINK).map(text_chars).sum()
}

fn is_photo_caption(el: ElementRef<'_>) -> bool {
    el.value().name() == "figcaption"
        && el
            .parent()
            .and_then(ElementRef::wrap)
            .is_some_and(|figure| figure.select(&MEDIA).next().is_some())
}

fn is_skip_link(el: ElementRef<'_>) -> bool {
    el.value().name() == "a"
        && el.value().attr("href").is_some_and(|h| h.starts_with('#'))
        && el
            .text()
            .collect::<String>()
            .trim()
            .to_lowercase()
            .starts_with("skip to")
}

/// Whether `el` or an ancestor of it below `root` is navigation, a sidebar,
/// a footer or similar; ancestors that contain `root` are never chrome.
/// Looser than [`is_dropped`]: headers count as content, since the article's
/// own header holds its `<h1>` and `<time>`.
pub(super) fn in_page_chrome(el: ElementRef<'_>, root: ElementRef<'_>) -> bool {
    let mut current = Some(el);
    for _ in 0..MAX_TAG_NESTING * 4 {
        let Some(node) = current else {
            return false;
        };
        if node.id() == root.id() || root.ancestors().any(|a| a.id() == node.id()) {
            return false;
        }
        let is_footer = node.value().name() == "footer" || role(node.value()) == "contentinfo";
        let is_chrome = match element_verdict(node) {
            Verdict::Chrome => true,
            // `<div class="page-header">` holds the article's `<h1>` as
            // often as `<header>` does.
            Verdict::Suspect { .. } => !is_named_header(node.value()),
            Verdict::Content | Verdict::HeaderOrFooter => false,
        };
        if is_footer || is_chrome {
            return true;
        }
        current = node.parent().and_then(ElementRef::wrap);
    }
    false
}

/// A visible element named only as a header (`page-header`,
/// `article-header`), not as a footer or other chrome.
fn is_named_header(element: &Element) -> bool {
    let raw = class_and_id(element.attr("class"), element.attr("id"));
    !is_hidden(
        element.attr("hidden").is_some(),
        element.attr("aria-hidden"),
        element.attr("style"),
    ) && name_verdict(&raw) == NameVerdict::HeaderOrFooter
        && name_words(&raw).any(|word| word.starts_with("header"))
}

/// Whether `el` sits in navigation, a form, a dialog or similar, judged by
/// tags and roles only: `<article>` teasers in a sidebar are not the story.
pub(super) fn in_hard_chrome(el: ElementRef<'_>) -> bool {
    el.ancestors()
        .chain(std::iter::once(*el))
        .filter_map(ElementRef::wrap)
        .take(MAX_TAG_NESTING * 4)
        .any(|node| element_verdict(node) == Verdict::Chrome)
}

#[cfg(test)]
mod tests {
    use crate::normalize::html::parse;
    use crate::normalize::html::test_support::{PROSE, joined, page};

    #[test]
    fn navigation_banners_scripts_and_footers_are_dropped() {
        let html = page(
            "<title>Rains flood Dadaab camps | HRC</title>
             <style>p { color: red; }</style>
             <script>var tracker = 'HEADSCRIPT';</script>",
            &format!(
                r##"<a class="skip-link" href="#main">Skip to main content</a>
                <div class="cookie-banner"><p>We use cookies to improve your experience.</p><button>Accept</button></div>
                <div id="gdpr-notice">Your privacy choices matter to us.</div>
                <header><a href="/">HRC home</a><ul class="menu"><li><a href="/about">About us</a></li></ul></header>
                <nav><a href="/news">All news</a></nav>
                <ol class="breadcrumb"><li><a href="/">Home</a></li><li>Press</li></ol>
                <main id="main">
                  <div class="social-share"><a href="https://x.example/share">Share on X</a></div>
                  {PROSE}
                  <script>document.write('BODYSCRIPT');</script>
                  <style>.x {{ display: none }}</style>
                  <div class="newsletter-signup"><p>Sign up for our weekly newsletter.</p></div>
                  <div class="related-articles"><h3>Related articles</h3><ul><li><a href="/a">Older story</a></li></ul></div>
                  <div style="display: none">Hidden promo text</div>
                </main>
                <aside><p>Donate today to support our work.</p></aside>
                <footer><p>© 2025 Horn Relief Coalition. Contact us | Privacy</p></footer>"##
            ),
        );
        let text = joined(&parse(&html));
        for chrome in [
            "Skip to",
            "cookies",
            "privacy choices",
            "HRC home",
            "About us",
            "All news",
            "Home",
            "Share on",
            "SCRIPT",
            "color",
            "newsletter",
            "Related",
            "Older story",
            "Hidden promo",
            "Donate",
            "©",
        ] {
            assert!(!text.contains(chrome), "{chrome:?} leaked into {text}");
        }
        assert!(text.contains("NAIROBI – Aid workers reached 12,400 people"));
        assert!(text.contains("mobile clinics will visit each block"));
    }

    #[test]
    fn body_class_naming_a_banner_does_not_drop_the_page() {
        let html = format!(
            r#"<html><body class="cookie-consent-shown has-sidebar">{PROSE}</body></html>"#
        );
        assert_eq!(parse(&html).blocks.len(), 3);
    }

    #[test]
    fn article_hidden_behind_a_dialog_or_in_an_oddly_named_wrapper_is_kept() {
        let html = page(
            "",
            &format!(
                r#"<div role="dialog" class="modal"><p>Subscribe to alerts</p></div>
                <div id="page" class="with-fixed-header" aria-hidden="true">
                <div class="page-footer-offset">{PROSE}</div></div>"#
            ),
        );
        let draft = parse(&html);
        assert_eq!(draft.blocks.len(), 3, "{:?}", draft.blocks);
        assert!(!joined(&draft).contains("Subscribe"));
    }

    #[test]
    fn container_with_a_chrome_sounding_class_but_real_prose_is_kept() {
        let html = page(
            "",
            &format!(r#"<div class="content-with-sidebar">{PROSE}</div>"#),
        );
        assert_eq!(parse(&html).blocks.len(), 3);
    }

    #[test]
    fn photo_captions_are_dropped_but_quote_figures_kept() {
        let html = page(
            "",
            &format!(
                r#"<article>{PROSE}
                <figure><img src="a.jpg"><figcaption>Photo: HRC/Jane Roe</figcaption></figure>
                <figure><blockquote><p>We will not leave these families behind.</p></blockquote></figure>
                <img src="b.jpg"><p class="image-caption">A nurse weighs a child at the clinic.</p>
                </article>"#
            ),
        );
        let text = joined(&parse(&html));
        assert!(!text.contains("Photo: HRC"));
        assert!(!text.contains("A nurse weighs"));
        assert!(text.contains("We will not leave these families behind."));
    }
}
