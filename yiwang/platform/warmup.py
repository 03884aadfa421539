"""Load the slow things once, in the background, when a server starts.

The first request that needs jieba (placement, duplicates, topics), the area index, the map's grid
lines and place names, or the active classifier would otherwise pay for loading them (seconds on a busy machine). Each step is
independent and a failure is only logged: a cold start is slower, never broken.
"""

from __future__ import annotations

import logging
import threading

import jieba
from django.db import connections

from yiwang.cases.placement import find_place
from yiwang.classify.models import ClassifierModel
from yiwang.classify.selectors import loaded_active_model
from yiwang.geo.locate import get_index
from yiwang.geo.models import Level
from yiwang.geo.selectors import area_geojson_bytes, named_areas

log = logging.getLogger("yiwang.platform")


def _steps():
    def words():
        jieba.initialize()
        find_place("江门市蓬江区白沙街道")  # builds the placement tokenizer with every area name

    def classifier():
        if ClassifierModel.objects.filter(is_active=True).exists():
            loaded_active_model()

    def map_layers():
        named_areas()  # the labels and the place-name search
        area_geojson_bytes(level=Level.GRID, lines_only=True, bbox=(0, 0, 0, 0))  # the base map's grid lines

    return (
        ("area index", get_index),
        ("map layers", map_layers),
        ("word segmentation", words),
        ("classifier", classifier),
    )


def warm_up() -> None:
    try:
        for name, step in _steps():
            try:
                step()
            except Exception:  # noqa: BLE001 - logged; the first request loads it instead
                log.warning("warm-up step %s failed", name, exc_info=True)
    finally:
        connections.close_all()


def start_warm_up() -> threading.Thread:
    thread = threading.Thread(target=warm_up, name="yiwang-warm-up", daemon=True)
    thread.start()
    return thread
