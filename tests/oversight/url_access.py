"""URL × role expectations for the audit trail viewer: the DPO and the administrator (audit.view)."""

from __future__ import annotations

from haven.accounts.permissions import Perm
from tests.core.access_table import REDIRECT, Access, page

URL_ACCESS: dict[str, Access] = {
    "oversight:audit": page(Perm.AUDIT_VIEW),
    "oversight:audit_export": page(Perm.AUDIT_VIEW),
    "oversight:audit_verify": page(Perm.AUDIT_VIEW, method="POST", allowed=REDIRECT),
}
