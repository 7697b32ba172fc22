"""A local stand-in for the engines' HTTP APIs, and answers in their documented formats.

`FakeEngine` is a real HTTP server on 127.0.0.1 (random port) that answers each request with
the next scripted `Reply` and records what it received, so that tests check both the request an
adapter sends and how it reads each kind of answer. The payload builders below follow the
formats cited in each adapter's docstring; their content is the demo case: the "Kim Yong Bok
funeral" clip is CCTV's 2015 footage of Ri Ul Sol's funeral, re-uploaded to YouTube in 2020.
"""

import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from core.safe_http import Timeout

API_KEY = "test-key-AIzaDemo"
# Generous for answers from a local server; the timeout tests use the short one, and the fake
# sleeps longer than that before answering.
TIMEOUT = Timeout(connect=2.0, read=5.0)
SHORT_TIMEOUT = Timeout(connect=2.0, read=0.25)
CCTV_PAGE = "https://tv.cctv.com/2015/11/09/demo-ri-ul-sol-state-funeral.shtml"
CCTV_IMAGE = "https://p1.img.cctvpic.com/photoworkspace/2015/11/09/demo-ri-ul-sol-funeral.jpg"
YOUTUBE_PAGE = "https://www.youtube.com/watch?v=demoRiUlSol"
YOUTUBE_THUMBNAIL = "https://i.ytimg.com/vi/demoRiUlSol/maxresdefault.jpg"
CLIP_URL = "https://pbs.twimg.com/media/demo-kim-yong-bok-funeral.jpg"
# Not a real JPEG, but JPEG's markers and bytes that survive only a byte-exact transport.
CLIP_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01demo funeral frame\r\n\x00\xff\xfe\xff\xd9"


@dataclass(frozen=True)
class Reply:
    """One scripted answer: `json` (serialized) or raw `body`, after `delay` seconds."""

    status: int = 200
    json: Any = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    def encoded(self) -> bytes:
        if self.body is not None:
            return self.body
        return b"" if self.json is None else json.dumps(self.json).encode()


@dataclass(frozen=True)
class FormPart:
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass(frozen=True)
class Recorded:
    """A request as the fake received it; header names in lower case."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, FormPart]:
        """The parts of a multipart/form-data body, byte for byte."""
        boundary = self.headers["content-type"].split("boundary=", 1)[1].encode()
        parts = {}
        for chunk in self.body.split(b"--" + boundary)[1:-1]:
            head, _, data = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
            head_text = head.decode()
            name = re.search(r'\bname="([^"]*)"', head_text)
            filename = re.search(r'\bfilename="([^"]*)"', head_text)
            content_type = re.search(r"(?im)^content-type:\s*(.+?)\s*$", head_text)
            parts[name.group(1)] = FormPart(
                filename=filename.group(1) if filename else None,
                content_type=content_type.group(1) if content_type else None,
                data=data.removesuffix(b"\r\n"),
            )
        return parts


class FakeEngine:
    """Answers requests, whatever their path, with the scripted replies in order; with 599
    when none is left, so that an unexpected request fails the test loudly."""

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.requests: list[Recorded] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        # A client that timed out has gone when the delayed answer is written: not an error.
        self._server.handle_error = lambda request, client_address: None
        # A short poll interval: `shutdown` waits for it, at the end of every test.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def reply(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler_for(engine: FakeEngine) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as urllib3's pool expects

        def do_GET(self) -> None:
            self._answer()

        def do_POST(self) -> None:
            self._answer()

        def _answer(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            parts = urlsplit(self.path)
            engine.requests.append(
                Recorded(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query, keep_blank_values=True),
                    headers={name.lower(): value for name, value in self.headers.items()},
                    body=body,
                )
            )
            reply = engine.replies.popleft() if engine.replies else Reply(status=599)
            time.sleep(reply.delay)
            content = reply.encoded()
            self.send_response(reply.status)
            headers = {"Content-Type": "application/json; charset=UTF-8", **reply.headers}
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def google_error(code: int, status: str, message: str, *details: dict) -> dict:
    """Google's error JSON (https://cloud.google.com/apis/design/errors)."""
    error: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details:
        error["details"] = list(details)
    return {"error": error}


def error_info(reason: str, service: str) -> dict:
    return {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": reason,
        "domain": "googleapis.com",
        "metadata": {"service": service},
    }


def retry_info(delay: str) -> dict:
    return {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": delay}


def vision_funeral_found() -> dict:
    """Web detection of a frame of the clip: CCTV's 2015 page and the 2020 YouTube upload."""
    return {
        "responses": [
            {
                "webDetection": {
                    "webEntities": [
                        {"entityId": "/m/0demo", "score": 0.71, "description": "State funeral"}
                    ],
                    "fullMatchingImages": [{"url": CCTV_IMAGE}],
                    "partialMatchingImages": [{"url": YOUTUBE_THUMBNAIL}],
                    "pagesWithMatchingImages": [
                        {
                            "url": CCTV_PAGE,
                            "pageTitle": "朝鲜为<b>李乙雪</b>举行国葬 &amp; 送葬",
                            "fullMatchingImages": [{"url": CCTV_IMAGE}],
                        },
                        {
                            "url": YOUTUBE_PAGE,
                            "pageTitle": "North Korea: <b>state funeral</b> of Ri Ul Sol - YouTube",
                            "partialMatchingImages": [{"url": YOUTUBE_THUMBNAIL}],
                        },
                    ],
                    "visuallySimilarImages": [
                        {"url": "https://upload.wikimedia.org/demo/Pyongyang_cortege.jpg"}
                    ],
                    "bestGuessLabels": [{"label": "state funeral", "languageCode": "en"}],
                }
            }
        ]
    }


def tineye_envelope(code: int, messages: list[str], results: Any) -> dict:
    """TinEye's response envelope, for answers and errors alike."""
    return {
        "stats": {"timestamp": "1734945600.12", "query_time": "0.41"},
        "code": code,
        "messages": messages,
        "results": results,
    }


def tineye_funeral_found() -> dict:
    """TinEye's matches: the CCTV still crawled in 2015, the YouTube thumbnail in 2020 and
    again in 2021."""
    answer = tineye_envelope(
        200,
        [],
        {
            "matches": [
                {
                    "image_url": "https://img.tineye.com/result/demo-cctv",
                    "domain": "cctv.com",
                    "score": 78.5,
                    "width": 1280,
                    "height": 720,
                    "size": 921600,
                    "format": "JPEG",
                    "filesize": 183204,
                    "overlay": "overlay/demo-query/demo-cctv?m21=1&m22=0",
                    "tags": [],
                    "backlinks": [
                        {"url": CCTV_IMAGE, "backlink": CCTV_PAGE, "crawl_date": "2015-11-10"}
                    ],
                },
                {
                    "image_url": "https://img.tineye.com/result/demo-youtube",
                    "domain": "ytimg.com",
                    "score": 64.2,
                    "width": 1280,
                    "height": 720,
                    "size": 921600,
                    "format": "JPEG",
                    "filesize": 96211,
                    "overlay": "overlay/demo-query/demo-youtube?m21=1&m22=0",
                    "tags": ["collection"],
                    "backlinks": [
                        {
                            "url": YOUTUBE_THUMBNAIL,
                            "backlink": YOUTUBE_PAGE,
                            "crawl_date": "2020-06-15",
                        },
                        {
                            "url": YOUTUBE_THUMBNAIL,
                            "backlink": "https://www.youtube.com/@demo-archive/videos",
                            "crawl_date": "2021-01-03",
                        },
                    ],
                },
            ]
        },
    )
    answer["stats"] |= {"total_results": 2, "total_backlinks": 3, "total_stock": 0}
    return answer


def factcheck_claim(text: str, claim_date: str, *reviews: dict) -> dict:
    return {
        "claim": {
            "text": text,
            "claimant": "Chinese-language social media users",
            "claimDate": claim_date,
            "claimReview": list(reviews),
        }
    }


def factcheck_review(publisher: str, site: str, url: str, rating: str, language: str) -> dict:
    return {
        "publisher": {"name": publisher, "site": site},
        "url": url,
        "title": "Video of a North Korean state funeral is from 2015",
        "reviewDate": "2024-12-26T00:00:00Z",
        "textualRating": rating,
        "languageCode": language,
    }


AFCL_REVIEW = factcheck_review(
    "Asia Fact Check Lab",
    "asiafactcheck.example",
    "https://asiafactcheck.example/2024/12/26/kim-yong-bok-funeral-video",
    "错误",
    "zh",
)
WIRE_REVIEW = factcheck_review(
    "Demo Wire Fact Check",
    "wire.example",
    "https://wire.example/fact-check/north-korea-funeral-video-2015",
    "False",
    "en",
)
