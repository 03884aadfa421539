"""Punctuation between data on a page, in the reader's language (core.language.punctuate): Chinese
pages take full-width marks, English pages ASCII ones.

A template that writes a mark between two values — a name and a note in brackets, a list of names —
takes it from here instead of writing （ or 、 into the page, which an English reader would then see.

{% load punctuation %}
{{ a }}{% p "（" %}{{ b }}{% p "）" %}     江海区（示意） · Jianghai (approximate)
{{ names|join_names }}                  甲、乙、丙 · A, B, C
"""

from __future__ import annotations

from django import template

from .. import language

register = template.Library()


@register.simple_tag
def p(mark: str) -> str:
    return language.punctuate(mark)


@register.filter
def join_names(values) -> str:
    return language.join_names(values)
