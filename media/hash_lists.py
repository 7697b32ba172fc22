"""PDQ and vPDQ hash lists in the text formats of Meta's hash-sharing tools, read and written, so
that a newsroom can share its archive's hashes without the media:

- `pdq`: one PDQ hash a line, 64 hexadecimal digits (what Meta's PDQ tools print first).
- `threatexchange`: `<signal type> <signal>` a line, as python-threatexchange's file exchange
  reads and writes them: `pdq <64 hex>`, or `vpdq <JSON list of "hex,quality,seconds">`.
- `hma-csv`, `hma-tsv`: a header naming `signal_type` and `signal` (other columns are ignored),
  then one signal a row, as HMA stores a bank's content signals.
- `vpdq`: one video, one frame a line, `frame,quality,hex,seconds`, as Meta's vpdq-hash-video
  writes it.

Reading checks every line and reports every bad one by its number (`HashListInvalid`), so that
an import is all or nothing.
"""

import csv
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

PDQ = "pdq"
VPDQ = "vpdq"
SIGNAL_TYPES = (PDQ, VPDQ)
FORMATS = ("pdq", "threatexchange", "hma-csv", "hma-tsv", "vpdq")
# Bad lines reported at most; the rest are counted.
MAX_REPORTED_ERRORS = 50
_HEX = re.compile(r"[0-9a-fA-F]{64}")
_TIMESTAMP_DIGITS = 3
VPDQ_CELL_LIMIT = 16 * 1024 * 1024


@dataclass(frozen=True)
class Frame:
    pdq: bytes
    quality: int | None = None
    offset_seconds: float | None = None


@dataclass(frozen=True)
class Signal:
    """One picture (`pdq`, one frame) or one video (`vpdq`, its frames) of a list."""

    signal_type: str
    frames: tuple[Frame, ...]
    # Where it starts in the text read (1-based), or 0 for a signal not read from text.
    line: int = 0


class HashListInvalid(ValueError):
    def __init__(self, errors: list[tuple[int, str]], total: int) -> None:
        self.errors = errors
        self.total = total
        first_line, first = errors[0]
        super().__init__(f"{total} bad line(s); line {first_line}: {first}")


def _pdq(text: str) -> bytes:
    text = text.strip()
    if not _HEX.fullmatch(text):
        raise ValueError(f"not a PDQ hash (64 hexadecimal digits): {text[:80]!r}")
    return bytes.fromhex(text)


def _quality(text: str) -> int:
    if not text.strip().isdigit() or int(text) > 100:
        raise ValueError(f"quality {text[:20]!r} is not a whole number from 0 to 100")
    return int(text)


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise ValueError(f"timestamp {text[:20]!r} is not a time in seconds")
    return seconds


def _compact_frame(text: str) -> Frame:
    """python-threatexchange's compact vPDQ feature: `hex,quality,seconds`."""
    if not isinstance(text, str) or text.count(",") != 2:
        raise ValueError(f"not a vPDQ feature (hex,quality,seconds): {str(text)[:80]!r}")
    pdq, quality, seconds = text.split(",")
    return Frame(_pdq(pdq), _quality(quality), _seconds(seconds))


def _vpdq_signal(text: str) -> tuple[Frame, ...]:
    try:
        features = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"the vPDQ signal is not a JSON list: {error.msg}") from None
    except RecursionError:
        raise ValueError("the vPDQ signal is JSON nested too deep") from None
    if not isinstance(features, list) or not features:
        raise ValueError("the vPDQ signal is not a non-empty JSON list of features")
    return tuple(_compact_frame(feature) for feature in features)


def _signal(signal_type: str, value: str, line: int) -> Signal:
    signal_type = signal_type.strip().lower()
    if signal_type == PDQ:
        return Signal(PDQ, (Frame(_pdq(value)),), line)
    if signal_type == VPDQ:
        return Signal(VPDQ, _vpdq_signal(value), line)
    raise ValueError(f"unknown signal type {signal_type[:40]!r} (expected pdq or vpdq)")


def _lines(text: str) -> Iterable[tuple[int, str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() and not line.lstrip().startswith("#"):
            yield number, line


def _read_pdq(text: str):
    for number, line in _lines(text):
        yield number, lambda line=line, number=number: Signal(PDQ, (Frame(_pdq(line)),), number)


def _read_threatexchange(text: str):
    for number, line in _lines(text):

        def read(line=line, number=number) -> Signal:
            signal_type, _, value = line.strip().partition(" ")
            if not value:
                raise ValueError("expected '<signal type> <signal>'")
            return _signal(signal_type, value, number)

        yield number, read


def _read_hma(text: str, delimiter: str):
    # A vPDQ signal of an hour of video is a cell of a few hundred kilobytes, over the csv
    # module's default limit (the request or file size bounds the whole).
    csv.field_size_limit(max(csv.field_size_limit(), VPDQ_CELL_LIMIT))
    rows = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    try:
        header = next(rows, None)
    except csv.Error as error:
        yield rows.line_num, _fail(f"not {delimiter!r}-separated values: {error}")
        return
    columns = [name.strip().lower() for name in header or []]
    if "signal_type" not in columns or "signal" not in columns:
        yield 1, _fail("the header must name the columns signal_type and signal")
        return
    type_column, signal_column = columns.index("signal_type"), columns.index("signal")
    while True:
        try:
            row = next(rows, None)
        except csv.Error as error:
            # The reader cannot go on past a quoting error: the rest is not read.
            yield rows.line_num, _fail(f"not {delimiter!r}-separated values: {error}")
            return
        if row is None:
            return
        number = rows.line_num
        if not any(cell.strip() for cell in row):
            continue

        def read(row=row, number=number) -> Signal:
            if len(row) <= max(type_column, signal_column):
                raise ValueError(f"{len(row)} column(s) where the header has {len(columns)}")
            return _signal(row[type_column], row[signal_column], number)

        yield number, read


def _read_vpdq(text: str):
    frames = []

    def frame(line: str) -> Frame:
        parts = line.strip().split(",")
        if len(parts) != 4 or not parts[0].strip().isdigit():
            raise ValueError("expected 'frame number,quality,hex,seconds'")
        return Frame(_pdq(parts[2]), _quality(parts[1]), _seconds(parts[3]))

    for number, line in _lines(text):
        yield number, lambda line=line: frames.append(frame(line))
    if frames:
        yield 0, lambda: Signal(VPDQ, tuple(frames), 1)


def _fail(message: str):
    def fail():
        raise ValueError(message)

    return fail


_READERS = {
    "pdq": _read_pdq,
    "threatexchange": _read_threatexchange,
    "hma-csv": lambda text: _read_hma(text, ","),
    "hma-tsv": lambda text: _read_hma(text, "\t"),
    "vpdq": _read_vpdq,
}


def read(text: str, list_format: str) -> list[Signal]:
    """The signals of a list; HashListInvalid naming every bad line (at most
    MAX_REPORTED_ERRORS of them), or when there is no signal at all."""
    signals: list[Signal] = []
    errors: list[tuple[int, str]] = []
    total = 0
    for number, read_line in _READERS[list_format](text):
        try:
            signal = read_line()
        except ValueError as error:
            total += 1
            if len(errors) < MAX_REPORTED_ERRORS:
                errors.append((number, str(error)))
            continue
        if isinstance(signal, Signal) and not errors:
            signals.append(signal)
    if errors:
        raise HashListInvalid(errors, total)
    if not signals:
        raise HashListInvalid([(0, "the list holds no hash")], 1)
    return signals


def _compact(frame: Frame) -> str:
    return (
        f"{frame.pdq.hex()},{frame.quality or 0},{frame.offset_seconds or 0:.{_TIMESTAMP_DIGITS}f}"
    )


def _signal_text(signal: Signal) -> str:
    if signal.signal_type == PDQ:
        return signal.frames[0].pdq.hex()
    return json.dumps([_compact(frame) for frame in signal.frames], separators=(",", ":"))


def write(signals: Iterable[Signal], list_format: str) -> Iterable[str]:
    """The list as text, a line at a time (each ending with a newline). `pdq` writes every
    frame's hash, of videos too; `vpdq` writes the frames of every video in turn."""
    if list_format in ("hma-csv", "hma-tsv"):
        buffer = io.StringIO()
        writer = csv.writer(
            buffer, delimiter="," if list_format == "hma-csv" else "\t", lineterminator="\n"
        )
        writer.writerow(["signal_type", "signal"])
        for signal in signals:
            writer.writerow([signal.signal_type, _signal_text(signal)])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        if buffer.getvalue():
            yield buffer.getvalue()
        return
    for signal in signals:
        if list_format == "pdq":
            yield from (f"{frame.pdq.hex()}\n" for frame in signal.frames)
        elif list_format == "threatexchange":
            yield f"{signal.signal_type} {_signal_text(signal)}\n"
        elif signal.signal_type == VPDQ:
            for number, frame in enumerate(signal.frames):
                yield (
                    f"{number},{frame.quality or 0},{frame.pdq.hex()},"
                    f"{frame.offset_seconds or 0:.{_TIMESTAMP_DIGITS}f}\n"
                )
