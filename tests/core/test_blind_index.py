from bordermonitor.core.blind_index import name_digests, name_tokens, query_digests
from bordermonitor.core.scripts import detect_script


def test_tokens_are_normalised_and_transliterated():
    tokens = name_tokens("Мухаммед Аль-Хасан")
    assert {"мухаммед", "mukhammed", "аль", "al", "хасан", "khasan"} <= tokens


def test_accents_and_case_do_not_matter():
    assert name_digests("KUŹNICA") == name_digests("kuznica") | name_digests("kuźnica")


def test_digest_reveals_no_token():
    digests = name_digests("Hussein")
    assert all(len(d) == 32 and "hussein" not in d for d in digests)


def test_each_query_word_must_match():
    assert len(query_digests("mohammed  ali")) == 2


def test_script_detection():
    assert detect_script("Мухаммед") == "cyrillic"
    assert detect_script("محمد حسين") == "arabic"
    assert detect_script("Muhammad Husajn") == "latin"
    assert detect_script("ሙሉጌታ") == "ethiopic"
    assert detect_script("123") == "other"
