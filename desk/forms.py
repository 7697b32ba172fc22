"""The desk's forms check shapes; the services check the rest and their errors are shown."""

from django import forms

from claims.models import Evidence, Rating
from core.validators import validate_language_tag

LANGUAGES = [
    ("en", "English"),
    ("zh", "Chinese"),
    ("zh-Hant", "Chinese (traditional)"),
    ("ko", "Korean"),
    ("ja", "Japanese"),
    ("vi", "Vietnamese"),
    ("th", "Thai"),
    ("id", "Indonesian"),
    ("ru", "Russian"),
    ("es", "Spanish"),
    ("fr", "French"),
    ("ar", "Arabic"),
]


class IntakeForm(forms.Form):
    """A claim the moment it is seen: what it says, where, and the picture or video."""

    text = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="What does it claim?",
        help_text="Paste the post's text, or say what it claims.",
    )
    url = forms.URLField(
        required=False,
        assume_scheme="https",
        label="Where was it seen?",
        help_text="The post's address.",
        max_length=2000,
    )
    language = forms.CharField(
        max_length=35,
        initial="en",
        validators=[validate_language_tag],
        help_text="Of the text, BCP-47: en, zh, ko…",
        widget=forms.TextInput(attrs={"list": "desk-languages", "size": 8}),
    )
    file = forms.FileField(
        required=False,
        label="Image or video",
        help_text="Drop it here, or choose a file.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/*,video/*"}),
    )

    def clean(self):
        data = super().clean()
        if not (data.get("text", "").strip() or data.get("url")):
            raise forms.ValidationError("Give the claim's text, the post's address, or both.")
        return data


class VerdictDraftForm(forms.Form):
    rating = forms.ModelChoiceField(queryset=Rating.objects.none(), required=False)
    headline = forms.CharField(max_length=300, required=False)
    summary = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The rating explanation, as readers will see it.",
    )
    body = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, ratings, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rating"].queryset = ratings


class ReturnForm(forms.Form):
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), help_text="What needs to change."
    )


class EvidenceFromMatchForm(forms.Form):
    relation = forms.ChoiceField(
        choices=Evidence.Relation.choices, initial=Evidence.Relation.REFUTES
    )
    claim = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the key is for.")
    rate_limit = forms.RegexField(
        regex=r"^[0-9]+/(s|sec|m|min|h|hour|d|day)$",
        required=False,
        max_length=20,
        help_text="E.g. 1200/min; empty for your role's.",
    )


class ConsumerKeyForm(ApiKeyForm):
    consumer = forms.CharField(
        max_length=150, label="Consumer account", help_text="A partner's or researcher's account."
    )
    create_consumer = forms.BooleanField(
        required=False, label="Create this account (it logs in nowhere; it reads with the key)"
    )
