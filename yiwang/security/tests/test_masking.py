"""Masking: fixed examples, then properties over any input (hypothesis)."""

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from yiwang.security.masking import mask_id_number, mask_name, mask_phone

phones = st.one_of(
    st.from_regex(r"1[3-9]\d{9}", fullmatch=True),
    st.from_regex(r"0(?:10|2\d|[3-9]\d{2})-\d{7,8}", fullmatch=True),  # area codes as the plan has them
    st.from_regex(r"\+85[23]\d{8}", fullmatch=True),
)
id_numbers = st.from_regex(r"\d{17}[\dX]", fullmatch=True)
# Area codes as the numbering plan has them: 010 and 02x, else 0 and three digits; then a local number.
landlines = st.tuples(
    st.from_regex(r"0(?:10|2[0-9]|[3-9][0-9]{2})", fullmatch=True),
    st.from_regex(r"[2-9][0-9]{6,7}", fullmatch=True),
    st.sampled_from(["", "-", "(", " "]),
    st.sampled_from(["", "-12", "转801", "#6"]),
)
internationals = st.tuples(
    st.sampled_from(["1", "7", "44", "60", "61", "81", "86", "852", "853", "886", "971"]),
    st.from_regex(r"[1-9][0-9]{6,11}", fullmatch=True),
    st.sampled_from(["+", "+ ", "00"]),
)


def test_examples():
    assert mask_name("张三明") == "张*明"
    assert mask_name("李四") == "李*"
    assert mask_name("欧阳修锋") == "欧**锋" and mask_name("王") == "*"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("138 1234-5678") == "138****5678"
    assert mask_phone("0750-3123456") == "0750****3456"
    assert mask_phone("0750-3123456-12") == "0750****3456"  # the extension is dropped
    assert mask_phone("(0750)3123456") == "0750****3456"
    assert mask_phone("010-12345678") == "010****5678"
    assert mask_phone("020 87654321") == "020****4321"
    assert mask_phone("+85291234567") == "+852****4567"
    assert mask_phone("+852 9123 4567") == mask_phone("0085291234567") == "+852****4567"
    assert mask_phone("+85366123456") == "+853****3456"
    assert mask_phone("+14155550123") == "+1****0123"
    assert mask_phone("+447911123456") == "+44****3456"
    assert mask_phone("+8613812345678") == "+86****5678"
    assert mask_phone("3123456") == "****3456"
    assert mask_id_number("44070119900101123X") == "4407**********123X"
    assert mask_id_number("E12345678") == "E1*****78"  # a passport: a quarter kept at each end
    assert mask_id_number("A123456(3)") == "A1******3)"
    assert mask_phone("12345") == "*****" and mask_phone("nonsense") == "********"
    assert mask_name("") == "" and mask_phone("") == "" and mask_id_number("") == ""


@given(phones)
def test_a_phone_keeps_at_most_its_prefix_and_last_four(phone):
    masked = mask_phone(phone)
    # digits in another form (１, 𝟎) are shown as 0-9
    assert masked.endswith(unicodedata.normalize("NFKC", phone)[-4:]) and "****" in masked
    visible_digits = sum(c.isdigit() for c in masked)
    assert sum(c.isdigit() for c in phone) - visible_digits >= 3


@given(landlines)
def test_a_landline_keeps_its_area_code_and_last_four(parts):
    area, local, separator, extension = parts
    typed = f"({area}){local}" if separator == "(" else f"{area}{separator}{local}"
    assert mask_phone(typed + extension) == f"{area}****{local[-4:]}"


@given(internationals)
def test_an_international_number_keeps_its_country_code_and_last_four(parts):
    code, number, prefix = parts
    assert mask_phone(f"{prefix}{code}{number}") == f"+{code}****{number[-4:]}"


@given(st.text(max_size=30).filter(lambda s: not any(c.isspace() for c in s)))
def test_an_id_number_keeps_at_most_half(value):
    masked = mask_id_number(value)
    assert len(masked) == len(value) and masked.count("*") >= len(value) / 2


@given(id_numbers)
def test_an_id_number_hides_the_birth_date(number):
    masked = mask_id_number(number)
    assert len(masked) == len(number)
    assert masked[:4] == number[:4] and masked[-4:] == number[-4:]
    assert masked[6:14] == "********"  # the birth date


@given(st.text(min_size=2, max_size=12).filter(lambda s: not any(c.isspace() for c in s)))
def test_a_name_never_shows_its_middle(name):
    masked = mask_name(name)
    assert len(masked) == len(name) and masked[0] == name[0]
    assert set(masked[1:-1]) <= {"*"}


@given(st.text(max_size=40))
def test_masks_are_total(value):
    for mask in (mask_name, mask_phone, mask_id_number):
        assert isinstance(mask(value), str)


# --------------------------------------------------------------------------- free text (issue 15)
from yiwang.security.masking import mask_personal_text  # noqa: E402


def test_free_text_masks_personal_data_in_every_form_it_is_written():
    # given what callers type: phones in several forms, full-width digits, e-mail, IDs, house numbers
    text = (
        "电话138-0013-8000或+8613900139000，座机0750-3123456，１３８００１３８０００，"
        "邮箱 zhang.san@example.com，香港身份证A123456(7)，身份证44070319900101123X，住幸福路12号3栋502房"
    )
    # when it is masked
    masked = mask_personal_text(text)
    # then no form survives, each shown by the platform's rules
    assert masked == (
        "电话138****8000或+86****9000，座机0750****3456，138****8000，"
        "邮箱 z***@example.com，香港身份证A1****67，身份证4407**********123X，住幸福路**号*栋***房"
    )


def test_free_text_keeps_what_is_not_personal():
    text = "与 20261204000123 为同一诉求，2026-12-04 拨打12345热线，路灯坏了5天（已报修）"
    assert mask_personal_text(text) == text


def test_free_text_masks_the_requesters_own_name():
    assert mask_personal_text("我是王五，请王五的邻居作证", names=["王五"]) == "我是王*，请王*的邻居作证"


@given(st.text(max_size=80), phones)
def test_no_phone_survives_in_any_surrounding_text(before, phone):
    masked = mask_personal_text(f"{before}联系{phone}谢谢")
    assert phone not in masked
