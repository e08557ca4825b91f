"""`has_valid_security_training(user, on=None)`: the rule that high-risk and safe-house assignment relies on
(seed 4.2, point 3: personal security training is mandatory before such work)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from haven.accounts.permissions import Role
from haven.staff.selectors import has_valid_security_training
from haven.staff.services import staff_member_create, staff_member_update, training_record

JAN_1 = date(2026, 1, 1)


@pytest.fixture
def programme(make_user):
    return make_user(Role.PROGRAMME_MANAGER)


@pytest.fixture
def worker(make_user):
    return make_user(Role.CASEWORKER)


@pytest.fixture
def registered(programme, worker):
    return staff_member_create(actor=programme, name="Sam Test", kind="staff", user=worker)


def test_an_account_outside_the_register_has_no_valid_security_training(worker):
    assert has_valid_security_training(worker) is False
    assert has_valid_security_training(None) is False


def test_a_registered_person_without_the_training_has_none(registered, worker):
    assert has_valid_security_training(worker) is False


def test_the_training_counts_from_the_day_it_was_completed_until_it_expires(programme, registered, worker):
    training_record(
        actor=programme,
        member=registered,
        kind="personal_security",
        completed_on=JAN_1,
        expires_on=date(2027, 1, 1),
    )
    assert has_valid_security_training(worker, on=JAN_1 - timedelta(days=1)) is False
    assert has_valid_security_training(worker, on=JAN_1) is True
    assert has_valid_security_training(worker, on=date(2027, 1, 1)) is True
    assert has_valid_security_training(worker, on=date(2027, 1, 2)) is False


def test_a_training_without_an_expiry_date_stays_valid(programme, registered, worker):
    training_record(actor=programme, member=registered, kind="personal_security", completed_on=JAN_1)
    assert has_valid_security_training(worker, on=date(2030, 6, 1)) is True


def test_other_trainings_do_not_count_as_security_training(programme, registered, worker):
    for kind in ("trafficking_awareness", "data_protection", "psychosocial_first_aid"):
        training_record(actor=programme, member=registered, kind=kind, completed_on=JAN_1)
    assert has_valid_security_training(worker, on=date(2026, 6, 1)) is False


def test_a_renewed_training_makes_an_expired_one_valid_again(programme, registered, worker):
    training_record(
        actor=programme,
        member=registered,
        kind="personal_security",
        completed_on=JAN_1,
        expires_on=date(2026, 3, 1),
    )
    assert has_valid_security_training(worker, on=date(2026, 4, 1)) is False
    training_record(
        actor=programme, member=registered, kind="personal_security", completed_on=date(2026, 4, 1)
    )
    assert has_valid_security_training(worker, on=date(2026, 4, 1)) is True


def test_an_inactive_register_entry_has_no_valid_training(programme, registered, worker):
    training_record(actor=programme, member=registered, kind="personal_security", completed_on=JAN_1)
    staff_member_update(actor=programme, member=registered, role="", team=None, supporter=None, active=False)
    assert has_valid_security_training(worker, on=date(2026, 6, 1)) is False


def test_today_is_the_default_day(programme, registered, worker):
    today = timezone.localdate()
    training_record(actor=programme, member=registered, kind="personal_security", completed_on=today)
    assert has_valid_security_training(worker) is True


def test_a_training_cannot_be_recorded_in_the_future_nor_expire_before_it_was_completed(
    programme, registered
):
    with pytest.raises(ValidationError):
        training_record(
            actor=programme,
            member=registered,
            kind="personal_security",
            completed_on=timezone.localdate() + timedelta(days=1),
        )
    with pytest.raises(ValidationError):
        training_record(
            actor=programme,
            member=registered,
            kind="personal_security",
            completed_on=JAN_1,
            expires_on=date(2025, 1, 1),
        )


def test_only_the_programme_manager_records_trainings(registered, worker):
    with pytest.raises(PermissionDenied):
        training_record(actor=worker, member=registered, kind="personal_security", completed_on=JAN_1)
