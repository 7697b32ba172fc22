"""Opening media with FFmpeg (through PyAV) for reading, only ever on bytes we hold.

FFmpeg is a media player as much as a decoder: given a name it guesses the format from the
extension, and some formats are lists of other things to open. An upload called `x.m3u8`
holding an HLS playlist made the HLS demuxer GET every URL in it from the web process, past
the address guard (claims.integrations.safe_http). So:

- FFmpeg gets a file object without a name: the format is told from the bytes alone;
- only the demuxers of the containers intake accepts may be picked (`format_whitelist`);
- no protocol may be opened from inside the file (`protocol_whitelist` naming none): the
  bytes arrive through the file object, which needs no protocol, and a nested open (a
  playlist's segment, a QuickTime data reference) is refused whatever its URL, `file:` too.

Every place that reads media with PyAV goes through `open_input`.
"""

from typing import IO

import av

# FFmpeg's demuxer names (`container.format.name`), of the containers intake accepts.
DEMUXERS = ("mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", "avi", "mpegts")
# Matches no protocol name: FFmpeg refuses every protocol not on the list.
NO_PROTOCOL = "none"


class _Nameless:
    """The stream as PyAV sees it: read, seek and tell, and no `name` for FFmpeg to guess from."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        return self._stream.read(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._stream.seek(offset, whence)

    def tell(self) -> int:
        return self._stream.tell()


def open_input(stream: IO[bytes]) -> av.container.InputContainer:
    """The container in `stream`, read from where the stream is; raises av.error.FFmpegError
    (InvalidDataError for bytes no accepted demuxer reads) like av.open."""
    return av.open(
        _Nameless(stream),
        mode="r",
        container_options={
            "format_whitelist": ",".join(DEMUXERS),
            "protocol_whitelist": NO_PROTOCOL,
        },
    )
