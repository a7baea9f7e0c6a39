"""sendim.run: the Python API every realization goes through."""

import json

import pytest

import sendim
from sendim.errors import InputError, RegistryError
from sendim.model import Deployment, Environment
from sendim.results import Results, comparable, read_results, validate


def dumbbell(second_size="2.5MB") -> sendim.Topo:
    topo = sendim.Topo("dumbbell")
    topo.add_switch("s1")
    topo.add_switch("s2")
    topo.add_link("s1", "s2", bw="10Mbps", delay="5ms")
    for i in (1, 2):
        topo.add_host(f"h{i}")
        topo.add_host(f"h{i + 2}")
        topo.add_link(f"h{i}", "s1", bw="100Mbps")
        topo.add_link(f"h{i + 2}", "s2", bw="100Mbps")
    topo.add_flow("h1", "h3", size="10MB", id="long")
    topo.add_flow("h2", "h4", size=second_size, start="1s", id="short")
    return topo


def test_run_a_built_system_defaults_to_simulation():
    results = sendim.run(dumbbell().build_system())
    assert isinstance(results, Results)
    assert results.realization == "simulation" and results.fallback.happened is False
    long, short = results.flows
    # Hand computation: 1.25 MB alone, then 5 Mbit/s each for 4 s, then 6.25 MB alone.
    assert short.fct_s == pytest.approx(4.0, rel=0.02)
    assert long.fct_s == pytest.approx(10.0, rel=0.02)
    assert long.path == ["s1", "s2"] and long.bytes == 10_000_000


def test_run_writes_a_valid_results_document(tmp_path):
    sendim.run(dumbbell().build_system(), run_dir=tmp_path / "run")
    doc = json.loads((tmp_path / "run" / "results.json").read_text())
    validate(doc)
    assert doc["schema"] == "sendim.results/1"
    assert read_results(tmp_path / "run").flows[0].id == "long"


def test_same_seed_gives_identical_results():
    a = sendim.run(dumbbell().build_system(), seed=3).to_dict()
    b = sendim.run(dumbbell().build_system(), seed=3).to_dict()
    assert comparable(a) == comparable(b)


def test_system_files_given_win_over_the_deployment(tmp_path):
    from sendim.parser import write_system
    mine = tmp_path / "mine.xml"
    write_system(dumbbell("1MB").build_system(), mine)
    dep = tmp_path / "dep.xml"
    other = tmp_path / "other.xml"
    write_system(dumbbell("2MB").build_system(), other)
    dep.write_text('<deployment environment="simulation"><system file="other.xml"/></deployment>')
    results = sendim.run([mine], dep)
    assert results.flow("short").bytes == 1_000_000
    assert sendim.run(None, dep).flow("short").bytes == 2_000_000


def test_no_system_at_all_is_bad_input():
    with pytest.raises(InputError, match="no system given"):
        sendim.run(None, Deployment())


def test_unregistered_environment_names_the_supported_ones():
    with pytest.raises(RegistryError, match="Supported kinds are .*simulation"):
        sendim.run(dumbbell().build_system(), Deployment(environment=Environment.DOCKER))


def test_unknown_app_is_refused_before_anything_starts():
    with pytest.raises(InputError, match="no_such_app_xyz"):
        sendim.run(dumbbell().build_system(), apps=["no_such_app_xyz"])


def test_a_one_shot_run_says_it_did_not_run_the_command_sequences():
    topo = dumbbell()
    topo.add_exec("h1", "ping -c1 10.0.0.3", "check")
    topo.add_exec("h3", "iperf3 -s", "on_boot", wait=False)
    results = sendim.run(topo.build_system())
    [note] = [n for n in results.meta.notes if "<exec>" in n]
    assert note.startswith("2 <exec> command steps (sequences check, on_boot) were not run")
    assert not any("<exec>" in n for n in sendim.run(dumbbell().build_system()).meta.notes)
