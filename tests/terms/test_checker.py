"""The terminology checker flags every phrase of the guide's table (seed, Annex I), in English and in French,
with the alternatives the guide suggests; the empowering-language advice and the labels that harm too.

The expected alternatives are written here from the guide's own table, not read from the rules."""

from __future__ import annotations

import pytest

from haven.terms.checker import check, highlight, load_rules, rules

# The guide's table: "Instead of" → words of its "Consider using" column.
GUIDE_TABLE_EN = [
    ("Prevention of human trafficking", "awareness-raising on the risks of human trafficking"),
    ("Fighting human trafficking", "protecting vulnerable groups from human trafficking"),
    ("Combatting human trafficking", "reducing the risks of human trafficking"),
    ("Combating human trafficking", "reducing the risks of human trafficking"),
    ("The fight against human trafficking", "action to protect vulnerable groups from human trafficking"),
    ("Anti-trafficking activities", "activities to protect against human trafficking"),
]

# The same table as a French text would say it, with French suggestions.
GUIDE_TABLE_FR = [
    ("La prévention de la traite des êtres humains", "sensibilisation aux risques de la traite"),
    ("Lutter contre la traite des êtres humains", "protéger les groupes vulnérables face à la traite"),
    ("Combattre la traite", "réduire les risques de traite"),
    ("La lutte contre la traite des êtres humains", "action pour protéger les groupes vulnérables"),
    ("Des activités anti-traite", "activités de protection contre la traite"),
]


def suggestions(text: str, lang: str) -> list[str]:
    return [s.lower() for f in check(text, [lang]) for s in f.rule.instead]


@pytest.mark.parametrize(("phrase", "suggested"), GUIDE_TABLE_EN)
def test_every_phrase_of_the_guides_table_is_flagged_in_english_with_its_alternative(phrase, suggested):
    assert any(suggested in s for s in suggestions(phrase, "en")), phrase


@pytest.mark.parametrize(("phrase", "suggested"), GUIDE_TABLE_FR)
def test_every_phrase_of_the_guides_table_is_flagged_in_french_with_a_french_alternative(phrase, suggested):
    assert any(suggested in s for s in suggestions(phrase, "fr")), phrase


@pytest.mark.parametrize(
    ("text", "lang", "flagged"),
    [
        ("Volunteers rescued three women.", "en", "rescued"),
        ("We support victims in the shelter.", "en", "victims"),
        ("The identification of victims starts at the border.", "en", "identification of victims"),
        ("He is an illegal migrant.", "en", "illegal migrant"),
        ("Prostitutes were found in the flat.", "en", "Prostitutes"),
        ("She was kept as a sex slave.", "en", "sex slave"),
        ("Modern slavery is everywhere.", "en", "Modern slavery"),
        ("The smuggled women were forced into prostitution.", "en", "smuggled women were forced"),
        ("Nous avons sauvé trois femmes.", "fr", "sauvé"),
        ("Les victimes sont hébergées.", "fr", "victimes"),
        ("Une victime identifiée par la Croix-Rouge.", "fr", "victime identifiée"),
        ("Un migrant illégal a été arrêté.", "fr", "migrant illégal"),
        ("Des prostituées dans la rue.", "fr", "prostituées"),
        ("Elle était une esclave sexuelle.", "fr", "esclave sexuelle"),
        ("L'esclavage moderne touche des millions de personnes.", "fr", "esclavage moderne"),
        ("Le trafic d'êtres humains augmente.", "fr", "trafic d'êtres humains"),
    ],
)
def test_empowering_language_and_harmful_labels_are_flagged(text, lang, flagged):
    assert [f.text for f in check(text, [lang])] == [flagged]


@pytest.mark.parametrize(
    "text",
    [
        "Awareness-raising on the risks of human trafficking.",
        "We assist people who have experienced trafficking and refer them to the contact person.",
        "Article 11 of the Directive gives victims of trafficking a right to assistance.",
        "The UK Modern Slavery Act requires a statement.",
        "Smuggling ends on arrival; trafficking goes on with control and exploitation.",
        "Sensibilisation aux risques de la traite des êtres humains.",
        "La Convention du Conseil de l'Europe sur la lutte contre la traite des êtres humains.",
        "La loi reconnaît la qualité de victime.",
        "Les premiers secours et la sauvegarde de l'enfant.",
    ],
)
def test_texts_in_the_guides_words_or_citing_law_are_not_flagged(text):
    assert check(text) == []


def test_an_identified_victim_is_reported_once_by_the_more_precise_rule():
    findings = check("They met an identified victim.")
    assert [(f.text, f.rule.id) for f in findings] == [("identified victim", "en.identified_victim")]


def test_a_finding_says_where_it_is():
    finding = check("First line.\nWe rescue people.")[0]
    assert (finding.line, finding.column, finding.text) == (2, 4, "rescue")


def test_the_highlight_gives_back_the_whole_text_with_the_findings_marked():
    text = "We rescue victims here."
    segments = highlight(text, check(text))
    assert "".join(s.text for s in segments) == text
    assert [s.text for s in segments if s.finding] == ["rescue", "victims"]


def test_every_rule_says_why_and_what_instead_in_its_own_language():
    loaded = rules()
    assert {r.lang for r in loaded} == {"en", "fr"}
    assert {r.source for r in loaded} == {"guide-table", "empowering", "harmful-label"}
    assert all(r.why and r.instead for r in loaded)


def test_a_rule_without_alternatives_is_refused():
    data = {"rules": [{"id": "x", "lang": "en", "source": "empowering", "phrase": "x", "pattern": "x"}]}
    with pytest.raises(ValueError, match="lacks 'why'"):
        load_rules(data)
