#!/usr/bin/env python3
"""Generates invented press-release files for benches/serve.sh.

Each file is a scraped-text release as pressfeed's .txt adapter reads it:

    Title
    <blank>
    City – First paragraph ...
    <blank>
    More paragraphs ...
    <blank>
    For more information, please contact:
    Name, Office, Email: ..., Tel: ...

Titles are unique across one run, datelines come from ~40 countries in every
region of pressfeed's default taxonomy, each file has 3–8 paragraphs and is
about 3–6 KB. All text is invented; organisations, people, e-mail addresses
and telephone numbers are fictitious (example.org, 555 numbers).

Standard library only. Usable as a script (bulk generation) and as a module
(serve-latency.py loads it with importlib to make its probe releases).
"""

import argparse
import os
import random
import sys

# (city for the dateline, country name as news text writes it, a second
# place in the country, calling code). Countries and places are ones the
# default taxonomy knows, so every release gets a region.
PLACES = [
    ("Kathmandu", "Nepal", "Pokhara", "977"),
    ("Dhaka", "Bangladesh", "Cox's Bazar", "880"),
    ("Manila", "the Philippines", "Mindanao", "63"),
    ("Kabul", "Afghanistan", "Herat", "93"),
    ("Suva", "Fiji", "Lautoka", "679"),
    ("Jakarta", "Indonesia", "Sulawesi", "62"),
    ("Tegucigalpa", "Honduras", "San Pedro Sula", "504"),
    ("Guatemala City", "Guatemala", "Quetzaltenango", "502"),
    ("Port-au-Prince", "Haiti", "Cap-Haitien", "509"),
    ("Mexico City", "Mexico", "Tijuana", "52"),
    ("Nairobi", "Kenya", "Kakuma", "254"),
    ("Addis Ababa", "Ethiopia", "Tigray", "251"),
    ("Mogadishu", "Somalia", "Baidoa", "252"),
    ("Juba", "South Sudan", "Malakal", "211"),
    ("Athens", "Greece", "Lesvos", "30"),
    ("Rome", "Italy", "Lampedusa", "39"),
    ("Madrid", "Spain", "Seville", "34"),
    ("Baghdad", "Iraq", "Mosul", "964"),
    ("Tripoli", "Libya", "Benghazi", "218"),
    ("Aden", "Yemen", "Marib", "967"),
    ("Damascus", "Syria", "Aleppo", "963"),
    ("Bogota", "Colombia", "Cucuta", "57"),
    ("Caracas", "Venezuela", "Maracaibo", "58"),
    ("Lima", "Peru", "Arequipa", "51"),
    ("Quito", "Ecuador", "Guayaquil", "593"),
    ("Kyiv", "Ukraine", "Kharkiv", "380"),
    ("Chisinau", "Moldova", "Balti", "373"),
    ("Dushanbe", "Tajikistan", "Khujand", "992"),
    ("Maputo", "Mozambique", "Cabo Delgado", "258"),
    ("Harare", "Zimbabwe", "Bulawayo", "263"),
    ("Lilongwe", "Malawi", "Blantyre", "265"),
    ("Abuja", "Nigeria", "Maiduguri", "234"),
    ("Niamey", "Niger", "Agadez", "227"),
    ("Bamako", "Mali", "Gao", "223"),
    ("N'Djamena", "Chad", "Abeche", "235"),
    ("Yaounde", "Cameroon", "Maroua", "237"),
]

EVENTS = [
    ("Floods", "floods", "heavy rains and flash floods"),
    ("Drought", "drought", "a third consecutive failed rainy season"),
    ("Cyclone", "cyclone", "a tropical cyclone that made landfall overnight"),
    ("Earthquake", "earthquake", "a strong earthquake and its aftershocks"),
    ("Landslides", "landslides", "landslides triggered by days of rain"),
    ("Violence", "violence", "renewed armed violence"),
    ("Cholera Outbreak", "cholera outbreak", "a fast-spreading cholera outbreak"),
    ("Heatwave", "heatwave", "an extreme heatwave"),
    ("Wildfires", "wildfires", "wildfires fanned by strong winds"),
    ("Food Crisis", "food crisis", "soaring food prices and poor harvests"),
]

TITLE_FORMS = [
    "{event} Displace {n} People in {where}",
    "{agency} Scales Up Assistance as {event} Hit {where}",
    "{n} Families Receive Emergency Shelter After {event} in {where}",
    "New Displacement Data Shows {n} on the Move in {where}",
    "{where}: {agency} Appeals for USD {m} Million to Respond to {event}",
    "Returnees in {where} Rebuild Homes with {agency} Support",
    "{agency} and Partners Open {k} Health Posts in {second}",
    "Migrants Stranded in {second} Receive Food, Water and Medical Care",
    "Community Cash Programme Reaches {n} Households in {where}",
    "Safe Migration Campaign Reaches {n} Young People Across {where}",
    "Joint Plan Aims to Protect {n} Displaced People in {second}",
    "{agency} Report: Climate Shocks Drive Record Movement in {where}",
    "Mobile Clinics Reach Remote Villages Around {second}",
    "Reintegration Grants Help {n} Returnees Start Businesses in {where}",
]

AGENCIES = [
    ("the Global Relief and Mobility Office", "GRMO"),
    ("the International Displacement Support Agency", "IDSA"),
    ("the Humanitarian Shelter Alliance", "HSA"),
]

FIRST_NAMES = ["Amina", "Carlos", "Sita", "Jonas", "Leila", "Tomas", "Grace", "Omar",
               "Mariam", "Diego", "Hana", "Pedro", "Nadia", "Samuel", "Ines", "Kofi"]
LAST_NAMES = ["Haddad", "Mendoza", "Sharma", "Okafor", "Novak", "Rahman", "Silva",
              "Mwangi", "Torres", "Karimi", "Diallo", "Petrenko", "Santos", "Abebe"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]

LEAD = [
    "{cause_cap} have forced more than {n} people from their homes in {country} "
    "this week, {agency} said on {day}, warning that the number is likely to rise "
    "as assessment teams reach areas cut off by damaged roads.",
    "More than {n} people in {country} need urgent assistance after {cause}, "
    "according to new figures released on {day} by {agency}.",
    "{agency_cap} has begun distributing emergency supplies to {n} people affected "
    "by {cause} in {country}, working alongside local authorities and community "
    "volunteers in the hardest-hit districts around {second}.",
]

SENTENCES = [
    "Many families left with only what they could carry and are now sheltering in schools, "
    "churches and the homes of relatives.",
    "Displacement tracking teams visited {k} sites around {second} over the past {d} days "
    "and recorded severe shortages of clean water, latrines and shelter materials.",
    "Women and children make up nearly two thirds of those displaced, and many households "
    "are headed by a single parent.",
    "Local authorities have set up {k} collective centres, but most are already above capacity.",
    "“The needs are growing faster than our ability to respond,” said {person}, who leads "
    "the {acronym} mission in {country}. “Families need shelter, clean water and protection now.”",
    "“We are seeing people displaced for the second or third time this year,” said {person}. "
    "“Each move leaves them with fewer resources and less ability to recover.”",
    "Since the start of the response, {acronym} teams have distributed {k},000 shelter kits, "
    "{d},000 hygiene kits and {m},000 jerrycans.",
    "Mobile health teams have carried out more than {k},000 consultations, mainly for "
    "respiratory infections, diarrhoea and injuries.",
    "Access remains the main obstacle: several bridges were washed away and some villages "
    "can only be reached on foot or by boat.",
    "The organization is also supporting psychosocial services for people who lost relatives, "
    "homes and livelihoods.",
    "Cash assistance allows families to buy what they need most in local markets, which "
    "reopened in {second} earlier this week.",
    "Partners warn that without additional funding, distributions may have to be reduced "
    "before the end of the month.",
    "The appeal covers shelter, camp coordination, water and sanitation, health and protection "
    "for the next {d} months.",
    "So far, only {k} per cent of the funds required for this year's response have been received.",
    "Community leaders in {second} say many young people have already left in search of work "
    "in the capital or abroad.",
    "Teams are registering new arrivals so that assistance reaches those most in need, "
    "including older people and persons with disabilities.",
    "Early warning messages reached most villages before the worst of the {event}, which "
    "helped save lives.",
    "Weather forecasters expect more rain over the coming days, raising fears of further damage.",
    "Returning families report that wells are contaminated and fields are covered in debris.",
    "The response is coordinated with the national disaster management authority and "
    "{k} humanitarian partners.",
    "In {second}, volunteers are helping to clear roads and repair damaged water points.",
    "Protection teams have identified {k} unaccompanied children and are working to reunite "
    "them with their families.",
    "Rapid assessments will continue in districts that have not yet been reached.",
    "Livelihood support will help farmers replace seeds and tools lost in the {event}.",
]

CLOSING = [
    "{agency_cap} has been working in {country} since {year}, supporting displaced people, "
    "returnees and host communities.",
    "The response in {country} is made possible by funding from donors and pooled humanitarian funds.",
    "Over the next weeks, {acronym} will extend its displacement tracking to all affected districts "
    "and share the results with partners.",
]


def _fill(template, ctx, rng):
    values = dict(ctx)
    values.update(
        n=f"{rng.randint(2, 95)},{rng.randint(0, 999):03d}",
        k=rng.randint(3, 60),
        d=rng.randint(2, 12),
        m=rng.randint(2, 40),
    )
    return template.format(**values)


def make_release(rng, serial, title_suffix=""):
    """Returns (title, text, country, city) of one invented release.

    `serial` keeps titles unique: it is woven in as a figure when the title
    otherwise repeats. `title_suffix` is appended verbatim (the latency
    probe adds a unique marker)."""
    city, country, second, calling = rng.choice(PLACES)
    event_title, event_word, cause = rng.choice(EVENTS)
    agency, acronym = rng.choice(AGENCIES)
    person = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    where = country[4:] if country.startswith("the ") else country
    where = where[0].upper() + where[1:]
    ctx = dict(
        city=city, country=country, second=second, event=event_word,
        cause=cause, cause_cap=cause[0].upper() + cause[1:],
        agency=agency, agency_cap=agency[0].upper() + agency[1:], acronym=acronym,
        person=person, day=rng.choice(WEEKDAYS), year=rng.randint(1992, 2015),
        where=where,
    )
    form = rng.choice(TITLE_FORMS)
    title = form.format(
        event=event_title, where=where, second=second, agency=acronym,
        n=f"{(serial % 97) + 2},{(serial * 37) % 1000:03d}",
        m=(serial % 180) + 5, k=(serial % 40) + 3,
    )
    title += title_suffix

    target = rng.randint(2900, 5400)  # bytes of paragraph text, roughly
    n_paras = rng.randint(3, 8)
    paragraphs = [f"{city} – " + _fill(rng.choice(LEAD), ctx, rng)]
    per_para = max(200, (target - len(paragraphs[0].encode())) // (n_paras - 1) - 60)
    pool = SENTENCES[:]
    rng.shuffle(pool)
    for i in range(1, n_paras):
        sentences = []
        length = 0
        while length < per_para:
            if not pool:
                pool = SENTENCES[:]
                rng.shuffle(pool)
            s = _fill(pool.pop(), ctx, rng)
            sentences.append(s)
            length += len(s.encode()) + 1
        if i == n_paras - 1:
            sentences.append(_fill(rng.choice(CLOSING), ctx, rng))
        paragraphs.append(" ".join(sentences))
    first = person.split()[1].lower()
    contact = (
        "For more information, please contact:\n"
        f"{person}, {acronym} {where}, Email: {person[0].lower()}{first}@example.org, "
        f"Tel: +{calling} 555 {serial % 10000:04d}"
    )
    text = title + "\n\n" + "\n\n".join(paragraphs) + "\n\n" + contact + "\n"
    return title, text, country, city


def slug(title, limit=60):
    out = []
    for ch in title.lower():
        out.append(ch if ch.isalnum() and ch.isascii() else "-")
    s = "-".join(p for p in "".join(out).split("-") if p)
    return s[:limit].rstrip("-")


def generate(out_dir, count, seed):
    rng = random.Random(seed)
    os.makedirs(out_dir, exist_ok=True)
    titles = set()
    total = 0
    serial = 0
    written = 0
    while written < count:
        serial += 1
        title, text, _, _ = make_release(rng, serial)
        if title in titles:
            continue
        titles.add(title)
        data = text.encode("utf-8")
        name = f"{written:05d}-{slug(title)}.txt"
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(data)
        total += len(data)
        written += 1
    return written, total


def percentile(sorted_values, p):
    """Nearest-rank percentile of an ascending list (for the bench scripts)."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * p // 100))  # ceil(n * p / 100)
    return sorted_values[int(rank) - 1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="folder to write into")
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=20240501)
    args = ap.parse_args()
    written, total = generate(args.out, args.count, args.seed)
    print(f"generated {written} files, {total / 1024 / 1024:.1f} MiB, "
          f"mean {total / max(written, 1) / 1024:.1f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
