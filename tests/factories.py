"""Test data. Factories build rows directly: they set up the world a test starts from; the
behaviour under test goes through the services."""

import io

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from PIL import Image

from claims import models
from core.roles import EDITOR, FACT_CHECKER
from media import models as media_models


def jpeg_bytes(size: tuple[int, int] = (64, 48), colour: tuple[int, int, int] = (200, 30, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="JPEG")
    return buffer.getvalue()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@newsroom.example")
    password = factory.django.Password("correct horse battery")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.is_staff = True
            self.save()
            self.groups.add(Group.objects.get(name=extracted))


def fact_checker(**kwargs):
    return UserFactory(role=FACT_CHECKER, **kwargs)


def editor(**kwargs):
    return UserFactory(role=EDITOR, **kwargs)


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Topic
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")


class PublisherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Publisher

    name = factory.Sequence(lambda n: f"Fact checker {n}")
    site = factory.Sequence(lambda n: f"checker{n}.example.org")
    url = factory.LazyAttribute(lambda publisher: f"https://{publisher.site}/")


class RatingScaleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.RatingScale

    name = factory.Sequence(lambda n: f"Scale {n}")
    best_value = 5
    worst_value = 1


class RatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Rating

    scale = factory.SubFactory(RatingScaleFactory)
    label = factory.Sequence(lambda n: f"Rating {n}")
    value = factory.Sequence(lambda n: n % 5 + 1)


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Claim

    text = factory.Sequence(lambda n: f"Claim number {n} says something checkable.")
    language = "en"
    claimant = "A social media account"


class AppearanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Appearance

    claim = factory.SubFactory(ClaimFactory)
    url = factory.Sequence(lambda n: f"https://x.com/someone/status/{1000 + n}")
    platform = models.Appearance.Platform.X


class MediaItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = media_models.MediaItem

    kind = media_models.MediaItem.Kind.IMAGE
    status = media_models.MediaItem.Status.READY
    file = factory.LazyFunction(lambda: ContentFile(jpeg_bytes(), name="picture.jpg"))
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    mime_type = "image/jpeg"


class EvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Evidence

    claim = factory.SubFactory(ClaimFactory)
    kind = models.Evidence.Kind.DOCUMENT
    relation = models.Evidence.Relation.REFUTES
    title = factory.Sequence(lambda n: f"Source document {n}")
    url = "https://example.org/source"


class VerdictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Verdict

    claim = factory.SubFactory(ClaimFactory)
    publisher = factory.SubFactory(PublisherFactory)
    rating = factory.SubFactory(RatingFactory)
    rating_scale = factory.LazyAttribute(lambda verdict: verdict.rating.scale)
    headline = "The claim does not hold up"
    summary = "Records show otherwise."
    language = "en"
    slug = factory.Sequence(lambda n: f"verdict-{n}")
