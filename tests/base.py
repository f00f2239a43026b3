import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEMO_DIR = REPO / "articles" / "demo"
# The shared research data (never copied into the repository): beside the
# clone in CI, elsewhere on a developer's machine through SHARED_DATA.
SHARED_DATA = Path(os.environ.get("SHARED_DATA", REPO.parent / "shared" / "data"))
SAUDINEWSNET = SHARED_DATA / "saudinewsnet"
# The two sample articles (a channel's report and an aggregator's rewrite);
# the demo folder also holds the newsroom demo set that `make run` imports.
DEMO_SAMPLES = sorted(DEMO_DIR.glob("*.txt"))
DEMO_SET = DEMO_DIR / "newsroom-demo.json"
