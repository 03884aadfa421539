"""Loading and resetting the whole demo, in dependency order. Each app contributes its part."""

from django.conf import settings
from django.core.management import call_command

from yiwang.accounts.demo import load_demo_users
from yiwang.analytics.demo import load_demo_rise
from yiwang.analytics.services import cockpit_refresh
from yiwang.cases.audit import sequence_all
from yiwang.cases.deadlines import policy_snapshot
from yiwang.cases.demo import load_deadline_policies
from yiwang.cases.demo_history import DEFAULT_CASES, load_history
from yiwang.classify.services import classifier_train_demo
from yiwang.geo.demo import load_demo_geography
from yiwang.geo.locate import bump_revision
from yiwang.geo.models import Area
from yiwang.programmes.demo import load_demo_programmes
from yiwang.registers.demo import load_demo_registers
from yiwang.routing.demo import load_categories, load_rules, load_units
from yiwang.routing.snapshot import routing_snapshot
from yiwang.workdays.services import calendar_seed_from_library


def demo_is_loaded() -> bool:
    return Area.objects.exists()


def load_demo(*, stdout=None, history: int | None = None) -> dict:
    """Everything the demo shows. `history`: how many real messages to play through the closed loop
    (None: yiwang.cases.demo_history's default when loading for a person, i.e. with `stdout`, and
    none for the test session, whose tests count their own cases)."""

    def say(msg):
        if stdout is not None:
            stdout.write(msg)

    say("Generating the Jiangmen demo geography (districts are real; town/community/grid shapes generated)…")
    summary = {"areas": load_demo_geography(progress=True)["created"]}
    summary["units"] = load_units()
    summary["categories"] = load_categories()
    summary["rules"] = load_rules()
    calendar_seed_from_library()
    summary["deadline_policies"] = load_deadline_policies()
    routing_snapshot.bump()  # the loaders write in bulk: tell every process's cache
    policy_snapshot.bump()
    if stdout is not None:  # the test session's tests make their own registers
        say("Generating the demo registers (people, buildings, organisations, facilities; marked as generated)…")
        summary["registers"] = load_demo_registers(scale=settings.DEMO_REGISTER_SCALE, progress=True)

    if history is None:
        history = getattr(settings, "DEMO_HISTORY_CASES", DEFAULT_CASES) if stdout is not None else 0
    if history:
        say(
            f"Playing {history} real citizen messages (TipDM 2020 challenge data, places renamed to Jiangmen) "
            "through the closed loop over the last 90 days…"
        )
        summary["history"] = load_history(cases=history, progress=stdout is not None)
        played = summary["history"].pop("message_ids")
    if stdout is not None and settings.DEMO_TRAIN_CLASSIFIER:
        # After the history (whose scripts make every move themselves): new requests in the demo are
        # then classified and, when confident, routed by themselves. The played messages are left out
        # of training, so the model meets them as unseen. Skipped when the active model already fits.
        say("Training the demo classifier on the real labelled messages (about a minute)…")
        model = classifier_train_demo(exclude_ids=played if history else ())
        summary["classifier"] = getattr(model, "version", "unchanged")
    if history:
        say("Adding a rise of noise complaints in 外海街道 for the early warnings (marked as generated)…")
        summary["rise"] = len(load_demo_rise())
        summary["sequenced"] = sequence_all()  # the audit trail's global order, before the rollups read it

        say("Bringing the cockpit's rollups, hot topics and early warnings up to date…")
        summary["cockpit"] = cockpit_refresh()
    if stdout is not None:  # the test session's tests make their own programmes
        say("Loading the six programmes' targets (from the city's plan) and generated progress reports (marked)…")
        load_demo_users()  # the leader who approved the generated reports
        summary["programmes"] = load_demo_programmes()
    return summary


def reset_demo() -> None:
    """Empty every table (Django's flush), then tell other processes the areas changed."""
    call_command("flush", interactive=False, verbosity=0)
    bump_revision()
    routing_snapshot.bump()
    policy_snapshot.bump()
