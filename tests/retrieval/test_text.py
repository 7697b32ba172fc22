from retrieval.text import MAX_EMBEDDED_CHARS, clean_post, embeddable


def test_a_tweet_keeps_its_words_and_its_author_and_loses_links_and_the_date():
    tweet = (
        "Republicans in Illinois don't want the child of a single mother to get a birth "
        "certificate. Unbelievable. https://t.co/yoEOL6vXBm #GOP — Paul Wilczynski "
        "(@PaulWilczynski) February 25, 2016"
    )
    assert clean_post(tweet) == (
        "Republicans in Illinois don't want the child of a single mother to get a birth "
        "certificate. Unbelievable. GOP Paul Wilczynski"
    )


def test_handles_stay_as_the_names_they_are():
    assert clean_post("@realDonaldTrump says @CNN lied") == "realDonaldTrump says CNN lied"


def test_emoji_control_characters_and_nul_are_dropped():
    assert clean_post("\x00 😀 金永福国葬 pic.twitter.com/abc\u200b") == "金永福国葬"
    assert clean_post("😀😀 https://example.org") == ""


def test_a_long_post_is_cut_at_a_word():
    text = embeddable("word " * 5000)
    assert len(text) <= MAX_EMBEDDED_CHARS
    assert text.endswith("word")
