"""The SDK's per-registration stack trace, computed without reading source files.

For every resource it registers, the Python SDK sends the monitor the stack of the code that made
it (`pulumi/runtime/resource.py` `_get_stack_trace`): `traceback.extract_stack()`, which also loads
the source line of every frame (a `stat` of each file, through linecache), then one `file://` URI
per frame through `pathlib`. Under pytest the stack is some 70 frames deep, and a test suite that
runs the program a few thousand times spent a fifth of its time there, for a field no mock reads.

`stack_trace()` builds the same `StackTrace` message (frames, top first, up to the frame before the
third `__init__` from the top; file URIs and line numbers) from the frames themselves, with each
file's URI made once; `install()` puts it in the SDK's place. tests/test_harness_quiet.py checks
that both give the same message.
"""
from __future__ import annotations

import functools
import pathlib
import sys
from typing import Optional

from pulumi.runtime import resource as sdk_resource
from pulumi.runtime.proto import source_pb2

SDK_STACK_TRACE = sdk_resource._get_stack_trace


@functools.lru_cache(maxsize=None)
def _uri(filename: str) -> Optional[str]:
    try:
        return pathlib.Path(filename).as_uri()
    except BaseException:  # noqa: BLE001 as the SDK: a frame without a usable file has no position
        return None


def stack_trace(_depth: int = 1) -> source_pb2.StackTrace:
    """`_get_stack_trace()` of the caller (`_depth` frames up from here)."""
    frames = []
    frame = sys._getframe(_depth)
    while frame is not None:
        frames.append(frame)
        frame = frame.f_back
    # frames[0] is the innermost, as `reversed(traceback.extract_stack())`.
    seen = 0
    cut = None
    for index, f in enumerate(frames):
        if f.f_code.co_name == "__init__":
            seen += 1
            if seen == 3:
                cut = index
                break
    # The SDK's loop variable `i` ends at 0 when no third `__init__` is found, and it also returns an
    # empty trace when the third one is the outermost frame (`i < 1`).
    if cut is None or cut == len(frames) - 1:
        return source_pb2.StackTrace()
    out = []
    for f in frames[cut + 1:]:
        lineno = f.f_lineno
        uri = _uri(f.f_code.co_filename) if f.f_code.co_filename != "" and lineno is not None else None
        out.append(source_pb2.StackFrame(pc=source_pb2.SourcePosition(uri=uri, line=lineno)) if uri is not None
                   else source_pb2.StackFrame(pc=None))
    return source_pb2.StackTrace(frames=out)


def _installed() -> source_pb2.StackTrace:
    return stack_trace(2)


def install() -> None:
    sdk_resource._get_stack_trace = _installed
