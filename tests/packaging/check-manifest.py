#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks the Flatpak manifest without building it (no network here).

  check-manifest.py MANIFEST.json README.md

- the manifest parses as JSON and names the app, the GNOME runtime and SDK;
- every source that is downloaded (archive, file with a url) carries a
  sha256 of 64 hex digits, every git source a full commit id, every local
  source exists;
- cfitsio and OpenBLAS are built from source, OpenBLAS with DYNAMIC_ARCH=1 and
  without Fortran, and the app comes last with meson;
- every finish-arg is justified in README.md (named there in backticks), and
  none of the blanket ones is requested.
Prints one line per problem, naming the module and source; exit 1 if any.
"""
import json
import os
import re
import sys

APP_ID = 'io.github.emissary.Emissary'
SHA256 = re.compile(r'^[0-9a-f]{64}$')
COMMIT = re.compile(r'^[0-9a-f]{40}$')
FORBIDDEN = ('--filesystem=host', '--filesystem=host-os', '--filesystem=host-etc',
             '--socket=session-bus', '--socket=system-bus', '--device=all',
             '--talk-name=org.freedesktop.Flatpak')


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    manifest_path, readme_path = argv[1], argv[2]
    problems = []

    def bad(message):
        problems.append(f'{manifest_path}: {message}')

    try:
        with open(manifest_path, encoding='utf-8') as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        print(f'{manifest_path}: does not parse: {e}')
        return 1
    base = os.path.dirname(os.path.abspath(manifest_path))

    if manifest.get('id', manifest.get('app-id')) != APP_ID:
        bad(f'id is not {APP_ID}')
    if manifest.get('runtime') != 'org.gnome.Platform' or manifest.get('sdk') != 'org.gnome.Sdk':
        bad('runtime/sdk are not org.gnome.Platform/org.gnome.Sdk')
    if not re.fullmatch(r'[0-9]+', str(manifest.get('runtime-version', ''))):
        bad(f'runtime-version {manifest.get("runtime-version")!r} is not a stable GNOME branch')
    if manifest.get('command') != 'emissary':
        bad('command is not emissary')

    modules = manifest.get('modules')
    if not isinstance(modules, list) or not modules:
        bad('has no modules')
        modules = []
    names = []
    for module in modules:
        if isinstance(module, str):
            bad(f'module file {module}: keep every module inline so it can be checked')
            continue
        name = module.get('name', '?')
        names.append(name)
        sources = module.get('sources', [])
        if not sources:
            bad(f'module {name}: no sources')
        for i, source in enumerate(sources):
            where = f'module {name}, source {i}'
            kind = source.get('type')
            if kind in ('archive', 'file') and 'url' in source:
                if not source['url'].startswith('https://'):
                    bad(f'{where}: {source["url"]} is not https')
                if not SHA256.match(source.get('sha256', '')):
                    bad(f'{where}: {source["url"]} has no sha256')
            elif kind == 'git':
                if not COMMIT.match(source.get('commit', '')):
                    bad(f'{where}: git source without a full commit id')
            elif kind in ('archive', 'file', 'dir', 'patch'):
                path = source.get('path')
                if not path or not os.path.exists(os.path.join(base, path)):
                    bad(f'{where}: local {kind} {path!r} does not exist')
                if kind == 'dir' and module is not modules[-1]:
                    bad(f'{where}: only the app itself may come from a local dir')
            else:
                bad(f'{where}: unchecked source type {kind!r}')

    for needed in ('cfitsio', 'openblas'):
        if needed not in names:
            bad(f'does not build {needed}')
    openblas = next((m for m in modules if isinstance(m, dict) and m.get('name') == 'openblas'), None)
    if openblas:
        commands = ' '.join(openblas.get('build-commands', []))
        for flag in ('DYNAMIC_ARCH=1', 'NOFORTRAN=1'):
            if commands.count(flag) < 2:
                bad(f'module openblas: {flag} missing from the build or the install command')
    if modules and (not isinstance(modules[-1], dict) or modules[-1].get('name') != 'emissary'
                    or modules[-1].get('buildsystem') != 'meson'):
        bad('the last module is not emissary built with meson')

    try:
        with open(readme_path, encoding='utf-8') as f:
            readme = f.read()
    except OSError as e:
        print(f'{readme_path}: {e}')
        return 1
    finish_args = manifest.get('finish-args', [])
    for arg in finish_args:
        if arg in FORBIDDEN:
            bad(f'finish-arg {arg} is broader than the app needs')
        if f'`{arg}`' not in readme:
            bad(f'finish-arg {arg} is not justified in {readme_path}')
    for sha in re.findall(r'"sha256":\s*"([0-9a-f]{64})"', open(manifest_path, encoding='utf-8').read()):
        if sha not in readme:
            bad(f'sha256 {sha[:12]}… has no stated origin in {readme_path}')

    for line in problems:
        print(line)
    if not problems:
        print(f'{manifest_path}: {len(names)} modules, {len(finish_args)} finish-args, all checked')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
