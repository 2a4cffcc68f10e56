"""``DIR/grades.csv``: one row per submission, rewritten atomically each time a submission finishes.

The whole file is written to a temporary file and renamed over the old one, so a reader (or an
interrupted run) sees either the old table or the new one, never half a row. ``--resume`` keeps the
rows whose ``sha256`` (of the submission, the solution and the grading options) still matches.
"""
import csv
import os
import tempfile
import threading

COLUMNS = ["submission", "score", "max_score", "status", "reason", "language", "notes", "file", "sha256",
           "seconds", "notebook_seconds", "overhead_seconds", "cpu_seconds", "notebook_cpu_seconds",
           "overhead_cpu_seconds"]


class Gradebook:
    def __init__(self, path, resume=False):
        self.path = path
        self.rows = {}
        self._lock = threading.Lock()
        if resume and path.exists():
            with open(path, newline="", encoding="utf-8") as f:
                for row in csv.DictReader(f):
                    if row.get("submission"):
                        self.rows[row["submission"]] = row

    def unchanged(self, name, sha256):
        row = self.rows.get(name)
        return row is not None and row.get("sha256") == sha256 and row.get("status") != "error"

    def put(self, row):
        with self._lock:
            self.rows[row["submission"]] = {k: row.get(k, "") for k in COLUMNS}
            self._write()

    def _write(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".grades-", suffix=".csv", dir=str(self.path.parent))
        try:
            with os.fdopen(fd, "w", newline="", encoding="utf-8") as f:
                w = csv.DictWriter(f, fieldnames=COLUMNS)
                w.writeheader()
                for name in sorted(self.rows):
                    w.writerow(self.rows[name])
            os.replace(tmp, self.path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
