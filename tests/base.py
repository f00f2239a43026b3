import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEMO_DIR = REPO / "articles" / "demo"
# The shared research data (never copied into the repository): beside the
# clone in CI, elsewhere on a developer's machine through SHARED_DATA.
SHARED_DATA = Path(os.environ.get("SHARED_DATA", REPO.parent / "shared" / "data"))
SAUDINEWSNET = SHARED_DATA / "saudinewsnet"
