"""The buffer-level checks agree with pandas' own string methods, on chunked and sliced columns too."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from core import arrowtext, ingest

CELLS = ["a", "", " ", "=x", "\u00a0", "b\x01c", "-3", " x ", "\u3000\u2003", "\t", "é", "@me", "+44", "ok"]


def chunked(values: list[str], sizes: tuple[int, ...]) -> pd.Series:
    """A TEXT series whose Arrow data is split into chunks of the given sizes."""
    parts, start = [], 0
    for size in sizes:
        parts.append(pa.array(values[start:start + size], type=pa.large_string()))
        start += size
    array = pd.arrays.ArrowStringArray(pa.chunked_array(parts, type=pa.large_string()), dtype=ingest.TEXT)
    return pd.Series(array)


@pytest.mark.parametrize("sizes", [(14,), (3, 0, 5, 6), (1,) * 14])
def test_profile_matches_pandas(sizes):
    series = chunked(CELLS, sizes)
    profile = arrowtext.profile(series)
    assert profile.empty.tolist() == [c == "" for c in CELLS]
    assert arrowtext.blank(series, profile).tolist() == [c.strip() == "" for c in CELLS]
    assert profile.first.tolist() == [c.encode()[0] if c else 0 for c in CELLS]
    assert profile.longest == max(len(c.encode()) for c in CELLS)
    assert profile.controls and not profile.line_breaks and not profile.plain
    formula = arrowtext.starting_with(b"=+-@", profile.first)
    assert [c for c, f in zip(CELLS, formula, strict=True) if f] == ["=x", "-3", "@me", "+44"]


def test_sliced_columns_read_only_their_own_bytes():
    series = chunked(CELLS, (5, 9)).iloc[4:9]
    assert arrowtext.blank(series).tolist() == [c.strip() == "" for c in CELLS[4:9]]
    assert arrowtext.profile(series).first.tolist() == [c.encode()[0] if c else 0 for c in CELLS[4:9]]


def test_plain_ascii_columns_skip_the_slow_checks():
    profile = arrowtext.profile(pd.Series(["E001", "E002", "x=1"], dtype=ingest.TEXT))
    assert profile.plain and not profile.controls and not profile.line_breaks
    assert not arrowtext.profile(pd.Series(["a b"], dtype=ingest.TEXT)).plain
    assert arrowtext.profile(pd.Series(["a\nb"], dtype=ingest.TEXT)).line_breaks


def test_lower_case_detection():
    assert not arrowtext.has_lowercase(pd.Series(["E001", "X-9"], dtype=ingest.TEXT))
    assert arrowtext.has_lowercase(pd.Series(["E001", "e2"], dtype=ingest.TEXT))
    assert arrowtext.has_lowercase(pd.Series(["É1"], dtype=ingest.TEXT))  # non-ASCII: checked the slow way


def test_object_columns_are_converted():
    series = pd.Series(["a", None, " "], dtype=object)
    assert arrowtext.blank(series).tolist() == [False, True, True]


def test_fast_and_careful_readers_agree_on_a_messy_file():
    """pyarrow's reader (with its checks) against Python's csv module, the independent reference."""
    rng = np.random.default_rng(3)
    pool = ["", " ", "a,b", 'say "hi"', "=1+1", "Zoë", "  padded ", "x\ty", "-", "00123", "1;2"]
    rows = [[str(rng.choice(pool)) for _ in range(4)] for _ in range(3_000)]
    frame = pd.DataFrame(rows, columns=["employee_id", "a", "b", "c"])
    frame["employee_id"] = [f"E{i:05d}" for i in range(len(frame))]
    data = frame.to_csv(index=False).encode()
    data = data.replace(b"\nE00100,", b"\n\nE00100,")  # a blank line: every later line number moves by one
    assert ingest._fast_csv(data, ",", 0, data.decode()[:200].splitlines()) is not None  # the fast path is tested
    fast = ingest.read_table(data, "messy.csv").frame
    careful = ingest._careful_csv(data.decode(), ",", "messy.csv").astype(ingest.TEXT)
    pd.testing.assert_frame_equal(fast, careful, check_index_type=False)
    assert fast.index[100] == 101  # file line 103


def test_spread_takes_every_kth_row_across_chunks():
    values = [f"v{i}" for i in range(10_000)]
    series = chunked(values, (3_333, 1, 6_666))
    series.index = series.index + 2
    expected = pd.Series(values).iloc[::5]
    got = arrowtext.spread(series)
    assert got.tolist() == expected.tolist() and got.index.tolist() == (expected.index + 2).tolist()
    assert got.dtype == ingest.TEXT


@pytest.mark.parametrize("values", [
    ["E001", "E002", "E001", "E003", "E002"],  # one width: the integer path
    ["E001", "E02", "", "E001", " ", "e001"],  # mixed widths and blanks: Arrow's dictionary path
    ["12345678", "12345678", "00000001"],  # eight bytes
    ["a b", "a b", "abc"],  # a space: not a plain code
    ["abc", "   ", "abc", "xyz"],  # one width, with a blank of that width
    ["é1", "ab", "é1", "zé"[::-1]],  # one byte width (3), some of it non-ASCII
    [" E1", "E01", "E1 "],  # one width before trimming
    *[[v * width for v in "abacbd"] for width in range(1, 11)],  # packed as integers up to 8 bytes, then binary
    ["x"], ["abc", "abd"], ["abcdefgh", "abcdefgi"],  # fewer than 8 bytes in all; exactly 8 bytes a value
    ["E01", "E02", "E003", "E004", "E01"],  # each chunk of one width, not the same width
    ["\u00e9\u00e9\u00e9\u00e9", "\u00e9\u00e9\u00e9ab", "\u00e9\u00e9\u00e9\u00e9"],  # 8 bytes, non-ASCII
])
def test_encode_matches_pandas_factorize(values):
    series = chunked(values, (2, len(values) - 2))
    codes, uniques = arrowtext.encode(series)
    blank = pd.Series(values).str.strip().eq("")
    expected_codes, expected_uniques = pd.factorize(pd.Series(values).where(~blank, None))
    assert codes.tolist() == expected_codes.tolist()
    assert uniques.tolist() == expected_uniques.tolist()


def test_encode_of_a_slice_reads_only_the_slice():
    """A sliced column (offset into its buffers) of one width and of mixed widths."""
    for values in (["E01", "E02", "E03", "E02", "E01"], ["E1", "E02", "E003", "E02"]):
        series = chunked(values, (len(values),)).iloc[1:]
        codes, uniques = arrowtext.encode(series)
        expected_codes, expected_uniques = pd.factorize(pd.Series(values[1:]))
        assert codes.tolist() == expected_codes.tolist() and uniques.tolist() == expected_uniques.tolist()


def test_chunks_encoded_with_their_own_dictionaries_are_unified():
    """Arrow encodes a column's chunks with one dictionary; chunks with dictionaries of their own (another
    Arrow version) still get codes into one dictionary."""
    import pyarrow as pa

    chunks = [pa.array(["b", "a"]).dictionary_encode(), pa.array(["c", "a", None]).dictionary_encode()]
    words, codes = arrowtext._dictionary(pa.chunked_array(chunks))
    assert [words[c].as_py() if c >= 0 else None for c in codes] == ["b", "a", "c", "a", None]
