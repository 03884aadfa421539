"""The intake validators: every valid generated number passes, every single-character corruption of a
checked number fails, and each refusal says what is wrong."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yiwang.intake import validators as v

TODAY = dt.date(2025, 6, 1)
digits = st.text("0123456789", min_size=1, max_size=1)


# --------------------------------------------------------------------------- mainland ID (GB 11643)
@st.composite
def mainland_ids(draw):
    province = draw(st.sampled_from(sorted(v.ID_PROVINCES)))
    region = draw(st.integers(0, 9999))
    born = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY))
    sequence = draw(st.integers(0, 999))
    first17 = f"{province:02d}{region:04d}{born:%Y%m%d}{sequence:03d}"
    return first17 + v.mainland_id_check_char(first17)


@given(mainland_ids())
def test_every_valid_mainland_id_passes(number):
    assert v.parse_mainland_id(number, today=TODAY) == number
    assert v.parse_mainland_id(number.lower() + " ", today=TODAY) == number  # x and spaces tolerated


@given(mainland_ids(), st.integers(0, 17), st.data())
def test_any_single_character_corruption_of_a_mainland_id_fails(number, position, data):
    alphabet = "0123456789X" if position == 17 else "0123456789"
    replacement = data.draw(st.sampled_from([c for c in alphabet if c != number[position]]))
    corrupted = number[:position] + replacement + number[position + 1 :]
    with pytest.raises(v.Invalid):
        v.parse_mainland_id(corrupted, today=TODAY)


def test_mainland_id_refusals_say_what_is_wrong():
    # given: a real-form number (the standard's published example)
    good = "11010519491231002X"
    assert v.parse_mainland_id(good, today=TODAY) == good
    cases = {
        "1101051949123100": "18 位",
        "99010519491231002X": "省份",
        "110105194902300021": "出生日期",
        "110105203001010021": "出生日期",
        "110105194912310021": "校验位",
    }
    for number, words in cases.items():
        with pytest.raises(v.Invalid) as exc:
            v.parse_mainland_id(number, today=TODAY)
        assert words in str(exc.value.message), number


# --------------------------------------------------------------------------- Hong Kong identity card
@st.composite
def hkids(draw):
    prefix = draw(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=2))
    body = draw(st.text("0123456789", min_size=6, max_size=6))
    return prefix, body, v.hkid_check_char(prefix, body)


@given(hkids())
def test_every_valid_hkid_passes_with_or_without_brackets(parts):
    prefix, body, check = parts
    assert v.parse_hkid(f"{prefix}{body}({check})") == f"{prefix}{body}({check})"
    assert v.parse_hkid(f"{prefix.lower()}{body}{check}") == f"{prefix}{body}({check})"


@given(hkids(), st.integers(0, 6), st.data())
def test_any_single_digit_or_check_corruption_of_an_hkid_fails(parts, position, data):
    # MOD 11 catches every changed digit; a changed letter can slip through (letters run to 35).
    prefix, body, check = parts
    if position == 6:
        bad = data.draw(st.sampled_from([c for c in "0123456789A" if c != check]))
        number = f"{prefix}{body}({bad})"
    else:
        bad = data.draw(st.sampled_from([c for c in "0123456789" if c != body[position]]))
        number = f"{prefix}{body[:position]}{bad}{body[position + 1 :]}({check})"
    with pytest.raises(v.Invalid):
        v.parse_hkid(number)


def test_the_published_hkid_example():
    assert v.parse_hkid("A123456(3)") == "A123456(3)"
    with pytest.raises(v.Invalid, match="校验码"):
        v.parse_hkid("A123456(4)")


# --------------------------------------------------------------------------- unified social credit code
@st.composite
def usccs(draw):
    head = draw(st.sampled_from("159Y")) + draw(st.sampled_from("123"))
    region = draw(st.text("0123456789", min_size=6, max_size=6))
    rest = draw(st.text(v.USCC_CHARS, min_size=9, max_size=9))
    first17 = head + region + rest
    return first17 + v.uscc_check_char(first17)


@given(usccs())
def test_every_valid_uscc_passes(code):
    assert v.parse_uscc(code.lower()) == code


@given(usccs(), st.integers(0, 17), st.data())
def test_any_single_character_corruption_of_a_uscc_fails(code, position, data):
    alphabet = "0123456789" if 2 <= position < 8 else v.USCC_CHARS
    bad = data.draw(st.sampled_from([c for c in alphabet if c != code[position]]))
    with pytest.raises(v.Invalid):
        v.parse_uscc(code[:position] + bad + code[position + 1 :])


# --------------------------------------------------------------------------- permits, Macao ID, passports
@given(st.sampled_from("HM"), st.text("0123456789", min_size=8, max_size=8), st.booleans())
def test_hong_kong_macao_permits(letter, body, old):
    number = letter + body + ("12" if old else "")
    assert v.parse_hkmo_permit(number.lower()) == number


@pytest.mark.parametrize("bad", ["H1234567", "A12345678", "H123456789", "M1234567890123"])
def test_hong_kong_macao_permits_refused(bad):
    with pytest.raises(v.Invalid, match="通行证"):
        v.parse_hkmo_permit(bad)


def test_macao_id_and_passports():
    assert v.parse_macao_id("1234567(8)") == "1234567(8)"
    assert v.parse_macao_id("5215299/8") == "5215299(8)"
    with pytest.raises(v.Invalid, match="澳门"):
        v.parse_macao_id("2234567(8)")
    for number in ("E12345678", "EA1234567", "G12345678", "K12345678", "123456789", "AB123456"):
        assert v.parse_passport(number) == number
    for bad in ("E1234", "ABCDEFGH", "1234567890"):
        with pytest.raises(v.Invalid, match="护照"):
            v.parse_passport(bad)


# --------------------------------------------------------------------------- which documents for whom
def test_documents_are_accepted_per_requester_kind():
    mainland = "11010519491231002X"
    assert v.parse_id_document(mainland, "resident", today=TODAY).kind == "mainland_id"
    assert v.parse_id_document("A123456(3)", "hk_macao").kind == "hkid"
    assert v.parse_id_document("H12345678", "hk_macao").kind == "hkmo_permit"
    assert v.parse_id_document("1234567(8)", "hk_macao").kind == "macao_id"
    assert v.parse_id_document("E12345678", "overseas_chinese").kind == "passport"
    assert (
        v.parse_id_document(
            "91440700MA4UJ6NQ0D"[:17] + v.uscc_check_char("91440700MA4UJ6NQ0"), "enterprise"
        ).kind
        == "uscc"
    )
    # a Hong Kong card given by a "resident" is refused with a hint
    with pytest.raises(v.Invalid, match="香港身份证"):
        v.parse_id_document("A123456(3)", "resident")
    # an 18-digit number with a wrong check digit is judged as an ID card, whoever gives it
    with pytest.raises(v.Invalid, match="校验位"):
        v.parse_id_document("110105194912310021", "overseas_chinese", today=TODAY)
    with pytest.raises(v.Invalid):
        v.parse_id_document("whatever", "anonymous")


# --------------------------------------------------------------------------- phone numbers
@given(
    st.sampled_from("3456789"),
    st.text("0123456789", min_size=9, max_size=9),
    st.sampled_from(["", "+86", "86", "0086", "+86 "]),
)
def test_every_mainland_mobile_passes_and_normalises(second, rest, prefix):
    number = "1" + second + rest
    spaced = f"{prefix}{number[:3]} {number[3:7]}-{number[7:]}"
    assert v.parse_phone(spaced) == v.Phone("mobile", number)


@given(st.sampled_from("012"), st.text("0123456789", min_size=9, max_size=9))
def test_mobiles_with_a_wrong_second_digit_fail(second, rest):
    with pytest.raises(v.Invalid, match="手机"):
        v.parse_phone("1" + second + rest)


@given(
    st.sampled_from(["010", "020", "021", "0750", "0755", "0898"]),
    st.sampled_from("23456789"),
    st.text("0123456789", min_size=6, max_size=7),
)
def test_landlines_with_area_code(area, first, rest):
    local = first + rest
    if len(area) == 3 and len(local) != 8:
        local = (local + "0")[:8]
    assert v.parse_phone(f"{area}-{local}") == v.Phone("landline", f"{area}-{local}")
    assert v.parse_phone(f"({area}){local}").normalized == f"{area}-{local}"


@given(st.sampled_from("2356789"), st.text("0123456789", min_size=7, max_size=7))
def test_hong_kong_numbers(first, rest):
    number = first + rest
    assert v.parse_phone(f"+852 {number[:4]} {number[4:]}") == v.Phone("hk", "+852" + number)
    assert v.parse_phone(f"00852{number}").normalized == "+852" + number


@pytest.mark.parametrize(
    ("raw", "normalized", "kind"),
    [
        ("+853 6612 3456", "+85366123456", "macao"),
        ("+853 2833 1234", "+85328331234", "macao"),
        ("+1 415 555 0123", "+14155550123", "overseas"),
        ("+44 20 7946 0958", "+442079460958", "overseas"),
        ("0750-3123456 转 12", "0750-3123456-12", "landline"),
        ("+86 750 3123456", "0750-3123456", "landline"),
        ("13800138000", "13800138000", "mobile"),
    ],
)
def test_phone_forms(raw, normalized, kind):
    assert v.parse_phone(raw) == v.Phone(kind, normalized)


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("3123456", "区号"),  # a local number without its area code
        ("91234567", "+852"),  # a bare 8-digit number: Hong Kong or a mainland landline?
        ("+852 1234 5678", "香港"),
        ("+853 1234 5678", "澳门"),
        ("+86 12345", "+86"),
        ("138-0013-800", "手机"),
        ("0750-12345", "区号"),
        ("+0 12345678", "国家代码"),
        ("phone 123", "数字"),
        ("", "联系电话"),
    ],
)
def test_phone_refusals_say_how_to_write_it(raw, words):
    with pytest.raises(v.Invalid) as exc:
        v.parse_phone(raw)
    assert words in str(exc.value.message)


# --------------------------------------------------------------------------- text
def test_text_bounds_count_words_not_punctuation():
    assert v.check_text("路灯坏了一周") == "路灯坏了一周"
    for bad, words in [("灯。。。。。。", "至少"), ("啊啊啊啊啊啊", "无法识别"), ("字" * 5001, "5000")]:
        with pytest.raises(v.Invalid, match=words):
            v.check_text(bad)
    with pytest.raises(v.Invalid, match="至少 10"):
        v.check_text("谢谢你们的帮助", minimum=10)
    assert v.check_title("  路灯  ") == "路灯"
    for bad in ("", "   ", "！", "长" * 201):
        with pytest.raises(v.Invalid):
            v.check_title(bad)
