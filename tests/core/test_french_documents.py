"""The printed documents in French: the evidence brief, the case summary and the referral letter read back
from their PDF (pypdf) show no English (tests/core/french.py), and their dates are in French words."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.utils import timezone, translation

from haven.accounts.models import User
from haven.accounts.permissions import Role
from haven.cases import services as cases
from haven.evidence.brief import evidence_brief
from haven.evidence.models import Export
from haven.evidence.selectors import budget_status
from haven.followup import services as followup
from haven.followup.summary import sections_allowed
from haven.referrals import services as referrals
from tests.core.french import english_in
from tests.core.test_french_everywhere import enrich, pdf_texts
from tests.evidence.url_access import stored_release
from tests.referrals.helpers import give_consent, north_case, organisation

pytestmark = pytest.mark.django_db

# Typed by hand: the months in French and in English.
FRENCH_MONTHS = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split()
ENGLISH_MONTHS = (
    "January February March April May June July August September October November December".split()
)


@pytest.fixture
def users(users_by_role: dict[Role, User], make_user: Callable[..., User]) -> dict[str, User]:
    return {role.value: user for role, user in users_by_role.items()}


def _no_english(texts: list[str]) -> None:
    findings = english_in(texts)
    assert not findings, "English in a French document:\n  " + "\n  ".join(str(f) for f in findings)


def test_the_evidence_brief_is_in_french_for_a_french_reader(users: dict[str, User]) -> None:
    release = stored_release()
    Export.objects.create(
        k=11,
        qi=["gender", "ageBroad"],
        max_suppression=0.1,
        rows_in=40,
        rows_out=36,
        suppressed=4,
        gcp=0.125,
        records_in_scope=40,
    )
    with translation.override("fr"):
        pdf = evidence_brief(
            releases=[release],
            exports=list(Export.objects.all()),
            budget=budget_status(),
            generated_at=timezone.now(),
        )
    texts = pdf_texts(pdf)
    _no_english(texts)
    text = " ".join(texts)
    month = timezone.localdate().month - 1
    assert FRENCH_MONTHS[month] in text and ENGLISH_MONTHS[month] not in text
    assert "Effectif par Genre" in text  # the column in words, not "gender"
    assert "Féminin" in text and "Masculin" in text and "moins de 5" in text
    assert "0,125" in text and "10,0 %" in text  # the decimal comma


def test_the_evidence_brief_stays_english_for_an_english_reader(users: dict[str, User]) -> None:
    stored_release()
    with translation.override("en"):
        from haven.evidence.selectors import releases

        pdf = evidence_brief(
            releases=list(releases()), exports=[], budget=budget_status(), generated_at=timezone.now()
        )
    text = " ".join(pdf_texts(pdf))
    assert "Count by Gender" in text and "Female" in text and "fewer than 5" in text


def test_the_case_summary_printed_in_french_has_no_english(users: dict[str, User]) -> None:
    manager = users[Role.CASE_MANAGER.value]
    case = north_case(users, name="Test Person Summary")
    enrich(case.code, manager)
    document = followup.case_summary_print(
        actor=manager, case=case, sections=sections_allowed(manager), language="fr"
    )
    texts = pdf_texts(document)
    _no_english(texts)
    text = " ".join(texts)
    assert FRENCH_MONTHS[timezone.localdate().month - 1] in text  # "Imprimé le 29 novembre 2026"
    assert "Étape : Repérage" in text and "Rendez-vous" in text  # (the PDF reads a no-break space as a space)


def test_a_referral_letter_to_a_french_speaking_service_has_no_english(users: dict[str, User]) -> None:
    manager = users[Role.CASE_MANAGER.value]
    case = north_case(users, name="Test Person Letter")
    cases.task_add(actor=manager, case=case, due_on=date(2030, 1, 1), kind="appointment")
    org = organisation("FR-LETTER", languages=["fr"])
    give_consent(users, case, org.code)
    referral = referrals.referral_draft(
        actor=manager, case=case, organisation=org, need_domain="accommodation"
    )
    texts = pdf_texts(referrals.referral_letter(actor=manager, referral=referral, fmt="pdf"))
    _no_english(texts)
    assert "Langue : français" in texts  # the language by its French name, not its code
