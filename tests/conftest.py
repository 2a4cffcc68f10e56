import os

os.environ.setdefault("COURSE_TESTING", "1")
