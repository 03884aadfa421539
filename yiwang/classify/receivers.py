"""How the classifier hears about cases without the cases app knowing it exists.

The classifier sits above cases and listens to its one hook (cases.events.move_recorded), sent
inside the move's own transaction, so a prediction or correction is recorded exactly when the move
commits (and vanishes with it on a rollback).

- "create": keep the classifier's prediction (label, confidence, version) for the case.
- a move by a person that can set the category ("accept", "dispatch" and "redispatch" all take an
  optional category code; cases.services._recategorize): when the case's first-level category now
  differs from the prediction, record a correction (services.record_correction). A redispatch after
  the platform routed the case by itself and the unit returned it is the usual way a wrong prediction
  is caught, and the correction says so (auto_dispatched). A move that leaves the category as it was
  records nothing new: the same label as the prediction, or as the last correction, is no correction.
"""

from __future__ import annotations

from yiwang.cases.models import SYSTEM

from . import selectors, services
from .models import CasePrediction

CATEGORY_MOVES = frozenset({"accept", "dispatch", "redispatch", "recategorize"})


def on_move_recorded(sender, *, case, events, **kwargs) -> None:
    for event in events:
        if event.action == "create":
            _remember_prediction(case)
        elif event.action in CATEGORY_MOVES and event.actor_role != SYSTEM:
            _detect_correction(case, event)


def _remember_prediction(case) -> None:
    candidates = case.category_candidates or []
    if not candidates or not candidates[0].get("name"):
        return  # a category chosen by a person at intake, or no model: nothing was predicted
    top = candidates[0]
    services.prediction_record(
        case=case,
        label=top["name"],
        confidence=float(top.get("confidence") or 0.0),
        model_version=top.get("model_version") or selectors.last_served_version(),
    )


def _detect_correction(case, event) -> None:
    if case.category_id is None:
        return
    prediction = CasePrediction.objects.filter(case_id=case.pk).first()
    if prediction is None:
        return  # the classifier never predicted this case's category
    services.record_correction(
        case=case,
        predicted=prediction.label,
        chosen=case.category,
        actor=event.actor,
        actor_role=event.actor_role,
        predicted_confidence=prediction.confidence,
        model_version=prediction.model_version,
        event=event,
    )
