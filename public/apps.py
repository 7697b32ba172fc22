from django.apps import AppConfig


class PublicConfig(AppConfig):
    """What readers and search engines see: published fact-checks with their ClaimReview
    markup, the searchable list and the feeds. Reads claims through their selectors."""

    name = "public"
    verbose_name = "Public pages"
