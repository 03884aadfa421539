import subprocess
import sys

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from yiwang.core.errors import ApplicationError
from yiwang.geo.locate import get_index, locate
from yiwang.geo.models import Area, Level

pytestmark = pytest.mark.django_db


def test_a_point_in_central_jiangmen_is_in_a_pengjiang_grid():
    # when
    found = locate(113.08, 22.60)
    # then
    assert [a.level for a in found.chain] == [1, 2, 3, 4, 5]
    assert found.at(Level.DISTRICT).name == "蓬江区"
    assert found.grid.code.startswith("440703") and len(found.grid.code) == 15
    assert found.grid.code[:12] == found.at(Level.COMMUNITY).code


def test_each_district_locates_its_own_seat():
    seats = {
        "江海区": (113.115144, 22.574903),
        "新会区": (113.03, 22.46),
        "台山市": (112.79, 22.25),
        "开平市": (112.69, 22.37),
        "鹤山市": (112.96, 22.77),
        "恩平市": (112.31, 22.18),
    }
    for name, (lon, lat) in seats.items():
        assert locate(lon, lat).at(Level.DISTRICT).name == name, name


def test_a_point_outside_jiangmen_is_outside_every_area():
    assert locate(116.40, 39.90) is None  # Beijing


@pytest.mark.parametrize(
    "lon, lat, code",
    [
        ("abc", "22.6", "invalid_coordinates"),
        ("113.08", "", "invalid_coordinates"),
        ("nan", "22.6", "invalid_coordinates"),
        ("200", "22.6", "coordinates_out_of_range"),
        ("22.60", "113.08", "coordinates_out_of_range"),  # swapped
        ("-73.9", "40.7", "coordinates_out_of_range"),
    ],
)
def test_bad_coordinates_get_a_clear_error(lon, lat, code):
    with pytest.raises(ApplicationError) as err:
        locate(lon, lat)
    assert err.value.code == code
    assert err.value.message


def test_vectorised_location_agrees_with_single_lookups():
    # given random points over the city's bounding box
    rng = np.random.default_rng(1)
    xs, ys = rng.uniform(111.9, 113.3, 400), rng.uniform(21.5, 22.9, 400)
    index = get_index()
    # when
    many = index.locate_grid_ids(xs, ys)
    # then
    for x, y, grid_id in zip(xs, ys, many, strict=True):
        single = locate(x, y)
        expected = single.grid.id if single and single.grid else -1
        assert grid_id == expected


def test_the_index_follows_area_changes():
    # given a grid that contains a point
    grid = Area.objects.get(code=locate(113.08, 22.60).grid.code)
    # when an admin renames it
    grid.name = "改名后的网格"
    grid.save()
    # then the next lookup sees the change
    assert locate(113.08, 22.60).grid.name == "改名后的网格"


def test_command_prints_the_chain_and_grid_code(capsys):
    call_command("locate", "113.08", "22.60")
    out = capsys.readouterr().out
    assert "蓬江区" in out and "grid: 440703" in out


def test_command_exits_2_outside_every_area():
    with pytest.raises(CommandError) as err:
        call_command("locate", "116.4", "39.9")
    assert err.value.returncode == 2
    assert "outside" in str(err.value)


def test_command_exits_2_on_non_numeric_input():
    with pytest.raises(CommandError) as err:
        call_command("locate", "east", "22.6")
    assert err.value.returncode == 2


def test_the_yiwang_entry_point_runs_django_commands():
    # The console script and `python -m yiwang` are the same entry point.
    result = subprocess.run(
        [sys.executable, "-m", "yiwang", "help", "locate"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    assert "LON LAT" in result.stdout
