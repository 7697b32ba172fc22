import pgvector.django.indexes
from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations


class Migration(migrations.Migration):
    # The new graph is built beside the old one, without locking out writes, and the old one
    # dropped after: searches keep an index throughout (a build takes minutes at 200,000 claims).
    atomic = False

    dependencies = [
        ("retrieval", "0001_passages"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="passage",
            index=pgvector.django.indexes.HnswIndex(
                ef_construction=128,
                fields=["vector"],
                m=16,
                name="passage_vector_cosine",
                opclasses=["halfvec_cosine_ops"],
            ),
        ),
        RemoveIndexConcurrently(
            model_name="passage",
            name="passage_vector_hnsw",
        ),
    ]
