"""Import what the trimmed zips left out from the complete fallback zip."""

import os
import sys
from importlib.machinery import PathFinder

NAMES = frozenset()  # filled in by engine/tools/build.py: the modules only the fallback zip holds
PATH = "/lib/engage-fallback.zip"
_source = None
_mounted = False


def configure(url, sha256):
    global _source, _mounted
    _source = (url, sha256)
    # A restored memory snapshot may remember a file this page has not written yet.
    _mounted = _mounted and os.path.exists(PATH)
    if _Finder not in sys.meta_path:
        sys.meta_path.append(_Finder)


def _mount():
    global _mounted
    if _mounted:
        return
    import hashlib

    from js import XMLHttpRequest

    url, sha256 = _source
    request = XMLHttpRequest.new()
    request.open("GET", url, False)
    request.responseType = "arraybuffer"
    request.send()
    if request.status != 200:
        raise ImportError(f"could not load {url} (HTTP {request.status})")
    data = request.response.to_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ImportError(f"{url} does not match its sha256 in the build manifest")
    with open(PATH, "wb") as fh:
        fh.write(data)
    _mounted = True


class _Finder:
    @classmethod
    def find_spec(cls, fullname, path=None, target=None):
        if fullname not in NAMES or _source is None:
            return None
        _mount()
        parent = fullname.rpartition(".")[0]
        where = PATH + "/" + parent.replace(".", "/") if parent else PATH
        return PathFinder.find_spec(fullname, [where])

    @classmethod
    def invalidate_caches(cls):
        pass
