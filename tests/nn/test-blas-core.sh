#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# nn_blas_ensure_core: a user's OPENBLAS_CORETYPE is respected; a generic
# core on an AVX-512/AVX2 CPU makes the program re-execute itself with the
# right kernels, keeping its arguments, once.
set -euo pipefail
tool=$1
echo "1..3"

out=$(OPENBLAS_CORETYPE=Haswell "$tool" a 'b c')
[[ $out == "core=Haswell a b c guard=unset" ]] || { echo "not ok 1 user's core: $out"; exit 1; }
echo "ok 1 a user's OPENBLAS_CORETYPE is respected ($out)"

out=$(env -u OPENBLAS_CORETYPE "$tool" x)
[[ $out == core=*" x guard=unset" ]] || { echo "not ok 2 default: $out"; exit 1; }
echo "ok 2 default core: $out"

if grep -qw avx512bw /proc/cpuinfo && grep -qw avx512vl /proc/cpuinfo && grep -qw avx512dq /proc/cpuinfo; then
  want=SkylakeX
elif grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo; then
  want=Haswell
else
  echo "ok 3 # SKIP no AVX2 here: nothing better than OpenBLAS' choice"
  exit 0
fi
out=$(env -u OPENBLAS_CORETYPE EMISSARY_OPENBLAS_ASSUME_GENERIC=1 "$tool" x 'y z')
[[ $out == "core=$want x y z guard=unset" ]] || { echo "not ok 3 re-exec: $out (want $want)"; exit 1; }
echo "ok 3 a generic core re-executes with $want ($out)"
