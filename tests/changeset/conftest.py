"""Store fixtures: ``store`` / ``store_factory`` run every test on the local
store and on a real ZooKeeper server (started here, stopped by PID)."""

from sendim.store.testing import (own_zookeeper, store, store_factory,  # noqa: F401
                                  zookeeper_server)
