"""Screening pages: who may use them, the quick and full flows, interpreter mode, language, library edit."""

from __future__ import annotations

import re

import pytest

from haven.accounts.permissions import MATRIX, Perm, Role
from haven.audit.models import AuditEvent
from haven.screening import selectors, services
from haven.screening.engine import NEXT_STEP_TEXT, OUTCOME_TEXT, Outcome
from haven.screening.library import default_library
from haven.screening.models import LibraryDraft, LibraryVersion, Screening

pytestmark = pytest.mark.django_db

RUNNERS = [role for role in Role if Perm.SCREENING_RUN in MATRIX[role]]
NON_RUNNERS = [role for role in Role if Perm.SCREENING_RUN not in MATRIX[role]]
# The start page's two first answers: a private place to talk, and the information given (in English).
START = {"private_space": "yes", "information_language": "en"}
LIBRARY = default_library()


def question_ids(html: str) -> list[str]:
    return re.findall(r'data-question="([^"]+)"', html)


@pytest.fixture
def volunteer(make_user):
    return make_user(Role.VOLUNTEER)


def test_the_roles_that_run_screenings_are_the_front_line_roles():
    assert set(RUNNERS) == {Role.VOLUNTEER, Role.CASEWORKER, Role.CASE_MANAGER}


@pytest.mark.parametrize("role", RUNNERS, ids=str)
def test_front_line_roles_can_open_the_start_page(role, make_user, signed_in):
    response = signed_in(make_user(role)).get("/screening/")
    assert response.status_code == 200
    assert b'data-action="start-screening"' in response.content


@pytest.mark.parametrize("role", NON_RUNNERS, ids=str)
def test_other_roles_are_refused_the_screening_pages(role, make_user, signed_in):
    client = signed_in(make_user(role, None if role == Role.ADMIN else "North"))
    assert client.get("/screening/").status_code == 403
    assert client.post("/screening/", {**START, "kind": "quick", "age": "30"}).status_code == 403
    assert Screening.objects.count() == 0


def test_signed_out_visitors_are_sent_to_sign_in_but_may_read_the_explanation(client):
    response = client.get("/screening/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    about = client.get("/screening/about/")
    assert about.status_code == 200
    text = about.content.decode()
    assert "Palermo" in text and "UNODC" in text and "ILO" in text
    assert "No single sign proves or disproves anything." in text
    assert "Screening is not identification." in text


def test_a_quick_screening_asks_the_quick_questions_safety_first_and_shows_the_result(volunteer, signed_in):
    client = signed_in(volunteer)
    response = client.post("/screening/", {**START, "kind": "quick", "age": "29"})
    assert response.status_code == 302
    screening = Screening.objects.get()
    assert screening.created_by == volunteer
    page = client.get(response["Location"], follow=True)
    ids = question_ids(page.content.decode())
    asked = [ind.id for ind in selectors.quick_questions(LIBRARY, child=False)]
    noticed = [ind.id for ind in selectors.observed_signs(LIBRARY, child=False)]
    assert ids == asked + noticed
    assert "sa.child_alone" not in ids  # an adult is not asked about parents
    assert all(LIBRARY.get(i).observed for i in noticed)
    assert 8 <= len(asked) <= 12
    groups = [LIBRARY.get(i).group for i in asked]
    assert groups[: groups.count("safety")] == ["safety"] * groups.count("safety")
    assert groups.count("safety") >= 2

    answers = {i: "no" for i in asked}
    answers.update({"dr.job_nature": "yes", "ec.earnings_taken": "yes", "cd.documents_held": "yes"})
    done = client.post(f"/screening/{screening.uid}/quick/", {**answers, "action": "finish"})
    assert done.status_code == 302
    result = client.get(done["Location"])
    assert result.status_code == 200
    screening.refresh_from_db()
    assert screening.status == Screening.Status.COMPLETE
    text = result.content.decode()
    outcome = Outcome(screening.outcome)
    assert f'data-outcome="{outcome.value}"' in text
    assert OUTCOME_TEXT[outcome] in text
    for step in screening.result["next_steps"]:
        assert NEXT_STEP_TEXT[step["code"]].replace("'", "&#x27;") in text
    assert "Is the work different from what you were promised" in text  # the question behind a reason
    assert "It is not an identification" in text


def test_an_immediate_danger_answer_puts_safety_first(volunteer, signed_in):
    client = signed_in(volunteer)
    screening = services.screening_start(
        actor=volunteer, kind="quick", age=40, age_in_doubt=False, information_language="en"
    )
    client.post(f"/screening/{screening.uid}/quick/", {"sa.immediate_danger": "yes", "action": "finish"})
    text = client.get(f"/screening/{screening.uid}/result/").content.decode()
    assert 'data-outcome="immediate_danger"' in text
    assert "Safety first" in text


def test_a_bad_answer_value_gets_the_form_back_with_400_and_saves_nothing(volunteer, signed_in):
    client = signed_in(volunteer)
    screening = services.screening_start(
        actor=volunteer, kind="quick", age=40, age_in_doubt=False, information_language="en"
    )
    response = client.post(f"/screening/{screening.uid}/quick/", {"cd.threats": "maybe", "action": "finish"})
    assert response.status_code == 400
    screening.refresh_from_db()
    assert screening.answers == {}
    assert screening.status == Screening.Status.IN_PROGRESS


def test_a_bad_age_gets_the_start_form_back_with_400(volunteer, signed_in):
    response = signed_in(volunteer).post("/screening/", {**START, "kind": "quick", "age": "abc"})
    assert response.status_code == 400
    assert Screening.objects.count() == 0


def test_a_full_screening_is_saved_per_section_and_continued_later(volunteer, signed_in, client):
    client = signed_in(volunteer)
    response = client.post("/screening/", {**START, "kind": "full", "age": "", "age_not_sure": "on"})
    screening = Screening.objects.get()
    assert screening.age is None and screening.age_in_doubt
    overview = client.get(response["Location"])
    sections = selectors.sections(LIBRARY, child=True)
    assert sections[0] == "safety"
    assert sections[-1] == "observed"
    assert overview.status_code == 200

    first = client.get(f"/screening/{screening.uid}/section/{sections[0]}/")
    assert question_ids(first.content.decode()) == [
        i.id for i in selectors.section_questions(LIBRARY, "safety", child=True)
    ]
    saved = client.post(
        f"/screening/{screening.uid}/section/safety/", {"sa.child_alone": "yes", "action": "continue"}
    )
    assert saved["Location"].endswith(f"/section/{sections[1]}/")
    stop = client.post(
        f"/screening/{screening.uid}/section/{sections[1]}/", {"dr.job_nature": "unknown", "action": "stop"}
    )
    assert stop["Location"] == "/screening/"

    # Later, in another conversation: the screening is listed, and its answers are still there.
    later = signed_in(volunteer)
    listing = later.get("/screening/").content.decode()
    assert f"/screening/{screening.uid}/" in listing
    again = later.get(f"/screening/{screening.uid}/section/{sections[1]}/").content.decode()
    assert re.search(r'name="dr.job_nature" value="unknown"[^>]*checked', again)
    screening.refresh_from_db()
    assert screening.answers == {"sa.child_alone": "yes", "dr.job_nature": "unknown"}

    finish = later.post(f"/screening/{screening.uid}/complete/")
    assert finish.status_code == 302
    screening.refresh_from_db()
    assert screening.outcome == Outcome.CHILD_SAFEGUARDING
    assert (
        f"/screening/{screening.uid}/"
        not in later.get("/screening/").content.decode().split('data-list="completed"')[0]
    )


def test_an_unknown_section_is_not_found(volunteer, signed_in):
    screening = services.screening_start(
        actor=volunteer, kind="full", age=40, age_in_doubt=False, information_language="en"
    )
    assert signed_in(volunteer).get(f"/screening/{screening.uid}/section/no_such_group/").status_code == 404


@pytest.mark.parametrize("role", RUNNERS, ids=str)
def test_a_screening_run_by_someone_else_answers_404(role, volunteer, make_user, signed_in):
    screening = services.screening_start(
        actor=volunteer, kind="quick", age=40, age_in_doubt=False, information_language="en"
    )
    client = signed_in(make_user(role))
    for path in ("", "quick/", "result/", "section/safety/"):
        assert client.get(f"/screening/{screening.uid}/{path}").status_code == 404
    assert client.post(f"/screening/{screening.uid}/complete/").status_code == 404


def test_interpreter_mode_shows_the_short_sentences_and_keeps_the_mode(volunteer, signed_in):
    client = signed_in(volunteer)
    screening = services.screening_start(
        actor=volunteer, kind="quick", age=40, age_in_doubt=False, information_language="en"
    )
    danger = LIBRARY.get("sa.immediate_danger")
    normal = client.get(f"/screening/{screening.uid}/quick/").content.decode()
    assert f"<legend>{danger.text.en}</legend>" in normal
    short = client.get(f"/screening/{screening.uid}/quick/?mode=interpreter").content.decode()
    assert f"<legend>{danger.interpreter.en}</legend>" in short
    assert 'name="mode" value="interpreter"' in short
    done = client.post(f"/screening/{screening.uid}/quick/?mode=interpreter", {"action": "finish"})
    assert done["Location"].endswith("/result/?mode=interpreter")


def test_questions_follow_the_interface_language(volunteer, signed_in):
    client = signed_in(volunteer)
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    screening = services.screening_start(
        actor=volunteer, kind="quick", age=40, age_in_doubt=False, information_language="en"
    )
    page = client.get(f"/screening/{screening.uid}/quick/").content.decode()
    danger = LIBRARY.get("sa.immediate_danger")
    assert danger.text.fr.replace("'", "&#x27;") in page
    assert danger.text.en not in page


# --- library edit -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role", [r for r in Role if r not in (Role.PROGRAMME_MANAGER, Role.CASE_MANAGER)], ids=str
)
def test_only_the_programme_manager_and_the_case_manager_may_open_the_library(role, make_user, signed_in):
    client = signed_in(make_user(role, None if role == Role.ADMIN else "North"))
    assert client.get("/screening/library/").status_code == 403


def test_a_library_change_is_drafted_by_one_person_and_activated_by_another(make_user, signed_in, volunteer):
    old = services.screening_start(
        actor=volunteer, kind="quick", age=40, age_in_doubt=False, information_language="en"
    )
    author = make_user(Role.PROGRAMME_MANAGER)
    writer = signed_in(author)
    assert writer.get("/screening/library/").status_code == 200
    created = writer.post("/screening/library/drafts/new/")
    draft = LibraryDraft.objects.get()
    assert created["Location"] == f"/screening/library/drafts/{draft.uid}/"
    target = LIBRARY.get("cd.threats")
    form = writer.get(f"/screening/library/drafts/{draft.uid}/indicators/cd.threats/")
    assert form.status_code == 200 and target.text.en in form.content.decode()
    fields = {
        "text_en": "Has anyone threatened to harm you if you do not obey?",
        "text_fr": target.text.fr,
        "interpreter_en": target.interpreter.en,
        "interpreter_fr": target.interpreter.fr,
        "child_text_en": target.child_text.en,
        "child_text_fr": target.child_text.fr,
        "quick": "on",
        **{f"grade_{name}": grade for name, grade in target.grades},
    }
    saved = writer.post(f"/screening/library/drafts/{draft.uid}/indicators/cd.threats/", fields)
    assert saved.status_code == 302
    # The author may not approve their own draft: the page does not offer it, the service refuses it.
    own = writer.get(f"/screening/library/drafts/{draft.uid}/").content.decode()
    assert 'data-action="approve-draft"' not in own
    assert (
        writer.post(f"/screening/library/drafts/{draft.uid}/approve/", {"confirm": "on"}).status_code == 400
    )
    assert LibraryVersion.objects.get(is_active=True).version == default_library().version

    reviewer = signed_in(make_user(Role.CASE_MANAGER, "North"))
    page = reviewer.get(f"/screening/library/drafts/{draft.uid}/").content.decode()
    assert 'data-checks="passed"' in page and 'data-action="approve-draft"' in page
    unconfirmed = reviewer.post(f"/screening/library/drafts/{draft.uid}/approve/", {})
    assert unconfirmed.status_code == 400
    approved = reviewer.post(f"/screening/library/drafts/{draft.uid}/approve/", {"confirm": "on"})
    assert approved.status_code == 302
    active = LibraryVersion.objects.get(is_active=True)
    assert active.version == str(int(default_library().version) + 1)
    assert (active.created_by, active.approved_by.role) == (author, Role.CASE_MANAGER.value)
    assert active.library().get("cd.threats").text.en == fields["text_en"]
    old.refresh_from_db()
    assert old.library_version.version == default_library().version


def test_an_indicator_edit_that_breaks_the_library_gets_the_form_back_with_the_problem(make_user, signed_in):
    client = signed_in(make_user(Role.PROGRAMME_MANAGER))
    client.post("/screening/library/drafts/new/")
    draft = LibraryDraft.objects.get()
    target = LIBRARY.get("cd.threats")
    fields = {
        "text_en": target.text.en,
        "text_fr": target.text.fr,
        "interpreter_en": "one two three four five six seven eight nine ten eleven twelve thirteen",
        "interpreter_fr": target.interpreter.fr,
    }
    response = client.post(f"/screening/library/drafts/{draft.uid}/indicators/cd.threats/", fields)
    assert response.status_code == 400
    assert "at most 12 allowed" in response.content.decode()
    draft.refresh_from_db()
    assert draft.library().get("cd.threats") == LIBRARY.get("cd.threats")


@pytest.mark.parametrize(
    ("fields", "age", "doubt"),
    [
        ({"age": "34"}, 34, False),
        ({"age": "", "age_not_sure": "on"}, None, True),
        ({"age": "19", "looks_younger": "on"}, 19, True),
    ],
    ids=["adult-age-given", "not-sure", "looks-younger"],
)
def test_the_start_page_records_the_age_answer_as_given(volunteer, signed_in, fields, age, doubt):
    response = signed_in(volunteer).post("/screening/", {**START, "kind": "quick", **fields})
    assert response.status_code == 302
    screening = Screening.objects.get()
    assert (screening.age, screening.age_in_doubt) == (age, doubt)


def test_a_screening_without_an_age_answer_is_not_started_and_the_page_asks_for_it(volunteer, signed_in):
    response = signed_in(volunteer).post("/screening/", {**START, "kind": "quick", "age": ""})
    assert response.status_code == 400
    assert "Give the age the person says, or tick that they are not sure of it." in response.content.decode()
    assert Screening.objects.count() == 0


def test_a_child_is_asked_the_childs_questions_in_the_childs_words(volunteer, signed_in):
    client = signed_in(volunteer)
    response = client.post("/screening/", {**START, "kind": "quick", "age": "14"})
    page = client.get(response["Location"], follow=True).content.decode()
    ids = question_ids(page)
    assert "sa.child_alone" in ids
    alone = LIBRARY.get("sa.child_alone")
    assert alone.child_text is not None and alone.child_text.en in page
    assert LIBRARY.get("cd.documents_held").text.en not in page  # the adult wording is not shown


def test_the_full_screening_asks_a_child_the_sexual_exploitation_questions_in_a_childs_words(
    volunteer, signed_in
):
    client = signed_in(volunteer)
    response = client.post("/screening/", {**START, "kind": "full", "age": "15"})
    screening = Screening.objects.get()
    page = client.get(f"/screening/{screening.uid}/section/exploitative_conditions/").content.decode()
    sexual = LIBRARY.get("ec.sexual_acts")
    assert sexual.child_text is not None and sexual.child_text.en in page
    assert sexual.text.en not in page
    assert response.status_code == 302


def test_when_the_person_cannot_talk_privately_nothing_starts_and_the_page_says_what_to_do(
    volunteer, signed_in
):
    response = signed_in(volunteer).post(
        "/screening/", {**START, "private_space": "no", "kind": "quick", "age": "30"}
    )
    assert response.status_code == 200
    assert 'data-block="not-private"' in response.content.decode()
    assert Screening.objects.count() == 0


def test_a_screening_needs_the_information_given_first_and_records_its_language(volunteer, signed_in):
    client = signed_in(volunteer)
    refused = client.post("/screening/", {"private_space": "yes", "kind": "quick", "age": "30"})
    assert refused.status_code == 400
    assert Screening.objects.count() == 0
    client.post("/screening/", {**START, "information_language": "fr", "kind": "quick", "age": "30"})
    assert Screening.objects.get().information_language == "fr"
    assert AuditEvent.objects.get(action="screening.started").detail["information_language"] == "fr"


def test_the_information_page_is_in_the_persons_language_whatever_the_interface(volunteer, signed_in):
    page = signed_in(volunteer).get("/screening/information/fr/").content.decode()
    assert "Rien de ce que vous dites" in page
    assert signed_in(volunteer).get("/screening/information/de/").status_code == 404


def test_the_quick_page_shows_the_safety_steps_at_once_and_the_confidentiality_note(volunteer, signed_in):
    client = signed_in(volunteer)
    response = client.post("/screening/", {**START, "kind": "quick", "age": "30"})
    page = client.get(response["Location"], follow=True).content.decode()
    assert 'data-block="safety-steps"' in page
    assert 'data-block="confidential"' in page
    assert "<script" not in page


def test_observed_signs_are_recorded_apart_and_count_as_signs(volunteer, signed_in):
    client = signed_in(volunteer)
    response = client.post("/screening/", {**START, "kind": "quick", "age": "30"})
    screening = Screening.objects.get()
    asked = {ind.id: "no" for ind in selectors.quick_questions(LIBRARY, child=False)}
    noticed = {"ob.someone_answers": "yes", "ob.injuries": "yes"}
    client.post(f"/screening/{screening.uid}/quick/", {**asked, **noticed, "action": "finish"})
    screening.refresh_from_db()
    assert screening.answers["ob.injuries"] == "yes"
    # Two medium signs (ILO-EC): some signs, though every question was answered no.
    assert screening.outcome == "some_signs"
    assert response.status_code == 302


def test_an_unfinished_screening_can_be_discarded_after_confirming(volunteer, signed_in):
    client = signed_in(volunteer)
    screening = services.screening_start(
        actor=volunteer, kind="quick", age=30, age_in_doubt=False, information_language="en"
    )
    ask = client.get(f"/screening/{screening.uid}/discard/")
    assert ask.status_code == 200 and 'data-action="confirm-discard"' in ask.content.decode()
    assert Screening.objects.count() == 1
    done = client.post(f"/screening/{screening.uid}/discard/", {"confirm": "yes"})
    assert done.status_code == 302
    assert Screening.objects.count() == 0
    assert AuditEvent.objects.filter(action="screening.discarded", object_id=str(screening.uid)).exists()
