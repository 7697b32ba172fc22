"""Extract the local features of media hashed before they were stored, so that the feature index
(media.archive_index.FeatureIndex) finds archive items by them too and verification reads their
stored keypoints (and a large or small image's finer ones) instead of their pictures. Runs in this
process, item by item, archive first (a few milliseconds an image or video frame, tens for a
large image); safe to run again or to stop."""

from django.core.management.base import BaseCommand, CommandParser

from media.services.local_features import media_item_features_extract, media_items_features_missing


class Command(BaseCommand):
    help = (
        "Extract the local features (index descriptors, verification keypoints, a large "
        "or small image's finer keypoints) of hashed media that lack them (archive first)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=None, help="At most this many items.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Only say how many items lack them."
        )

    def handle(self, *args, limit: int | None, dry_run: bool, **options) -> None:
        missing = media_items_features_missing()
        if dry_run:
            self.stdout.write(f"{missing.count()} hashed items lack local features.")
            return
        items = frames = 0
        for item_id in list(missing.values_list("pk", flat=True)[:limit]):
            frames += media_item_features_extract(media_item_id=item_id)
            items += 1
        self.stdout.write(f"Extracted the local features of {frames} frames of {items} items.")
