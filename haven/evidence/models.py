"""What the evidence app stores: privacy ledgers, differentially private releases and export records.

Nothing here holds case data. A release stores its published (noisy, post-processed) table; the noise that
was drawn is sealed under the release's own vault key so that only the DPO can re-derive it (see
`services.dp_reproduce`). An export record keeps the parameters and figures of a k-anonymous export, never
its rows.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DEFAULT_DATASET = "cases"
DEFAULT_TOTAL_EPSILON = 3.0

SOURCES = [("web", _("web")), ("api", _("api")), ("cli", _("command line"))]


class PrivacyLedger(models.Model):
    """The privacy budget of one dataset: the total ε that all its releases together may spend."""

    dataset = models.CharField(max_length=32, unique=True)
    total_epsilon = models.FloatField(default=DEFAULT_TOTAL_EPSILON)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"ledger {self.dataset}"


class DpRelease(models.Model):
    """One differentially private table, as published, with everything needed to explain it."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    ledger = models.ForeignKey(PrivacyLedger, on_delete=models.PROTECT, related_name="releases")
    by = models.JSONField()  # CTDC column names, in order
    domains = models.JSONField()  # the values of each column at release time (cells in row-major order)
    counts = models.JSONField()  # published count per cell (0 where suppressed)
    suppressed = models.JSONField(blank=True)  # indices of cells shown as "fewer than threshold"
    total = models.PositiveIntegerField()
    epsilon = models.FloatField()  # ε charged, as OpenDP's measurement proves it
    epsilon_requested = models.FloatField()
    scale = models.FloatField()
    threshold = models.PositiveSmallIntegerField()
    mechanism = models.CharField(max_length=120)
    records_in_scope = models.PositiveIntegerField()
    left_out = models.JSONField(default=dict, blank=True)  # reason code -> number of cases
    # The noise drawn and the cases counted, sealed under this release's own vault key (the "seed
    # reference"). Erasing that key ends reproducibility without touching the published table.
    noise_key_id = models.CharField(max_length=64)
    noise_sealed = models.BinaryField()
    source = models.CharField(max_length=8, choices=SOURCES, default="web")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"release {self.pk}"


class Export(models.Model):
    """The record of one k-anonymous microdata export (parameters and figures, never the rows)."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    dataset = models.CharField(max_length=32, default=DEFAULT_DATASET)
    k = models.PositiveIntegerField()
    qi = models.JSONField()
    max_suppression = models.FloatField()
    rows_in = models.PositiveIntegerField()
    rows_out = models.PositiveIntegerField()
    suppressed = models.PositiveIntegerField()
    gcp = models.FloatField()
    records_in_scope = models.PositiveIntegerField()
    left_out = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=8, choices=SOURCES, default="web")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"export {self.pk}"

    @property
    def suppression_rate(self) -> float:
        """Share of the records in scope left out of the export to reach k."""
        return self.suppressed / self.rows_in if self.rows_in else 0.0
