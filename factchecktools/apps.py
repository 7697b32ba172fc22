from django.apps import AppConfig


class FactCheckToolsConfig(AppConfig):
    name = "factchecktools"
    verbose_name = "Fact Check Tools API"
