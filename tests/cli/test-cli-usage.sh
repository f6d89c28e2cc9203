#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The command-line contract: 0 ok, 1 failure, 2 usage; --help everywhere.
set -u
fail=0
expect () {
  want=$1; shift
  "$EM_CLI" "$@" >/dev/null 2>&1
  got=$?
  if [ "$got" != "$want" ]; then
    echo "FAIL: emissary-cli $* exited $got, expected $want"
    fail=1
  else
    echo "ok: emissary-cli $* -> $got"
  fi
}
expect 2
expect 0 --help
expect 2 no-such-command
# every listed command answers --help with 0 and rejects an unknown option with 2
for cmd in $("$EM_CLI" --help | sed -n '/^Commands:/,/^$/p' | awk 'NR>1 && NF {print $1}'); do
  expect 0 "$cmd" --help
  expect 2 "$cmd" --no-such-option
done
"$EM_CLI" version | grep -q '"emissary":"' || { echo "FAIL: version JSON"; fail=1; }
exit $fail
