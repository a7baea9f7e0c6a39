"""Deployment descriptors: parsing, relative paths, checks against the system."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from descriptors import EXAMPLES_DIR
from sendim.errors import DescriptorError
from sendim.model import AppSpec, Deployment, Environment, Store
from sendim.parser import load, load_deployment

SYSTEM = """<system name="small">
  <switch id="s1"/>
  <host id="h1"/>
  <host id="h2"/>
  <link src="h1" dst="s1"/>
  <link src="h2" dst="s1"/>
</system>
"""


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """deploy/deployment.xml next to systems/small.xml and apps/app.py."""
    (tmp_path / "systems").mkdir()
    (tmp_path / "systems" / "small.xml").write_text(SYSTEM)
    (tmp_path / "apps").mkdir()
    (tmp_path / "apps" / "app.py").write_text("# a ryu app\n")
    (tmp_path / "deploy").mkdir()
    return tmp_path


def _deployment(tree: Path, body: str, attrs: str = 'name="d" environment="emulation"') -> Path:
    path = tree / "deploy" / "deployment.xml"
    path.write_text(f"<deployment {attrs}>\n{body}\n</deployment>\n")
    return path


def test_example_deployment_loads() -> None:
    system, dep = load(None, EXAMPLES_DIR / "deployment.xml")
    assert dep.environment is Environment.EMULATION
    assert dep.systems == [str(EXAMPLES_DIR / "system.xml")]
    assert dep.controller.apps == [AppSpec("ryu.app.simple_switch_13", {"idle_timeout": "30"})]
    assert dep.controller.observe_links and dep.controller.latency == 0.001
    assert (dep.fallback.max_nodes, dep.fallback.max_memory) == (500, 4_000_000_000)
    assert dep.store.path == str(EXAMPLES_DIR / "runs" / "store")
    assert dep.targets[0].nodes == ["s1", "h1", "h2"]
    assert (dep.seed, dep.duration, dep.settle) == (1, 30.0, 5.0)
    assert dep.options == {"datapath": "user"}
    assert system.name == "dumbbell"


def test_relative_paths_resolve_against_the_deployment_file(tree: Path, monkeypatch) -> None:
    path = _deployment(tree, """
      <system file="../systems/small.xml"/>
      <controller><app name="../apps/app.py"/><app name="ryu.app.ofctl_rest"/></controller>
      <store path="../store"/>""")
    monkeypatch.chdir(tree / "systems")      # the working directory does not matter
    dep = load_deployment(os.path.relpath(path))
    assert dep.systems == [str(tree / "systems" / "small.xml")]
    assert [a.name for a in dep.controller.apps] == [str(tree / "apps" / "app.py"), "ryu.app.ofctl_rest"]
    assert dep.store == Store("local", str(tree / "store"), None, "default")


def test_load_uses_the_deployment_systems(tree: Path) -> None:
    path = _deployment(tree, '<system file="../systems/small.xml"/>')
    system, dep = load(None, path)
    assert system.name == "small" and dep.name == "d"


def test_explicit_system_paths_override_the_deployment(tree: Path) -> None:
    other = tree / "other.xml"
    other.write_text(SYSTEM.replace('name="small"', 'name="other"'))
    path = _deployment(tree, '<system file="../systems/small.xml"/>')
    system, _ = load([other], path)
    assert system.name == "other"


def test_load_without_deployment_gives_the_default(tree: Path) -> None:
    system, dep = load(tree / "systems" / "small.xml")
    assert dep == Deployment() and system.name == "small"


def test_defaults(tree: Path) -> None:
    dep = load_deployment(_deployment(tree, "", attrs=""))
    assert dep == Deployment()


def test_deployment_without_systems_cannot_be_loaded_with_load(tree: Path) -> None:
    path = _deployment(tree, "")
    with pytest.raises(DescriptorError, match="no system file given"):
        load(None, path)


def test_fallback_none_and_zookeeper_store(tree: Path) -> None:
    dep = load_deployment(_deployment(tree, """
      <fallback to="none" max-setup="2min"/>
      <store type="zookeeper" hosts="10.0.0.1:2181,10.0.0.2:2181" tenant="team-a"/>"""))
    assert dep.fallback.to is None and dep.fallback.max_setup == 120.0
    assert dep.store == Store("zookeeper", None, "10.0.0.1:2181,10.0.0.2:2181", "team-a")


def test_physical_deployment_with_targets(tree: Path) -> None:
    path = _deployment(tree, """
      <system file="../systems/small.xml"/>
      <target name="m1" address="192.0.2.1" key="~/.ssh/id_ed25519"><node ref="s1"/></target>
      <target name="m2" address="192.0.2.2" user="lab" port="2222">
        <node ref="h1"/><node ref="h2"/>
      </target>""", attrs='environment="physical"')
    _, dep = load(None, path)
    m1, m2 = dep.targets
    assert (m1.user, m1.port, m1.key, m1.nodes) == ("root", 22, "~/.ssh/id_ed25519", ["s1"])
    assert (m2.user, m2.port, m2.nodes) == ("lab", 2222, ["h1", "h2"])


def test_deployment_and_system_problems_are_reported_together(tree: Path) -> None:
    (tree / "systems" / "small.xml").write_text(SYSTEM.replace('dst="s1"/>\n</', 'dst="s9"/>\n</'))
    path = _deployment(tree, """
      <system file="../systems/small.xml"/>
      <store type="zookeeper"/>""")
    with pytest.raises(DescriptorError) as info:
        load(None, path)
    assert [(Path(p.file).name, p.line) for p in info.value.problems] == [
        ("deployment.xml", 4), ("small.xml", 6)]


def test_app_module_names_are_not_paths(tree: Path) -> None:
    dep = load_deployment(_deployment(tree, '<controller><app name="ryu.app.simple_switch_13"/></controller>'))
    assert dep.controller.apps[0].name == "ryu.app.simple_switch_13"
