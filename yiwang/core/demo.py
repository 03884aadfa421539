"""Loading and resetting the whole demo, in dependency order. Each app contributes its part."""

from yiwang.geo.demo import load_demo_geography
from yiwang.geo.locate import bump_revision
from yiwang.geo.models import Area
from yiwang.routing.demo import load_categories, load_rules, load_units


def demo_is_loaded() -> bool:
    return Area.objects.exists()


def load_demo(*, stdout=None) -> dict:
    def say(msg):
        if stdout is not None:
            stdout.write(msg)

    say("Generating the Jiangmen demo geography (districts are real; town/community/grid shapes generated)…")
    summary = {"areas": load_demo_geography(progress=True)["created"]}
    summary["units"] = load_units()
    summary["categories"] = load_categories()
    summary["rules"] = load_rules()
    from yiwang.cases.demo import load_deadline_policies
    from yiwang.workdays.services import calendar_seed_from_library

    calendar_seed_from_library()
    summary["deadline_policies"] = load_deadline_policies()
    return summary


def reset_demo() -> None:
    """Empty every table (Django's flush), then tell other processes the areas changed."""
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)
    bump_revision()
