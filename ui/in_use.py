"""Objects every session shares while one of them uses it — parsed uploads and joined panels — and that leave memory
when the last such session ends.

A Streamlit resource cache keeps its entries until it is full or their time is up, whoever still needs them: 20
sessions that each uploaded 10 MB left a gigabyte behind after every one had closed. Here a weak registry finds an
object any live session holds (one parse per content across sessions, under a per-key lock), and each session holds
what it used in its own state. When a session ends, Streamlit drops its state, the last strong reference goes, the
registry forgets the object, and the freed memory is handed back to the system (`release_memory`).
"""

from __future__ import annotations

import ctypes
import threading
import weakref
from collections.abc import Callable, Hashable, MutableMapping
from typing import Any, TypeVar

T = TypeVar("T")


def release_memory() -> None:
    """Hand freed memory back to the system: Arrow's pool and glibc both keep freed pages for reuse until asked."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


class InUse:
    """A registry of shared objects, each alive while a holder (a session's state) keeps it."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._objects: weakref.WeakValueDictionary[Hashable, Any] = weakref.WeakValueDictionary()
        self._locks: weakref.WeakValueDictionary[Hashable, threading.Lock] = weakref.WeakValueDictionary()
        self._guard = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], T], holder: MutableMapping[Hashable, Any] | None) -> T:
        """The object for `key`, made once (two sessions asking together wait for one `make`), and kept in
        `holder` (None: kept only as long as the caller keeps it)."""
        found = self._objects.get(key)
        if found is None:
            with self._guard:
                lock = self._locks.get(key)
                if lock is None:
                    lock = self._locks[key] = threading.Lock()
            with lock:
                found = self._objects.get(key)
                if found is None:
                    found = make()
                    self._objects[key] = found
                    weakref.finalize(found, release_memory)
        if holder is not None:
            holder[key] = found
        return found

    def clear(self) -> None:
        """Forget every object, so the next `get` makes it afresh (sessions holding one keep theirs)."""
        self._objects.clear()

    def __len__(self) -> int:
        return len(self._objects)


def session_holder(name: str) -> dict | None:
    """This session's holder for registry `name` (in its session state, so it ends with the session); None
    outside a Streamlit run (a script or a test that calls the functions directly)."""
    import streamlit as st
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    if get_script_run_ctx(suppress_warning=True) is None:
        return None
    return st.session_state.setdefault(f"_in_use.{name}", {})
