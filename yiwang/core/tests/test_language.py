"""The requester's script and language: traditional Chinese in, traditional Chinese out."""

from yiwang.core.language import detect_language, in_requester_script, normalize_language

TRADITIONAL = "路燈壞了一個星期，晚上出門很不方便，請儘快維修。"


def test_in_requester_script():
    assert in_requester_script("已修复路灯，感谢您的反映。", "zh-hant") == "已修復路燈，感謝您的反映。"
    assert in_requester_script("已修复路灯", "zh-Hant-HK") == "已修復路燈"
    assert in_requester_script("已修复路灯", "zh-hans") == "已修复路灯"
    assert in_requester_script("已修复路灯", "en") == "已修复路灯"  # no machine translation
    assert in_requester_script("已修复路灯", None) == "已修复路灯"
    assert in_requester_script("", "zh-hant") == ""


def test_detect_and_normalise_language():
    assert detect_language(TRADITIONAL) == "zh-hant"
    assert detect_language("路灯坏了一个星期，晚上出门很不方便。") == "zh-hans"
    assert detect_language("The street light has been broken for a week.") == "en"
    assert normalize_language("zh_TW") == "zh-hant" and normalize_language("en-GB") == "en"
    assert normalize_language("fr") is None
