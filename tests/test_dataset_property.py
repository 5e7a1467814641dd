"""Hypothesis: whatever batches of files are ingested, in whatever order (empty files, bad rows, files
edited and re-ingested, several sources sharing names and months, compaction on or off), the dataset
holds exactly the current versions of all sources:

    rows in the dataset + rows in quarantine == rows of the current versions of all sources

and per source, its kept rows plus its quarantined rows equal the rows of its file.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import polars as pl
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liqcost.cli import cli
from liqcost.io.dataset import Dataset
from liqcost.io.dataset_check import check_dataset

GOOD = st.tuples(
    st.sampled_from(["A", "B"]),
    st.sampled_from(["2025-03-03", "2025-03-04", "2025-04-01"]),  # two months: two buckets per name
    st.integers(0, 3599),
    st.sampled_from(["10.0", "10.01", "9.99"]),
    st.integers(1, 9),
)
BAD = st.sampled_from([
    "A,2025-03-03T15:00:00Z,-1,100",  # non-positive price
    "B,2025-03-04T15:00:01Z,abc,100",  # unparseable price
    "A,,10,100",  # missing ts
    ",2025-03-03T15:00:02Z,10,100",  # missing symbol
])
ROW = st.one_of(GOOD.map(lambda r: f"{r[0]},{r[1]}T15:{r[2] // 60:02d}:{r[2] % 60:02d}Z,{r[3]},{r[4] * 100}"), BAD)
CONTENT = st.one_of(
    st.just(None),  # an empty file (0 bytes)
    st.just([]),  # a header and no rows
    st.lists(ROW, min_size=1, max_size=25),
)
BATCH = st.lists(st.tuples(st.integers(0, 4), CONTENT), min_size=1, max_size=3)


def _file_rows(content) -> int:
    return 0 if not content else len(content)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches=st.lists(BATCH, min_size=1, max_size=5), compact=st.sampled_from([1, 2, 8]))
def test_dataset_holds_the_current_versions_of_all_sources(batches, compact):
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        cfg = d / "c.yaml"
        cfg.write_text(f"dataset:\n  compact_max_files: {compact}\n  fsync: false\n")
        ds = d / "ds"
        current: dict[int, int] = {}  # file -> rows of its current (last ingested) version
        for batch in batches:
            names = []
            for idx, content in batch:
                f = d / f"f{idx}.csv"
                if content is None:
                    f.write_text("")
                else:
                    f.write_text("symbol,ts,price,size\n" + "".join(r + "\n" for r in content))
                current[idx] = _file_rows(content)
                names.append(str(f))
            names = list(dict.fromkeys(names))  # a file given twice in one batch is ingested once per mention
            r = CliRunner().invoke(cli, ["-q", "--format", "json", "--config", str(cfg), "ingest", "--kind", "trades",
                                         *names, "-o", str(ds)])
            assert r.exit_code in (0, 1), r.output
            reports = json.loads(r.stdout)["tables"]["ingest"]
            assert [x["source"] for x in reports] == names  # every file is reported
            for x in reports:
                assert x["rows_read"] == x["rows_kept"] + x["rows_quarantined"]
            _check(ds, current, d)


def _check(ds: Path, current: dict[int, int], d: Path) -> None:
    data = Dataset(ds, must_exist=False)
    kept_by: dict[str, int] = {}
    for f in data.state.files.values():
        for sid, n in zip(f.sources, f.source_rows):
            kept_by[sid] = kept_by.get(sid, 0) + n
    total_kept = data.scan("trades").collect().height if data.state.files else 0
    assert total_kept == sum(kept_by.values())
    quarantined = 0
    for rec in data.sources():
        q = pl.read_parquet(ds / rec["quarantine"]).height if rec.get("quarantine") else 0
        quarantined += q
        idx = int(Path(rec["id"]).stem[1:])
        assert kept_by.get(rec["id"], 0) + q == current[idx], rec["id"]
    assert total_kept + quarantined == sum(current.values())
    assert not check_dataset(ds, grace_s=3600).problems
