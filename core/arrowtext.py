"""Checks on text columns that read Arrow's buffers directly, so a million cells cost milliseconds.

Every column of an upload is pandas' pyarrow-backed text (`ingest.TEXT`, Arrow `large_string` underneath).
An Arrow string array is two buffers: the bytes of all its values one after another, and the offset where
each value starts. So the first byte of every value is one NumPy gather, a value's length is a difference of
offsets, and "no byte below 33 and none above 126" over the whole column proves in one pass that no value
is blank with spaces, has a control character or a line break, or uses a Unicode space — the common case,
in which the slower per-value kernels are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

CONTROL_BYTES = np.zeros(256, dtype=bool)
CONTROL_BYTES[[*range(0, 9), 11, 12, *range(14, 32), 127]] = True  # tab, line feed and carriage return allowed


def arrow(values: pd.Series) -> pa.ChunkedArray:
    """The column's Arrow data: no copy when it is already pyarrow-backed text (`ingest.TEXT`)."""
    if isinstance(values.array, pd.arrays.ArrowStringArray):
        data = values.array.__arrow_array__()
        if data.type == pa.large_string():
            return data
    return pa.chunked_array([pa.array(values.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)])


def spread(values: pd.Series, size: int = 2_000) -> pd.Series:
    """About `size` rows spread evenly through the column (every k-th row), taken chunk by chunk: pandas'
    own take would first join all the chunks, a copy of the whole column."""
    step = max(len(values) // size, 1)
    if step == 1 or not isinstance(values.array, pd.arrays.ArrowStringArray):
        return values.iloc[::step]
    parts, start = [], 0
    for chunk in arrow(values).chunks:
        first = -start % step  # the first multiple of step inside this chunk
        if first < len(chunk):
            parts.append(chunk.take(pa.array(np.arange(first, len(chunk), step))))
        start += len(chunk)
    data = pa.chunked_array(parts, type=pa.large_string())
    return pd.Series(pd.arrays.ArrowStringArray(data, dtype=values.dtype), index=values.index[::step], name=values.name)


def encode(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes (−1 for a blank cell) and the distinct non-blank values in order of first appearance,
    via Arrow's dictionary encoding, chunk by chunk (no copy to join the chunks)."""
    column = arrow(values)
    fixed = _fixed_width(column)
    if fixed is None:
        words, codes = _dictionary(pc.dictionary_encode(column))
    elif fixed.type.byte_width <= 8:  # hashed as integers: three times faster than as binary
        packed = [_packed(chunk) for chunk in fixed.chunks]
        integers, codes = _dictionary(pc.dictionary_encode(pa.array(np.concatenate(packed))))
        words = _as_text(_unpacked(integers, fixed.type.byte_width))
    else:
        binary, codes = _dictionary(pc.dictionary_encode(fixed))
        words = _as_text(binary)
    dictionary = words.to_numpy(zero_copy_only=False).astype(object, copy=False)
    blank = pc.equal(pc.utf8_trim_whitespace(words), "").fill_null(True).to_numpy(zero_copy_only=False)
    if blank.any():
        remap = np.append(np.cumsum(~blank) - 1, -1)  # code −1 stays −1 (the appended last slot)
        remap[np.flatnonzero(blank)] = -1
        codes = remap[codes]
        dictionary = dictionary[~blank]
    return codes, pd.Index(dictionary, dtype=object)


def _dictionary(encoded: pa.DictionaryArray | pa.ChunkedArray) -> tuple[pa.Array, np.ndarray]:
    """(the dictionary, the codes with −1 for null) of a dictionary-encoded array or chunked array. Arrow
    encodes the chunks of a column with one dictionary; were they ever different, they are unified first."""
    chunks = encoded.chunks if isinstance(encoded, pa.ChunkedArray) else [encoded]
    if not chunks:
        return pa.array([], type=encoded.type.value_type), np.zeros(0, dtype=np.intp)
    if len({(len(chunk.dictionary), getattr(chunk.dictionary.buffers()[-1], "address", None))
            for chunk in chunks}) > 1:
        chunks = pa.chunked_array(chunks).unify_dictionaries().chunks
    codes = [(chunk.indices.fill_null(-1) if chunk.null_count else chunk.indices).to_numpy() for chunk in chunks]
    return chunks[-1].dictionary, np.concatenate(codes).astype(np.intp)


def _fixed_width(column: pa.ChunkedArray) -> pa.ChunkedArray | None:
    """The same bytes as fixed-size binary when every value has one byte width (codes such as E00042 or
    00123), which Arrow hashes a third faster than strings; None otherwise. No copy."""
    chunks = [chunk for chunk in column.chunks if len(chunk)]
    if not chunks or column.null_count:
        return None
    width = int(np.diff(_offsets(chunks[0])[:2])[0])
    fixed = []
    for chunk in chunks:
        offsets = _offsets(chunk)
        if not 0 < width <= 64 or int(offsets[-1] - offsets[0]) != width * len(chunk) or \
                not (np.diff(offsets) == width).all():
            return None
        data = chunk.buffers()[2].slice(int(offsets[0]), width * len(chunk))
        fixed.append(pa.FixedSizeBinaryArray.from_buffers(pa.binary(width), len(chunk), [None, data]))
    return pa.chunked_array(fixed, type=pa.binary(width))


def _packed(array: pa.FixedSizeBinaryArray) -> np.ndarray:
    """Values of at most 8 bytes as little-endian uint64 integers (the same value, the same integer).

    An overlapping view reads 8 bytes at every value's start and a mask keeps its own `width` bytes; the last
    values, whose 8 bytes would run past the data, are packed one by one."""
    width, size = array.type.byte_width, len(array)
    data = np.frombuffer(array.buffers()[1], dtype=np.uint8)[array.offset * width:(array.offset + size) * width]
    inside = (len(data) - 8) // width + 1 if len(data) >= 8 else 0  # values whose 8 bytes lie within the data
    packed = np.empty(size, dtype=np.uint64)
    view = np.ndarray((inside,), dtype="<u8", buffer=data, strides=(width,))
    np.bitwise_and(view, np.uint64(2 ** (8 * width) - 1), out=packed[:inside])
    for i in range(inside, size):
        packed[i] = int.from_bytes(data[i * width:(i + 1) * width].tobytes(), "little")
    return packed


def _unpacked(integers: pa.UInt64Array, width: int) -> pa.FixedSizeBinaryArray:
    """`_packed` undone: each integer's first `width` little-endian bytes."""
    data = integers.to_numpy().astype("<u8").view(np.uint8).reshape(-1, 8)[:, :width]
    return pa.FixedSizeBinaryArray.from_buffers(pa.binary(width), len(integers), [None, pa.py_buffer(data.tobytes())])


def _as_text(array: pa.FixedSizeBinaryArray) -> pa.LargeStringArray:
    """Fixed-size binary made of whole UTF-8 values (see `_fixed_width`) back as text. No copy of the bytes."""
    width = array.type.byte_width
    data = array.buffers()[1].slice(array.offset * width, width * len(array))
    offsets = pa.py_buffer(np.arange(len(array) + 1, dtype=np.int64) * width)
    return pa.LargeStringArray.from_buffers(len(array), offsets, data)


def _offsets(array: pa.LargeStringArray) -> np.ndarray:
    """Where each value starts in the array's data buffer, and where the last one ends (a view, no copy)."""
    return np.frombuffer(array.buffers()[1], dtype=np.int64)[array.offset: array.offset + len(array) + 1]


def _pieces(values: pd.Series):
    """Per Arrow chunk: (the bytes of its values, the offset of each value's start and end in them)."""
    for chunk in arrow(values).chunks:
        offsets = _offsets(chunk)
        buffer = chunk.buffers()[2]
        data = np.frombuffer(buffer, dtype=np.uint8) if buffer is not None else np.zeros(0, np.uint8)
        first, last = (int(offsets[0]), int(offsets[-1])) if len(offsets) else (0, 0)
        yield data[first:last], offsets - first


@dataclass(frozen=True)
class Profile:
    """What the checks need to know of a text column, from one pass over its buffers."""

    empty: np.ndarray  # bool per cell: no characters at all
    first: np.ndarray  # uint8 per cell: its first byte (0 when empty)
    longest: int  # the longest cell, in bytes (at least its length in characters)
    plain: bool  # every byte is printable ASCII 33–126: no spaces, controls, line breaks, non-ASCII
    controls: bool  # a control character other than tab and line breaks somewhere
    line_breaks: bool  # a line feed or carriage return somewhere (a quoted value spanning lines)


def profile(values: pd.Series) -> Profile:
    """One pass, chunk by chunk (temporaries stay small, which on a fresh process saves page faults)."""
    empty, first, longest, plain, controls, line_breaks = [], [], 0, True, False, False
    for data, offsets in _pieces(values):
        starts = offsets[:-1]
        size = offsets[1:] - starts
        blank = size == 0
        empty.append(blank)
        if len(size):
            longest = max(longest, int(size.max()))
        if not len(data):
            first.append(np.zeros(len(starts), dtype=np.uint8))
            continue
        lead = np.take(data, starts, mode="clip")  # an empty cell at the very end points past the data
        np.multiply(lead, ~blank, out=lead, casting="unsafe")  # 0 where blank: fifty times faster than lead[blank] = 0
        first.append(lead)
        low, high = int(data.min()), int(data.max())
        plain = plain and low > 32 and high < 127
        if low < 32 or high == 127:
            odd = np.unique(data[(data < 32) | (data == 127)])
            controls = controls or bool(CONTROL_BYTES[odd].any())
            line_breaks = line_breaks or bool(np.isin(odd, (10, 13)).any())
    return Profile(_join(empty, bool), _join(first, np.uint8), longest, plain, controls, line_breaks)


def _join(parts: list[np.ndarray], dtype) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)


def has_lowercase(values: pd.Series) -> bool:
    """Whether any cell has an ASCII lower-case letter (or any byte above 127, which might be one)."""
    return any(len(data) and (int(data.max()) > 127 or bool(((data >= 97) & (data <= 122)).any()))
               for data, _ in _pieces(values))


# first bytes of whitespace: ASCII tab to carriage return and space; the lead bytes of U+0085, U+00A0 (C2),
# U+1680, U+180E (E1), U+2000–U+205F (E2) and U+3000 (E3)
SPACE_STARTS = bytes([9, 10, 11, 12, 13, 32, 0xC2, 0xE1, 0xE2, 0xE3])


def starting_with(chars: bytes, first: np.ndarray) -> np.ndarray:
    """Cells whose first byte is one of `chars` (ASCII, or the lead byte of a UTF-8 sequence). A chain of
    comparisons: ten times faster than a lookup table on a million cells."""
    found = np.zeros(len(first), dtype=bool)
    for char in chars:
        found |= first == char
    return found


def blank(values: pd.Series, column: Profile | None = None) -> np.ndarray:
    """Empty or whitespace-only cells (Unicode whitespace included). Only cells that start with a
    whitespace byte are checked one by one."""
    column = column or profile(values)
    empty = column.empty.copy()
    if column.plain:  # no whitespace byte anywhere
        return empty
    maybe = starting_with(SPACE_STARTS, column.first)
    if not maybe.any():
        return empty
    rows = np.flatnonzero(maybe)
    spaces = pc.utf8_is_space(arrow(values).take(rows)).fill_null(False).to_numpy(zero_copy_only=False)
    empty[rows[spaces]] = True
    return empty
