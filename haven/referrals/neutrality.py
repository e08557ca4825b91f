"""The neutrality guard: ONE function between case data and any organisation.

Every path that sends, prints, exports or shares case data with an organisation asks `guard_outgoing` first
and hands the `Clearance` it returns to the function that produces the data (`haven.referrals.outgoing`);
those producers refuse to run without a clearance for that case, organisation and kind of output, so a new
path cannot skip the guard. `tests/referrals/test_neutrality.py` walks every such path.

The rules (seed 4.1, neutrality and independence; PRODUCT.md principle 2):
- law enforcement, prosecution and courts never receive case data from Haven: no referral, letter, export,
  share or consent naming them, whatever the role, the consent or an override;
- the immigration service receives data only when the person asked for it to obtain a residence permit and
  the case manager recorded that request (`ResidencePermitRequest`);
- the one exception to the first rule is a disclosure that the law compels, answering a registered request
  from that authority (`AuthorityRequest`), approved by a case manager and by the data protection officer
  (two different people) with a written reason and the person's interest recorded. The guard checks all of
  that itself, so even this path goes through the one function. It is never a referral, a letter or an
  export: only `what="disclosure"` can carry it.
- a confidential dialogue with authorities carries no case data and needs no clearance: it is a meeting note.

A refusal raises `NeutralityRefused` (a permission refusal): every channel audits it where the request ends
(`access.denied`, what `neutrality.refused`) and the API answers 403 with the code `neutrality_refused`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from haven.cases.models import Case
    from haven.referrals.models import AuthorityRequest, Organisation

ALWAYS_REFUSED = frozenset({"law_enforcement", "prosecution", "court"})
ON_PERSONS_REQUEST = frozenset({"immigration"})
# What may leave Haven for an organisation, by kind (the guard's `what`).
WHAT = ("referral", "letter", "payload", "share", "export", "consent", "best_interests", "disclosure")
CHANNELS = ("web", "api", "cli", "service")

EXPLANATION = _(
    "Haven does not share case data with the police, prosecution services or courts. The Red Cross and Red "
    "Crescent Movement is neutral and independent: the people it assists must be able to trust that what "
    "they tell it does not go to the authorities. A contact with an authority can be a confidential dialogue "
    "(recorded as a meeting note, with the person's consent, without the case file). The immigration service "
    "receives data only when the person asks for it to obtain a residence permit and the case manager "
    "recorded that request."
)

_ISSUED = object()


class NeutralityRefused(PermissionDenied):
    """The guard refused: this organisation may not receive case data (audited as `neutrality.refused`)."""

    what = "neutrality.refused"
    api_code = "neutrality_refused"
    explanation = EXPLANATION

    def __init__(self, *, case_code: str, org_type: str, kind: str) -> None:
        super().__init__(self.what)
        self.object_type = "case"
        self.object_id = case_code
        self.org_type = org_type
        self.kind = kind


@dataclass(frozen=True)
class Clearance:
    """Proof that the guard let this kind of output for this case go to this organisation."""

    case_id: int | None
    organisation_id: int | None
    org_type: str
    what: str
    channel: str
    token: object = field(repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.token is not _ISSUED:
            raise PermissionDenied(NeutralityRefused.what)

    def require(self, *, case: Case, organisation: Organisation, what: tuple[str, ...]) -> None:
        """Raise unless this clearance covers `case`, `organisation` and one of the kinds in `what`."""
        if (
            self.case_id != case.pk
            or self.organisation_id != organisation.pk
            or self.what not in what
            or self.token is not _ISSUED
        ):
            raise PermissionDenied(NeutralityRefused.what)


def _residence_permit_requested(case: Case, organisation: Organisation | None) -> bool:
    from haven.accounts.permissions import Perm
    from haven.referrals.models import ResidencePermitRequest

    if organisation is None:
        return False
    requests = ResidencePermitRequest.objects.filter(
        case=case, organisation=organisation, withdrawn_at=None
    ).select_related("recorded_by")
    return any(r.recorded_by.has(Perm.CASE_ASSIGN) for r in requests)


def _compelled(case: Case, organisation: Organisation | None, request: AuthorityRequest | None) -> bool:
    """A registered request from this authority, approved by two different people, reasons recorded."""
    if request is None or organisation is None:
        return False
    return (
        request.case_id == case.pk
        and request.organisation_id == organisation.pk
        and request.manager_approved_by_id is not None
        and request.dpo_approved_by_id is not None
        and request.manager_approved_by_id != request.dpo_approved_by_id
        and bool(request.reason)
        and bool(request.person_interest)
    )


def guard_outgoing(
    *,
    actor: Any,
    case: Case | None,
    channel: str,
    what: str,
    organisation: Organisation | None = None,
    org_type: str | None = None,
    compelled_by: AuthorityRequest | None = None,
) -> Clearance:
    """Let case data go to `organisation` (or an organisation of `org_type`), or raise NeutralityRefused.

    `what` is the kind of output (WHAT), `channel` where the request came from (CHANNELS). `actor` is the
    account asking; no role, consent or override changes the answer. `compelled_by` is only for
    `what="disclosure"`: the approved authority request that makes the disclosure a legal obligation.

    Channels call it once more before they open the case (`case=None`), so that every role, even one that
    may not open the case, meets the same refusal; the service then calls it with the case.
    """
    if what not in WHAT or channel not in CHANNELS:
        raise ValueError(f"unknown output kind or channel: {what}/{channel}")
    kind = organisation.org_type if organisation is not None else (org_type or "")
    if not kind:
        raise ValueError("the guard needs the organisation or its type")
    refused = False
    if kind in ALWAYS_REFUSED:
        refused = not (
            case is not None and what == "disclosure" and _compelled(case, organisation, compelled_by)
        )
    elif kind in ON_PERSONS_REQUEST and case is not None:
        # Before the case is opened (case=None) only the unconditional refusals can be decided.
        refused = not (
            _residence_permit_requested(case, organisation)
            or (what == "disclosure" and _compelled(case, organisation, compelled_by))
        )
    if refused:
        raise NeutralityRefused(case_code=case.code if case is not None else "", org_type=kind, kind=what)
    return Clearance(
        case_id=case.pk if case is not None else None,
        organisation_id=organisation.pk if organisation is not None else None,
        org_type=kind,
        what=what,
        channel=channel,
        token=_ISSUED,
    )
