"""The demo: synthetic life for the demo organisation across every capability, made through the services."""

from __future__ import annotations

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "haven.demo"
    label = "demo"
    verbose_name = "Demo"
