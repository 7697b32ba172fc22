"""In Chromium: a fact-checker logs a claim with its picture from the desk, runs a lookup (the
hashing and the lookup run in this process, as a worker would run them), opens the result,
records the earliest match as evidence, drafts the verdict and submits it; an editor publishes
it from the review queue. Screenshots at 1280 and 412 pixels go to SCREENSHOT_DIR."""

import io
import os
import re
from pathlib import Path

import pytest

from claims.models import Claim, Evidence, Verdict
from claims.services.demo import demo_load, demo_users_reset
from media import demo_media
from media.models import LookupJob, MediaJob
from media.services.lookups import earliest_match
from media.tasks import hash_media_item, run_lookup
from tests.browser.test_publish_flow import CHROMIUM, browser, pytestmark  # noqa: F401

assert CHROMIUM
WIDE, PHONE = {"width": 1280, "height": 900}, {"width": 412, "height": 900}
CLAIM_TEXT = "朝鲜为金永福大将举行国葬的视频截图"


def _screenshot_of_the_clip(path: Path) -> Path:
    """A screenshot of the clip as shared: one frame of the footage under the caption bar."""
    buffer = io.BytesIO()
    demo_media._captioned(demo_media._scene(1002, 1.0)).save(buffer, format="JPEG", quality=80)
    path.write_bytes(buffer.getvalue())
    return path


def _log_in(browser, live_server, username: str, password: str, viewport: dict):  # noqa: F811
    page = browser.new_context(viewport=viewport).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(f"{live_server.url}/desk/")
    page.wait_for_url(re.compile(r".*/admin/login/.*"))
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/desk/")
    return page, errors


def _shots(page, folder: Path, name: str) -> None:
    for label, viewport in (("1280", WIDE), ("412", PHONE)):
        page.set_viewport_size(viewport)
        page.screenshot(path=str(folder / f"desk-{name}-{label}.png"), full_page=True)
    page.set_viewport_size(WIDE)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_claim_from_intake_to_publication(live_server, browser, tmp_path):  # noqa: F811
    demo_load(actor=None)
    passwords = {user: password for user, password, _ in demo_users_reset()}
    folder = Path(os.environ.get("SCREENSHOT_DIR", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)

    page, errors = _log_in(browser, live_server, "factchecker", passwords["factchecker"], WIDE)
    page.keyboard.press("n")  # the intake's text field, from anywhere on the desk
    page.keyboard.type(CLAIM_TEXT)
    page.fill("#id_url", "https://www.douyin.com/video/7451234567899999999")
    page.fill("#id_language", "zh")
    page.set_input_files("#id_file", str(_screenshot_of_the_clip(tmp_path / "shot.jpg")))
    page.click("text=Log the claim")
    page.wait_for_url(re.compile(r".*/desk/claims/\d+/$"))
    assert "logged and assigned to you" in page.inner_text(".messages")
    claim = Claim.objects.get(text=CLAIM_TEXT)
    item = claim.media.get()

    # What the workers would do: hash the picture, then run the lookup that waited for it.
    hash_media_item(MediaJob.objects.get(media_item=item, kind="hash").pk)
    job = LookupJob.objects.get(media_item=item)
    run_lookup(job.pk)

    page.reload()
    page.click(f"text=Lookup #{job.pk} of image")
    page.wait_for_selector(".match.is-earliest")
    assert "Earliest" in page.inner_text(".match.is-earliest")
    assert "9 November 2015" in page.inner_text(".match.is-earliest")
    images = page.locator(".match.is-earliest img")
    assert images.count() == 2
    for index in range(2):
        assert images.nth(index).evaluate("img => img.naturalWidth") > 0
    _shots(page, folder, "lookup")

    page.click(".match.is-earliest >> text=Record as evidence")
    page.wait_for_selector(".match.is-earliest >> text=Recorded as evidence")
    earliest = earliest_match(job)
    assert Evidence.objects.get(lookup_match=earliest).claim == claim

    page.goto(f"{live_server.url}/desk/claims/{claim.pk}/")
    page.select_option("#id_rating", label="False")
    page.fill(
        "#id_headline", "A 'state funeral' screenshot is from 2015 footage of another funeral"
    )
    page.fill("#id_summary", "The picture is a frame of CCTV's 2015 report on Ri Ul Sol's funeral.")
    page.click("text=Start the draft")
    page.wait_for_selector("text=Verdict draft saved.")
    page.click("text=Submit for review")
    page.wait_for_selector("text=Submitted for review.")
    verdict = Verdict.objects.get(claim=claim)
    assert verdict.status == Verdict.Status.IN_REVIEW
    _shots(page, folder, "claim")
    assert errors == []

    editor_page, editor_errors = _log_in(browser, live_server, "editor", passwords["editor"], WIDE)
    review = editor_page.locator("#review li", has_text=verdict.headline)
    assert "Ready to publish." in review.inner_text()
    _shots(editor_page, folder, "home-editor")
    review.get_by_role("button", name="Publish").click()
    editor_page.wait_for_selector("text=Published.")
    verdict.refresh_from_db()
    assert verdict.status == Verdict.Status.PUBLISHED
    assert verdict.headline in editor_page.inner_text("#published-title + ul")
    assert editor_errors == []

    page.goto(f"{live_server.url}/desk/")
    _shots(page, folder, "home-fact-checker")
    page.goto(f"{live_server.url}/fact-checks/{verdict.slug}/")
    _shots(page, folder, "public-page")
    assert "An earlier copy of this image published by CCTV on 9 November 2015" in page.inner_text(
        "main"
    )
