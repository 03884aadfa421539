"""Small, fixed samples of the real messages, so the classifier's tests stay fast (seconds)."""

import csv
import random
from collections import defaultdict
from pathlib import Path

import pytest
from django.conf import settings

from yiwang.classify import selectors

FIELDS = ["id", "title", "text", "label", "submitted_at", "text_form"]


def messages_csv() -> Path:
    return Path(getattr(settings, "DATA_DIR", Path("data"))) / "messages" / "train.csv"


def stratified_sample(per_label: int, *, seed: int = 0, skip: int = 0) -> list[dict[str, str]]:
    """``per_label`` rows of each label, drawn with a fixed seed (``skip`` rows per label first)."""
    path = messages_csv()
    if not path.is_file():
        pytest.skip(f"{path} is not there (copy ../shared/data/messages into data/messages)")
    with open(path, encoding="utf-8", newline="") as fh:
        by_label: dict[str, list[dict[str, str]]] = defaultdict(list)
        for row in csv.DictReader(fh):
            by_label[row["label"]].append(row)
    rng = random.Random(seed)
    out = []
    for label in sorted(by_label):
        rows = by_label[label][:]
        rng.shuffle(rows)
        out.extend(rows[skip : skip + per_label])
    return out


def write_csv(path: Path, rows: list[dict[str, str]], fields: list[str] = FIELDS) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture(scope="session")
def train_rows() -> list[dict[str, str]]:
    return stratified_sample(40)


@pytest.fixture(scope="session")
def test_rows() -> list[dict[str, str]]:
    return stratified_sample(10, skip=40)


@pytest.fixture
def train_csv(tmp_path, train_rows) -> Path:
    return write_csv(tmp_path / "train.csv", train_rows)


@pytest.fixture
def test_csv(tmp_path, test_rows) -> Path:
    return write_csv(tmp_path / "test.csv", test_rows)


@pytest.fixture(autouse=True)
def _classifier_sandbox(settings, tmp_path):
    # Artifacts go to a temporary VAR_DIR; every process-level cache starts empty and re-reads the
    # active version on each call (on_commit hooks do not fire inside a test's transaction).
    settings.VAR_DIR = tmp_path / "var"
    settings.CLASSIFY_CHECK_SECONDS = 0
    settings.CLASSIFY_SIMILAR_CHECK_SECONDS = 0
    selectors.forget_cached_state()
    selectors.forget_similar_index()
    yield
    selectors.forget_cached_state()
    selectors.forget_similar_index()


POINT = (113.08, 22.60)  # central 蓬江区 (the demo geography the test session loads)


@pytest.fixture
def people(db):
    from yiwang.accounts.models import Role, User
    from yiwang.geo.models import Area

    city = Area.objects.get(code="440700")

    def user(name, role, **kw):  # no password: tests sign in with force_login
        return User.objects.create(username=f"c_{name}", role=role, **kw)

    return {
        "resident": user("resident", Role.RESIDENT),
        "operator": user("operator", Role.OPERATOR, area=city),
        "dispatcher": user("dispatcher", Role.DISPATCHER, area=city),
        "admin": user("admin", Role.ADMIN, is_staff=True, is_superuser=True),
        "leader": user("leader", Role.LEADER, area=city),
    }


@pytest.fixture
def make_case(people):
    """A resident's request through intake (case_submit), classified by the active model."""
    from yiwang.cases.services import Actor, CaseInput
    from yiwang.intake.services import case_submit

    def make(*, title: str, text: str, by: str = "resident"):
        data = CaseInput(
            request_type="投诉",
            title=title,
            text=text,
            lon=POINT[0],
            lat=POINT[1],
            requester_name="张三",
            requester_phone="13800138000",
        )
        return case_submit(data=data, actor=Actor.of(people[by]))[0]

    return make


@pytest.fixture
def category_code(db):
    """Code of the first-level category with this name (the demo tree is built from taxonomy.csv)."""
    from yiwang.routing.models import Category

    return lambda name: Category.objects.get(level=1, name=name).code
