"""open_store: URLs, the deployment's <store>, the environment, the registry."""

import pytest

from sendim.errors import InputError, RegistryError
from sendim.model.deployment import Store
from sendim.store import open_store, parse_url, resolve
from sendim.store.local import LocalStore


def test_parse_zookeeper_urls():
    spec = parse_url("zk://alice:pw@h1:2181,h2:2182/sendim/lab")
    assert (spec.kind, spec.hosts, spec.chroot, spec.tenant, spec.secret) == \
        ("zookeeper", "h1:2181,h2:2182", "/sendim/lab", "alice", "pw")
    assert parse_url("zookeeper://127.0.0.1:2181").chroot == ""
    assert "pw" not in spec.url()
    with pytest.raises(InputError):
        parse_url("zk://no-port/x")


def test_parse_local_urls(tmp_path):
    assert parse_url(str(tmp_path)).path == str(tmp_path)
    assert parse_url(f"file://{tmp_path}").path == str(tmp_path)
    assert parse_url("local").path is None


def test_unknown_kind_names_the_known_ones():
    with pytest.raises(RegistryError) as info:
        open_store("etcd://127.0.0.1:2379")
    assert 'store "etcd" is not supported' in str(info.value)
    assert "local" in str(info.value) and "zookeeper" in str(info.value)
    with pytest.raises(RegistryError):
        open_store(Store(type="redis"))


def test_environment_and_model(monkeypatch, tmp_path):
    monkeypatch.setenv("SENDIM_STORE", str(tmp_path / "env"))
    monkeypatch.setenv("SENDIM_TENANT", "carol")
    monkeypatch.setenv("SENDIM_STORE_SECRET", "s3")
    spec = resolve(None)
    assert (spec.kind, spec.path, spec.tenant, spec.secret) == ("local", str(tmp_path / "env"),
                                                                "carol", "s3")
    assert resolve(Store()).path == str(tmp_path / "env")      # the default <store>
    explicit = resolve(Store(type="local", path=str(tmp_path / "x"), tenant="dave"))
    assert (explicit.path, explicit.tenant) == (str(tmp_path / "x"), "dave")
    zk = resolve(Store(type="zookeeper", hosts="10.0.0.1:2181/chr"), tenant="erin")
    assert (zk.hosts, zk.chroot, zk.tenant, zk.secret) == ("10.0.0.1:2181", "/chr", "erin", "s3")
    with open_store() as store:
        assert isinstance(store, LocalStore) and store.tenant == "carol"
        assert store.path == tmp_path / "env"
