"""A real PostgreSQL server for the tests: ``POSTER_TOOL_TEST_POSTGRES`` (a database the
tests may empty) when set, else a temporary cluster of the Debian PostgreSQL package
(``initdb``/``pg_ctl``), run by the non-root user ``postgres`` when the tests run as root,
listening on a socket in a temporary folder only; never a mock."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ENV_VAR = "POSTER_TOOL_TEST_POSTGRES"
DATABASE = "poster_test"
# Tables the schema fills itself (the taxonomy, the version): kept between tests.
SEEDED = {"genres", "genre_aliases", "schema_version"}


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


class Unavailable(Exception):
    """No server can be had here; the message says why (for the skip reason)."""


@contextmanager
def server() -> Iterator[str]:
    """The URL of an empty test database on a running server, for a test session.

    :raises Unavailable: no psycopg, no PostgreSQL binaries, or the cluster would not start
    """
    try:
        import psycopg
    except ImportError:
        raise Unavailable("psycopg is not installed (pip install '.[postgres]')") from None
    if os.environ.get(ENV_VAR):
        yield os.environ[ENV_VAR]
        return
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if not initdb or not pg_ctl:
        raise Unavailable("no initdb/pg_ctl (apt-get install postgresql) and no $" + ENV_VAR)
    run_as: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        if not shutil.which("runuser"):
            raise Unavailable("running as root without runuser to start PostgreSQL as postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    folder = Path(tempfile.mkdtemp(prefix="poster-pg-"))
    if run_as:
        shutil.chown(folder, "postgres")
    data, sock = folder / "data", folder / "sock"
    sock.mkdir()
    if run_as:
        shutil.chown(sock, "postgres")
    user = "postgres" if run_as else os.environ.get("USER", "postgres")

    def call(*args: str) -> None:
        done = subprocess.run([*run_as, *args], capture_output=True, text=True, cwd=folder)
        if done.returncode:
            raise Unavailable(f"{Path(args[0]).name} failed: {done.stderr.strip()[-300:]}")

    try:
        call(initdb, "-D", str(data), "-A", "trust", "-U", user, "--no-sync", "-E", "UTF8")
        call(
            pg_ctl, "-D", str(data), "-l", str(folder / "log"), "-w", "-t", "60",
            "-o", f"-k {sock} -c listen_addresses='' -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off",
            "start",
        )  # fmt: skip
        try:
            admin = f"postgresql://{user}@/postgres?host={sock}"
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f"CREATE DATABASE {DATABASE}")
            yield f"postgresql://{user}@/{DATABASE}?host={sock}"
        finally:
            subprocess.run(
                [*run_as, pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"],
                capture_output=True,
                cwd=folder,
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def emptied(url: str) -> str:
    """``url`` after removing every row a test wrote (ids start at 1 again)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET lock_timeout = '10s'")
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            )
            if r[0] not in SEEDED
        ]
        if tables:
            conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    return url
