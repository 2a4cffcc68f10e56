"""Downloading a file from the first mirror that works (used by ``MNIST(download=True)``)."""
import os
import tempfile
import urllib.error
import urllib.request


def download(filename, mirrors, folder, check=None, timeout=30):
    """Fetch ``filename`` into ``folder`` from the first of ``mirrors`` that serves a good copy; return its path.

    ``check(path)`` may raise to reject a copy (e.g. a wrong MD5); the next mirror is tried then. The
    file is written under a temporary name and renamed at the end, so an interrupted download never
    leaves a half file behind.
    """
    os.makedirs(folder, exist_ok=True)
    errors = []
    for mirror in mirrors:
        url = mirror + filename
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                content = response.read()
        except (urllib.error.URLError, OSError, ValueError) as e:
            errors.append(f"{url}: {e}")
            continue
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=filename + ".", suffix=".part")
        with os.fdopen(fd, "wb") as f:
            f.write(content)
        try:
            if check is not None:
                check(tmp)
        except RuntimeError as e:
            os.remove(tmp)
            errors.append(f"{url}: {e}")
            continue
        path = os.path.join(folder, filename)
        os.replace(tmp, path)
        return path
    raise RuntimeError(f"could not download {filename} from any mirror ({'; '.join(errors)})")
