"""Damaged event files that crashed or hung libhdf5 1.10 under Celesta's reader (found by the
`events` fuzz target, Tests/fuzz/corpus/events/regression-*). Each is read from its path in a
child process, so that a crash fails the test instead of ending the run; the reader must give a
typed error or the events, never a signal or a hang."""

import subprocess
import sys
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[3] / "Tests" / "fuzz" / "corpus" / "events"

READ = """
import sys
from celesta.io.h5 import H5EventReader, read_h5
try:
    events = H5EventReader(sys.argv[1]).read_all()
    again = read_h5(sys.argv[1])
    print("read", len(events), len(again))
except Exception as e:
    print(type(e).__name__, e)
"""

# file -> what reading it must give: the start of the printed line.
EXPECTED = {
    # the y column's integer type says 23,042 bytes of 16 bits: libhdf5 1.10 segfaulted in H5Dread
    "regression-column-type-size.h5": "ParseError '",
    # the `format` attribute's characters are 1.5 GB wide: libhdf5 1.10 looped in H5Aread; the
    # structural check (HDF5Structure, now run by the event readers) refuses the damaged type
    "regression-format-char-size.h5": "ParseError '",
    # the compound's member y lies at byte 2,097,162 of a 13-byte record: libhdf5 1.10's compound
    # conversion read freed memory
    "regression-compound-member-offset.h5": "ParseError '",
    # a damaged global heap object under the `format` attribute: libhdf5 1.10 segfaulted reading it
    "regression-path-globalheap-3374.h5": "ParseError '",
    # the `format` attribute's variable-length string type says 15 bytes, not 16: libhdf5 1.10
    # overflowed the heap in H5A__read
    "regression-vlen-type-size-15.h5": "ParseError '",
    # the event dataset's dimension says 562,949,953,421,332 (its maximum 20) over a 1 TB
    # contiguous block: the reader ran for 30 s and reached 4 GB inside libhdf5
    "regression-huge-dataspace-contiguous.h5": "ParseError '",
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_damaged_event_file_gives_an_error_or_its_events(name):
    r = subprocess.run([sys.executable, "-c", READ, str(CORPUS / name)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"the reader died with status {r.returncode}: {r.stderr[-2000:]}"
    assert r.stdout.startswith(EXPECTED[name]), r.stdout
    if r.stdout.startswith("ParseError"):
        assert name in r.stdout and "damaged" in r.stdout


def test_every_regression_input_is_listed():
    assert sorted(p.name for p in CORPUS.glob("regression-*")) == sorted(EXPECTED)
