"""The legal framework (Annex III), the guidance cards and the advocacy log."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from haven.accounts.permissions import Role
from haven.organisation import catalogue, services
from tests.evidence.url_access import stored_release

# Annex III, by hand: 5 global, 3 European, 6 further regional instruments.
ANNEX_III = {"global": 5, "european": 3, "regional": 6}


def test_the_legal_framework_lists_every_instrument_of_annex_iii_with_a_link_in_both_languages():
    for lang in ("en", "fr"):
        found = catalogue.instruments(lang)
        counts = {level: sum(1 for i in found if i.level == level) for level in ANNEX_III}
        assert counts == ANNEX_III
        assert all(i.link.startswith(("https://", "http://")) and i.summary for i in found)


def test_a_society_records_its_national_law_and_everyone_reads_it(make_user, signed_in):
    programme = make_user(Role.PROGRAMME_MANAGER)
    services.national_reference_add(
        actor=programme,
        kind="referral_mechanism",
        title="National referral mechanism (test)",
        link="https://example.test/nrm",
    )
    page = signed_in(make_user(Role.VOLUNTEER)).get("/organisation/legal/").content.decode()
    assert "National referral mechanism (test)" in page
    assert 'data-instrument="coe.cets197"' in page


def test_the_guidance_cards_are_searchable_in_english_and_french():
    assert [c.key for c in catalogue.search_cards("interpreter", "en")] == ["consent_interpreter"]
    assert [c.key for c in catalogue.search_cards("interprète", "fr")] == ["consent_interpreter"]
    assert {c.key for c in catalogue.cards("en")} == {
        "approach",
        "consent_interpreter",
        "child",
        "own_safety",
        "link_refer",
        "no_promises",
    }


def test_the_guidance_page_finds_a_card(make_user, signed_in):
    page = signed_in(make_user(Role.VOLUNTEER)).get("/organisation/guidance/?q=promise").content.decode()
    assert 'data-card="no_promises"' in page and 'data-card="child"' not in page


def test_an_ask_from_a_template_with_its_evidence_release_and_a_meeting(make_user, db):
    programme = make_user(Role.PROGRAMME_MANAGER)
    template = catalogue.ask_templates("en")[1]
    release = stored_release()
    ask = services.advocacy_ask_create(
        actor=programme,
        text=template.text,
        authority="Ministry of the Interior (test)",
        template=template.key,
        release=release,
    )
    services.advocacy_meeting_add(
        actor=programme,
        ask=ask,
        met_on=ask.created_at.date(),
        with_whom="Policy unit",
        outcome="Agreed to review.",
        status="partly_met",
    )
    ask.refresh_from_db()
    assert (ask.status, ask.release, ask.meetings.count()) == ("partly_met", release, 1)


def test_the_advocacy_templates_are_the_nine_asks_of_section_4_3():
    assert len(catalogue.ask_templates("en")) == 9
    assert len(catalogue.ask_templates("fr")) == 9


def test_an_unknown_template_is_refused(make_user):
    with pytest.raises(ValidationError):
        services.advocacy_ask_create(
            actor=make_user(Role.PROGRAMME_MANAGER), text="x", authority="y", template="nope"
        )


@pytest.mark.parametrize(
    ("path", "card"),
    [("/screening/", "approach"), ("/screening/", "no_promises"), ("/cases/new/", "no_promises")],
)
def test_the_guidance_cards_are_linked_from_the_screens_where_they_are_needed(
    make_user, signed_in, path, card
):
    page = signed_in(make_user(Role.CASE_MANAGER)).get(path).content.decode()
    assert f'href="/organisation/guidance/{card}/" data-guidance="{card}"' in page


def test_every_card_opens_in_both_languages(make_user, signed_in):
    client = signed_in(make_user(Role.VOLUNTEER))
    for card in catalogue.cards("en"):
        assert client.get(f"/organisation/guidance/{card.key}/").status_code == 200
    assert {c.key for c in catalogue.cards("fr")} == {c.key for c in catalogue.cards("en")}
