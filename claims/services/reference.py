"""Reference data that editors keep: topics, publishers, rating scales."""

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from claims.models import Publisher, Rating, RatingScale, Topic
from core.services.common import apply_changes, save_validated


@transaction.atomic
def topic_create(*, actor: AbstractBaseUser | None, name: str, slug: str, description: str = ""):
    topic = Topic(name=name, slug=slug, description=description)
    save_validated(topic, actor=actor)
    return topic


@transaction.atomic
def topic_update(*, topic: Topic, actor: AbstractBaseUser | None, **changes: Any) -> Topic:
    locked = Topic.objects.select_for_update().get(pk=topic.pk)
    apply_changes(locked, changes, frozenset({"name", "slug", "description"}))
    save_validated(locked, actor=actor)
    return locked


@transaction.atomic
def topic_delete(*, topic: Topic) -> None:
    """Removes the topic from the claims filed under it; the claims stay."""
    topic.delete()


@transaction.atomic
def publisher_create(*, actor: AbstractBaseUser | None, name: str, site: str, url: str = ""):
    publisher = Publisher(name=name, site=site, url=url)
    save_validated(publisher, actor=actor)
    return publisher


@transaction.atomic
def publisher_update(
    *, publisher: Publisher, actor: AbstractBaseUser | None, **changes: Any
) -> Publisher:
    locked = Publisher.objects.select_for_update().get(pk=publisher.pk)
    apply_changes(locked, changes, frozenset({"name", "site", "url"}))
    save_validated(locked, actor=actor)
    return locked


@transaction.atomic
def rating_scale_create(
    *,
    actor: AbstractBaseUser | None,
    name: str,
    best_value: int,
    worst_value: int,
    description: str = "",
    ratings: Iterable[dict[str, Any]] = (),
) -> RatingScale:
    """A scale with its ratings, all or nothing."""
    scale = RatingScale(
        name=name, description=description, best_value=best_value, worst_value=worst_value
    )
    save_validated(scale, actor=actor)
    for rating in ratings:
        save_validated(Rating(scale=scale, **rating), actor=actor)
    return scale


@transaction.atomic
def rating_scale_update(
    *, rating_scale: RatingScale, actor: AbstractBaseUser | None, **changes: Any
) -> RatingScale:
    """Renames or redescribes a scale; its values are fixed once verdicts use them."""
    locked = RatingScale.objects.select_for_update().get(pk=rating_scale.pk)
    apply_changes(locked, changes, frozenset({"name", "description"}))
    save_validated(locked, actor=actor)
    return locked
