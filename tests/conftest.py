"""Hypothesis profiles: CI runs derandomised with no example database.

Locally (profile `dev`), failing examples are kept in `.hypothesis/` (git-ignored) and
replayed first; in CI (`CI=true`, profile `ci`) every run draws the same examples and
stores none, so a run never fails because of what an earlier run found.
`HYPOTHESIS_PROFILE=ci` selects it by hand. Neither has a deadline: on a shared machine
a slow example (the first one pays for imports and compiled validators) is load, not a
finding, and a test that needs a time bound asserts it itself.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("dev", deadline=None)
settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") == "true" else "dev"))
