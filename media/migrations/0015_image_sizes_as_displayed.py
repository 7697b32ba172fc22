from django.db import migrations, models
from PIL import ExifTags, Image

# media.hashing.QUARTER_TURNS when this was written.
QUARTER_TURNS = {5, 6, 7, 8}


def _turned_a_quarter(file) -> bool:
    try:
        with file.open("rb") as handle, Image.open(handle) as image:
            if image.format == "PNG" and "exif" not in image.info:
                return False
            return image.getexif().get(ExifTags.Base.Orientation, 1) in QUARTER_TURNS
    except Exception:  # a missing or unreadable file, or a damaged EXIF block: left as it is
        return False


def swap_turned_image_sizes(apps, schema_editor):
    """Images that their EXIF orientation turns a quarter kept the size the file stores, where
    hashing and verification work on the picture as displayed: a match's reported scale was off
    by the picture's aspect ratio. Swapping the sides again undoes it."""
    MediaItem = apps.get_model("media", "MediaItem")
    images = (
        MediaItem.objects.filter(kind="image", width__isnull=False, height__isnull=False)
        .exclude(file="")
        .only("pk", "file", "width", "height")
    )
    turned = []
    for item in images.iterator(chunk_size=500):
        if _turned_a_quarter(item.file):
            item.width, item.height = item.height, item.width
            turned.append(item)
    MediaItem.objects.bulk_update(turned, ["width", "height"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ('media', '0014_small_image_finer_features'),
    ]

    operations = [
        migrations.AlterField(
            model_name='mediaitem',
            name='height',
            field=models.PositiveIntegerField(blank=True, editable=False, help_text='In pixels, as displayed.', null=True),
        ),
        migrations.AlterField(
            model_name='mediaitem',
            name='width',
            field=models.PositiveIntegerField(blank=True, editable=False, help_text="In pixels, as displayed: an image that its EXIF orientation turns a quarter, or a video that its display matrix does, has the file's sides swapped.", null=True),
        ),
        migrations.RunPython(swap_turned_image_sizes, swap_turned_image_sizes),
    ]
