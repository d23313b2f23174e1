#!/usr/bin/env python3
"""Regenerates the encoding fixtures of tests/data/encodings/.

Each file is one short release (title line, then one paragraph per line)
saved in a different encoding or with different line endings, to check that
`pressfeed normalize` decodes every one of them to the same clean text.
The text is written here as ordinary Python strings; only the bytes on disk
differ. Run it from anywhere: `python3 tests/data/encodings/make.py`.
The expectations for these files are in tests/data/expected.tsv.
"""

from pathlib import Path

HERE = Path(__file__).resolve().parent


def release(*lines):
    return "\n".join(lines) + "\n"


# windows-1252: Spanish accents plus the curly quotes and dash that live in
# 0x80-0x9F (‘ 0x91, ’ 0x92, “ 0x93, ” 0x94, – 0x96), which ISO-8859-1 lacks.
CP1252 = release(
    "Guatemala: más de 1.200 niños retornados reciben apoyo psicosocial",
    "Ciudad de Guatemala, Guatemala – Más de 1.200 niñas, niños y adolescentes retornados "
    "desde México y Estados Unidos recibieron atención psicosocial durante el último año "
    "en los centros de recepción de la capital y de Quetzaltenango.",
    "El programa, conocido como ‘Segunda oportunidad’, ofrece acompañamiento a cada familia "
    "durante seis meses después del retorno, con visitas a domicilio y apoyo para volver a la escuela.",
    "“Muchos llegan con miedo y sin ganas de hablar; nuestro trabajo es que vuelvan a sentirse "
    "en casa”, explicó la psicóloga Ana Lucía Pérez.",
    "Las autoridades prevén abrir un tercer centro en Huehuetenango a principios del próximo año.",
)

UTF16LE = release(
    "Cash Assistance Helps Refugee Families in Jordan Through the Summer Heat",
    "Amman, Jordan – Some 5,600 refugee families living outside camps in Amman, Zarqa and Irbid "
    "have received summer cash assistance to help them pay rent and electricity bills during "
    "the hottest months of the year.",
    "“In August our flat is like an oven, and the fan is the only thing that lets the children "
    "sleep,” said Umm Khaled, a mother of three from Homs.",
    "The assistance is paid through iris-scan cash machines at local supermarkets, so families "
    "do not need a bank account.",
)

UTF16BE = release(
    "Georgian Border Crossing Gets New Reception Area for Travellers",
    "Tbilisi, Georgia – A new reception area at the Sarpi crossing on Georgia’s border with "
    "Türkiye will give travellers a heated waiting room, drinking water, a first-aid point and "
    "information in six languages.",
    "Georgian border police say more than 9,000 people pass through the crossing on a busy "
    "summer day, many of them families with young children.",
    "The work, funded by the European Union, is expected to be finished by October.",
)

UTF8_BOM = release(
    "Paraguay Opens Its First Shelter for Women Survivors of Trafficking",
    "Asunción, Paraguay – The first public shelter in Paraguay for women who have survived "
    "human trafficking opened on Monday, with room for 24 women and their children.",
    "The shelter offers legal aid, health care and job training, and residents can stay for "
    "up to a year.",
    "“Until now, women who escaped had nowhere safe to go,” said the minister for women’s affairs.",
)

CRLF = release(
    "Cambodian Migrant Workers Learn About Safe Recruitment Before Leaving",
    "Phnom Penh, Cambodia – More than 3,400 young Cambodians planning to work abroad attended "
    "pre-departure sessions this year on their rights, recruitment fees and how to spot fake "
    "job offers.",
    "The sessions are held in provincial job centres in Battambang, Siem Reap and Prey Veng, "
    "the provinces from which most workers leave for Thailand and Malaysia.",
    "Participants also receive a hotline number that they can call from abroad.",
)

CR_ONLY = release(
    "Zambia Trains Border Officials to Identify Victims of Trafficking",
    "Lusaka, Zambia – Forty immigration and police officers from Zambia’s busiest border posts "
    "completed a week-long course on identifying and assisting victims of human trafficking.",
    "The course covered interviewing techniques, referral procedures and the rights of "
    "victims under Zambian law.",
    "A second course for officers from the Chirundu and Nakonde border posts is planned for July.",
)

# UTF-8 with characters XML 1.0 forbids: a form feed after the title, a
# BEL, an ESC and a vertical tab in the body, well past the summary's start.
CONTROL = release(
    "Solar Pumps Bring Water to Drought-Hit Villages in Fiji\x0c",
    "Suva, Fiji – Solar-powered water pumps installed in eleven villages on Vanua Levu now "
    "supply more than 2,600 people with clean water\x07, after two dry seasons left "
    "village wells empty.",
    "The pumps replace diesel generators\x1b that many villages could no longer afford to run, "
    "and each village has two trained caretakers\x0b who look after them.",
)

FILES = {
    "windows-1252.txt": (CP1252, "cp1252", "\n"),
    "utf16le-bom.txt": (UTF16LE, "utf-16-le", "\n"),
    "utf16be-bom.txt": (UTF16BE, "utf-16-be", "\n"),
    "utf8-bom.txt": (UTF8_BOM, "utf-8", "\n"),
    "crlf.txt": (CRLF, "utf-8", "\r\n"),
    "cr-only.txt": (CR_ONLY, "utf-8", "\r"),
    "control-chars.txt": (CONTROL, "utf-8", "\n"),
}

BOMS = {
    "utf16le-bom.txt": b"\xff\xfe",
    "utf16be-bom.txt": b"\xfe\xff",
    "utf8-bom.txt": b"\xef\xbb\xbf",
}


def main():
    for name, (text, encoding, newline) in FILES.items():
        data = BOMS.get(name, b"") + text.replace("\n", newline).encode(encoding)
        (HERE / name).write_bytes(data)
    # The windows-1252 file must really use the 0x80-0x9F punctuation.
    raw = (HERE / "windows-1252.txt").read_bytes()
    assert all(b in raw for b in (b"\x91", b"\x92", b"\x93", b"\x94", b"\x96")), raw


if __name__ == "__main__":
    main()
