"""``sendim app ...`` end to end, on the local store and on ZooKeeper."""

import json

from sendim.cli.main import main
from sendim.store.zkserver import free_port


def cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_app_commands(store_factory, tmp_path, capsys):
    store_factory("alice")
    url = store_factory.url("alice")
    opts = ["--store", url, "--tenant", "alice"]
    bundle, app_dir = tmp_path / "app", tmp_path / "ctl"
    bundle.mkdir()
    (bundle / "sp.py").write_text("V = 1\n")
    (bundle / "util.py").write_text("def f(): pass\n")
    health = f"test ! -e {app_dir}/broken.py"

    code, out, _ = cli(capsys, "app", "deploy", "e1", str(bundle), "--app-dir", str(app_dir),
                       "--health-cmd", health, "--json", *opts, "-m", "first")
    doc = json.loads(out)
    assert code == 0 and doc["ok"] and doc["plan"]["counts"]["add"] == 2
    rev1 = doc["revision"]

    (bundle / "sp.py").write_text("V = 2\n")
    code, out, _ = cli(capsys, "app", "deploy", "e1", "--dry-run", *opts)
    assert code == 0 and "~ sp.py" in out and "dry run" in out
    assert (app_dir / "sp.py").read_text() == "V = 1\n"

    code, out, _ = cli(capsys, "app", "deploy", "e1", "--json", *opts)
    doc = json.loads(out)
    assert code == 0 and doc["result"]["written"] == ["sp.py"]
    rev2 = doc["revision"]
    code, out, _ = cli(capsys, "app", "tag", "e1", "good", *opts)
    assert code == 0 and "good" in out

    (bundle / "broken.py").write_text("boom\n")
    code, out, _ = cli(capsys, "app", "deploy", "e1", "--health-timeout", "0.5", *opts)
    assert code == 1 and "rolled back automatically" in out and "healthy again" in out
    assert not (app_dir / "broken.py").exists()

    code, out, _ = cli(capsys, "app", "history", "e1", *opts)
    assert code == 0 and out.count("\n") == 4 and "deploy-failed" in out and "[good]" in out
    code, out, _ = cli(capsys, "app", "rollback", "e1", rev1[:10], "--json", *opts)
    assert code == 0 and json.loads(out)["revision"] == rev1
    code, out, _ = cli(capsys, "app", "diff", "e1", "good", "current", *opts)
    assert code == 0 and "-V = 2" in out and "+V = 1" in out
    code, out, _ = cli(capsys, "app", "rollback", "e1", "good", *opts)
    assert code == 0 and (app_dir / "sp.py").read_text() == "V = 2\n"
    code, out, _ = cli(capsys, "app", "history", "e1", "--json", *opts)
    doc = json.loads(out)
    assert doc["revision"] == rev2 and len(doc["history"]) == 5

    code, _, err = cli(capsys, "app", "history", "nope", *opts)
    assert code == 2 and "no experiment 'nope'" in err and "e1" in err
    code, _, err = cli(capsys, "app", "deploy", "new", str(bundle), *opts)
    assert code == 2 and "--app-dir" in err


def test_unreachable_store_exits_1_naming_it(capsys):
    port = free_port()
    code, out, _ = cli(capsys, "app", "history", "e1", "--json",
                       "--store", f"zk://127.0.0.1:{port}", )
    doc = json.loads(out)
    assert code == 1 and doc["error"] == "StoreError" and f"127.0.0.1:{port}" in doc["message"]
