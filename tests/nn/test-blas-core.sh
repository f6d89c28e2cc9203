#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# nn_blas_ensure_core: a user's OPENBLAS_CORETYPE is respected; a generic
# core on an AVX-512/AVX2 CPU makes the program re-execute itself with the
# right kernels, keeping its arguments, once; the OpenBLAS threads' spin
# is cut to 2^4 cycles unless the user chose a value.
set -euo pipefail
tool=$1
echo "1..4"

out=$(env -u OPENBLAS_THREAD_TIMEOUT OPENBLAS_CORETYPE=Haswell "$tool" a 'b c')
[[ $out == "core=Haswell a b c guard=unset timeout=4" ]] || { echo "not ok 1 user's core: $out"; exit 1; }
echo "ok 1 a user's OPENBLAS_CORETYPE is respected ($out)"

out=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_THREAD_TIMEOUT "$tool" x)
[[ $out == core=*" x guard=unset timeout=4" ]] || { echo "not ok 2 default: $out"; exit 1; }
echo "ok 2 default core, thread timeout 4: $out"

out=$(env -u OPENBLAS_CORETYPE OPENBLAS_THREAD_TIMEOUT=12 "$tool" x)
[[ $out == core=*" x guard=unset timeout=12" ]] || { echo "not ok 3 user's timeout: $out"; exit 1; }
echo "ok 3 a user's OPENBLAS_THREAD_TIMEOUT is respected: $out"

if grep -qw avx512bw /proc/cpuinfo && grep -qw avx512vl /proc/cpuinfo && grep -qw avx512dq /proc/cpuinfo; then
  want=SkylakeX
elif grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo; then
  want=Haswell
else
  echo "ok 4 # SKIP no AVX2 here: nothing better than OpenBLAS' choice"
  exit 0
fi
out=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_THREAD_TIMEOUT EMISSARY_OPENBLAS_ASSUME_GENERIC=1 "$tool" x 'y z')
[[ $out == "core=$want x y z guard=unset timeout=4" ]] || { echo "not ok 4 re-exec: $out (want $want)"; exit 1; }
echo "ok 4 a generic core re-executes with $want ($out)"
