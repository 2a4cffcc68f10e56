"""``course.utils``: helpers around the framework; ``course.utils.data`` loads data in batches."""
from . import data  # noqa: F401
