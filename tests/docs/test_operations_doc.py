"""docs/operations.md is executable: its shell blocks marked ``<!-- run -->`` run, in order,
as root on a fresh throw-away PostgreSQL database and a Mosquitto they start themselves (the
services as their own system users), and end with a simulated device's reading on the zone's
page and a watering command it acknowledged.

Only the paths and ports change (the doc's variables, pointed at a temporary directory and
free ports); the release is this checkout, run by the system's Python 3.11 so that the
service users (who cannot enter /root, where uv's interpreter lives) can run it too.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.support.services import PostgresCluster, free_port

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "operations.md"
SITE = REPO / ".venv" / "lib" / "python3.11" / "site-packages"


def marked_blocks(text: str) -> list[str]:
    return re.findall(r"<!-- run -->\n```sh\n(.*?)```", text, re.S)


def _release(home: Path) -> None:
    """``$NONGSO_HOME/.venv/bin/nongso`` for this checkout, runnable by any user."""
    bin_dir = home / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    script = bin_dir / "nongso"
    script.write_text("#!/bin/sh\n"
                      f"export PYTHONPATH={REPO}:{SITE}\n"
                      "exec /usr/bin/python3.11 -c 'import sys; sys.argv[0] = \"nongso\"; "
                      "from server.cli import app; app()' \"$@\"\n")
    script.chmod(0o755)


def test_the_marked_blocks_cover_the_first_run() -> None:
    blocks = marked_blocks(DOC.read_text(encoding="utf-8"))
    assert len(blocks) >= 6
    joined = "\n".join(blocks)
    for step in ("nongso setup", "nongso mosquitto-config", "runuser -u nongso-ingest",
                 "runuser -u nongso-control", "nongso devices add", "irrigation/water"):
        assert step in joined, step


@pytest.mark.skipif(os.geteuid() != 0 or not Path("/usr/bin/python3.11").exists(),
                    reason="needs root (system users) and the system Python 3.11")
def test_operations_doc_runs_from_nothing_to_a_watered_zone(pg_cluster: PostgresCluster) -> None:
    root = Path(tempfile.mkdtemp(prefix="nongso-ops-"))
    os.chmod(root, 0o755)
    db = pg_cluster.create_database()
    _release(root / "opt")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NONGSO_")}
    env.update(NONGSO_HOME=str(root / "opt"), ETC=str(root / "etc"), VAR=str(root / "var"),
               MQ_ETC=str(root / "mq-etc"), MQ_STATE=str(root / "mq-state"),
               MQ_RUN=str(root / "mq-run"), LOGS=str(root / "var" / "log"),
               DEVICE_PORT=str(free_port()), SERVICE_PORT=str(free_port()),
               HTTP_PORT=str(free_port()), DB_URL=db)
    blocks = marked_blocks(DOC.read_text(encoding="utf-8"))
    script = "PS4='+ $(date +%T.%N | cut -c1-12) '\nset -euxo pipefail\n" + "\n".join(blocks)
    t0 = time.monotonic()
    proc = subprocess.Popen(["bash", "-c", script], env=env, cwd=root, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        out, _ = proc.communicate(timeout=300)
        logs = "".join(f"\n--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
                       for p in sorted((root / "var" / "log").glob("*.log")))
        assert proc.returncode == 0, out[-4000:] + logs
        assert "NEW NONGSO_SECRET_KEY" in out and "platform administrator admin: created" in out
        env_file = root / "etc" / "nongso.env"
        assert oct(env_file.stat().st_mode & 0o777) == "0o640"
        for name, user in (("mqtt_ingest_password", "nongso-ingest"),
                           ("mqtt_control_password", "nongso-control")):
            st = (root / "var" / name).stat()
            assert (oct(st.st_mode & 0o777), st.st_uid) == ("0o600", _uid(user)), name
        print(f"operations.md ran in {time.monotonic() - t0:.1f} s")
    finally:
        _stop(proc, root)
        shutil.rmtree(root, ignore_errors=True)
        pg_cluster.drop_database(db.rsplit("/", 1)[1])


def _uid(user: str) -> int:
    import pwd

    return pwd.getpwnam(user).pw_uid


def _stop(proc: subprocess.Popen[str], root: Path) -> None:
    """The doc's background services (its process group) and the daemonised Mosquitto."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    pid_file = root / "mq-run" / "mosquitto.pid"
    if pid_file.exists():
        try:
            os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)
        except (ProcessLookupError, ValueError):
            pass
    time.sleep(0.5)
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def test_deploy_units_run_real_commands_as_their_own_users() -> None:
    """deploy/: every ExecStart is a `nongso` command that exists; ingest and controller run
    as the system users owning their broker passwords (what `nongso setup` sets up)."""
    from typer.main import get_command

    from server.cli import app

    commands = get_command(app).commands  # type: ignore[attr-defined]
    units = {p.name: p.read_text(encoding="utf-8") for p in (REPO / "deploy").glob("*.service")}
    assert set(units) >= {"nongso-serve.service", "nongso-ingest@.service",
                          "nongso-controller.service", "nongso-maintain.service"}
    for name, text in units.items():
        for line in re.findall(r"^ExecStart(?:Pre)?=(.+)$", text, re.M):
            argv = line.split()
            assert argv[0].endswith("/nongso"), (name, line)
            assert argv[1] in commands, (name, argv[1])
        assert "EnvironmentFile=/etc/nongso/nongso.env" in text, name
    assert "User=nongso-ingest" in units["nongso-ingest@.service"]
    assert "User=nongso-control" in units["nongso-controller.service"]
    assert "User=nongso\n" in units["nongso-serve.service"]
    env = (REPO / "deploy" / "nongso.env.example").read_text(encoding="utf-8")
    assert not re.search(r"^NONGSO_(SECRET_KEY|STAMP_KEYS|METRICS_TOKEN)=", env, re.M)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_deploy_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    """systemd's own check of the units (only the absent /opt/nongso release may be named)."""
    for p in (REPO / "deploy").iterdir():
        if p.suffix in (".service", ".timer"):
            shutil.copy(p, tmp_path / p.name.replace("@.", "@1."))
    units = sorted(str(p) for p in tmp_path.iterdir())
    r = subprocess.run(["systemd-analyze", "verify", "--man=no", *units], capture_output=True,
                       text=True, timeout=60, cwd=tmp_path)
    noise = [ln for ln in (r.stdout + r.stderr).splitlines()
             if ln.strip() and "/opt/nongso/.venv/bin/nongso is not executable" not in ln]
    assert not noise, noise
