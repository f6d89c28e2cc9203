#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# nn_blas_ensure_core: a user's OPENBLAS_CORETYPE is respected; a core older
# than the CPU (generic on AVX2, generic or AVX2 on AVX-512) makes the
# program re-execute itself with the right kernels, keeping its arguments,
# once, and the core OpenBLAS chose is still reported; the OpenBLAS
# threads' spin is cut to 2^14 cycles unless the user chose a value.
set -euo pipefail
tool=$1
echo "1..6"

out=$(env -u OPENBLAS_THREAD_TIMEOUT OPENBLAS_CORETYPE=Haswell "$tool" a 'b c')
[[ $out == "core=Haswell detected=Haswell by=OPENBLAS_CORETYPE a b c guard=unset timeout=14" ]] || { echo "not ok 1 user's core: $out"; exit 1; }
echo "ok 1 a user's OPENBLAS_CORETYPE is respected ($out)"

if grep -qw avx512bw /proc/cpuinfo && grep -qw avx512vl /proc/cpuinfo && grep -qw avx512dq /proc/cpuinfo; then
  level=avx512 want=SkylakeX
elif grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo; then
  level=avx2 want=Haswell
else
  level=baseline want=
fi

# Whatever OpenBLAS picks on its own, the core in use must be one of this
# CPU's widest kernels.
out=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_THREAD_TIMEOUT "$tool" x)
[[ $out == core=*" x guard=unset timeout=14" ]] || { echo "not ok 2 default: $out"; exit 1; }
core=${out#core=}; core=${core%% *}
case $level:$core in
  avx512:SkylakeX|avx512:Cooperlake|avx512:SapphireRapids) ;;
  avx2:Haswell|avx2:Zen|avx2:SkylakeX|avx2:Cooperlake|avx2:SapphireRapids) ;;
  baseline:*) ;;
  *) echo "not ok 2 a $level CPU runs the $core kernels: $out"; exit 1 ;;
esac
echo "ok 2 default: $level CPU, $out"

out=$(env -u OPENBLAS_CORETYPE OPENBLAS_THREAD_TIMEOUT=12 "$tool" x)
[[ $out == core=*" x guard=unset timeout=12" ]] || { echo "not ok 3 user's timeout: $out"; exit 1; }
echo "ok 3 a user's OPENBLAS_THREAD_TIMEOUT is respected: $out"

if [[ -z $want ]]; then
  for i in 4 5 6; do echo "ok $i # SKIP no AVX2 here: nothing better than OpenBLAS' choice"; done
  exit 0
fi
out=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_THREAD_TIMEOUT EMISSARY_OPENBLAS_ASSUME_CORE=Prescott "$tool" x 'y z')
[[ $out == "core=$want detected=Prescott by=emissary x y z guard=unset timeout=14" ]] || { echo "not ok 4 re-exec: $out (want $want)"; exit 1; }
echo "ok 4 a generic core re-executes with $want ($out)"

if [[ $level == avx512 ]]; then
  out=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_THREAD_TIMEOUT EMISSARY_OPENBLAS_ASSUME_CORE=Haswell "$tool" x)
  [[ $out == "core=SkylakeX detected=Haswell by=emissary x guard=unset timeout=14" ]] || { echo "not ok 5 AVX2 core on AVX-512: $out"; exit 1; }
  echo "ok 5 an AVX2 core on an AVX-512 CPU re-executes with SkylakeX ($out)"
else
  out=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_THREAD_TIMEOUT EMISSARY_OPENBLAS_ASSUME_CORE=Zen "$tool" x)
  [[ $out == *" x guard=unset timeout=14" && $out != core=SkylakeX* ]] || { echo "not ok 5 Zen on AVX2: $out"; exit 1; }
  echo "ok 5 an AVX2 core on an AVX2 CPU is kept ($out)"
fi

# Nothing to replace and a timeout set: no re-execution at all.
out=$(env OPENBLAS_CORETYPE=$want OPENBLAS_THREAD_TIMEOUT=14 EMISSARY_OPENBLAS_ASSUME_CORE=$want "$tool" x)
[[ $out == "core=$want detected=$want by=OPENBLAS_CORETYPE x guard=unset timeout=14" ]] || { echo "not ok 6 no re-exec: $out"; exit 1; }
echo "ok 6 the right core and a timeout: run as is ($out)"
