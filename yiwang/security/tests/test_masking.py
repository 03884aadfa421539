"""Masking: fixed examples, then properties over any input (hypothesis)."""

from hypothesis import given
from hypothesis import strategies as st

from yiwang.security.masking import mask_id_number, mask_name, mask_phone

phones = st.one_of(
    st.from_regex(r"1[3-9]\d{9}", fullmatch=True),
    st.from_regex(r"0\d{2,3}-\d{7,8}", fullmatch=True),
    st.from_regex(r"\+85[23]\d{8}", fullmatch=True),
)
id_numbers = st.from_regex(r"\d{17}[\dX]", fullmatch=True)


def test_examples():
    assert mask_name("张三明") == "张*明"
    assert mask_name("李四") == "李*"
    assert mask_name("欧阳修锋") == "欧**锋"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0750-3123456") == "0750****3456"
    assert mask_phone("+85291234567") == "+852****4567"
    assert mask_id_number("44070119900101123X") == "4407**********123X"
    assert mask_phone("12345") == "*****" and mask_name("") == "" and mask_id_number("") == ""


@given(phones)
def test_a_phone_keeps_at_most_its_prefix_and_last_four(phone):
    masked = mask_phone(phone)
    assert masked.endswith(phone[-4:]) and "****" in masked
    visible_digits = sum(c.isdigit() for c in masked)
    assert sum(c.isdigit() for c in phone) - visible_digits >= 3


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
