"""The platform an appearance's address names, for intake and imports alike."""

from urllib.parse import urlsplit

from claims.models import Appearance

# Where an appearance URL's host tells the platform (the host itself or a subdomain of it).
PLATFORM_HOSTS = {
    "x.com": Appearance.Platform.X,
    "twitter.com": Appearance.Platform.X,
    "facebook.com": Appearance.Platform.FACEBOOK,
    "fb.watch": Appearance.Platform.FACEBOOK,
    "instagram.com": Appearance.Platform.INSTAGRAM,
    "threads.net": Appearance.Platform.THREADS,
    "threads.com": Appearance.Platform.THREADS,
    "tiktok.com": Appearance.Platform.TIKTOK,
    "douyin.com": Appearance.Platform.DOUYIN,
    "weibo.com": Appearance.Platform.WEIBO,
    "weibo.cn": Appearance.Platform.WEIBO,
    "weixin.qq.com": Appearance.Platform.WECHAT,
    "youtube.com": Appearance.Platform.YOUTUBE,
    "youtu.be": Appearance.Platform.YOUTUBE,
    "t.me": Appearance.Platform.TELEGRAM,
    "telegram.me": Appearance.Platform.TELEGRAM,
    "whatsapp.com": Appearance.Platform.WHATSAPP,
    "wa.me": Appearance.Platform.WHATSAPP,
    "line.me": Appearance.Platform.LINE,
    "kakao.com": Appearance.Platform.KAKAOTALK,
    "naver.com": Appearance.Platform.NAVER,
    "ptt.cc": Appearance.Platform.PTT,
}


def platform_of(url: str) -> str:
    """The platform of a post's address; anything not listed is a web page."""
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    for domain, platform in PLATFORM_HOSTS.items():
        if host == domain or host.endswith("." + domain):
            return platform
    return Appearance.Platform.WEB
