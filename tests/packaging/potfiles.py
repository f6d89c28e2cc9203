#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks (or rewrites) po/POTFILES.in against the source tree.

Every file that holds a translatable string must be listed, or its strings
never reach the template and stay English in every language:
  - C sources and headers under src/ or ui/ calling _(), N_(), C_(),
    NC_(), Q_(), g_dngettext() or ngettext();
  - GtkBuilder files (.ui) under src/ or ui/ with translatable="yes";
  - the desktop file, metainfo and GSettings schema templates under data/.
Listed files must exist (xgettext stops at the first missing one).

  potfiles.py SOURCE_ROOT            check; exit 1 naming what is wrong
  potfiles.py SOURCE_ROOT --write    rewrite po/POTFILES.in
"""
import os
import re
import sys

C_MARK = re.compile(r'(?<![A-Za-z0-9_])(?:_|N_|C_|NC_|Q_|g_dngettext|ngettext)\s*\(')
UI_MARK = re.compile(r'translatable\s*=\s*"(?:yes|true|1)"', re.I)
DATA_SUFFIXES = ('.desktop.in', '.metainfo.xml.in', '.gschema.xml')
# _("text %" G_GINT64_FORMAT " more"): xgettext keeps only "text %", so the
# string looked up at run time is never in the catalogue.
MACRO_CUT = re.compile(r'(?<![A-Za-z0-9_])(?:_|N_|C_|NC_|Q_)\s*\((?:\s*"[^"\\\n]*(?:\\.[^"\\\n]*)*"\s*)+'
                       r'(?:[A-Z][A-Z0-9_]*[A-Z0-9])\b')


def macro_cuts(root, files):
    """(path, line) of translatable strings continued by a macro."""
    cuts = []
    for rel in files:
        if not rel.endswith(('.c', '.h')):
            continue
        with open(os.path.join(root, rel), encoding='utf-8', errors='replace') as f:
            text = f.read()
        for m in MACRO_CUT.finditer(text):
            cuts.append((rel, text.count('\n', 0, m.start()) + 1))
    return cuts


def translatable_files(root):
    found = []
    for folder in ('src', 'ui'):
        for top, dirs, files in os.walk(os.path.join(root, folder)):
            dirs.sort()
            for name in sorted(files):
                if name.endswith(('.c', '.h')):
                    mark = C_MARK
                elif name.endswith('.ui'):
                    mark = UI_MARK
                else:
                    continue
                path = os.path.join(top, name)
                with open(path, encoding='utf-8', errors='replace') as f:
                    if mark.search(f.read()):
                        found.append(os.path.relpath(path, root))
    data_dir = os.path.join(root, 'data')
    for name in sorted(os.listdir(data_dir)):
        if name.endswith(DATA_SUFFIXES):
            found.append(os.path.join('data', name))
    return sorted(found)


def listed_files(potfiles):
    listed = []
    with open(potfiles, encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith('#'):
                listed.append(line)
    return listed


def main(argv):
    if len(argv) not in (2, 3) or (len(argv) == 3 and argv[2] != '--write'):
        print(__doc__, file=sys.stderr)
        return 2
    root = argv[1]
    potfiles = os.path.join(root, 'po', 'POTFILES.in')
    wanted = translatable_files(root)
    if len(argv) == 3:
        with open(potfiles, 'w', encoding='utf-8') as f:
            f.write('# SPDX-License-Identifier: GPL-3.0-or-later\n'
                    '# Files with translatable strings; regenerate with\n'
                    '#   tests/packaging/potfiles.py . --write\n')
            f.write(''.join(p + '\n' for p in wanted))
        print(f'{potfiles}: {len(wanted)} files')
        return 0

    listed = listed_files(potfiles)
    bad = False
    for path in sorted(set(wanted) - set(listed)):
        print(f'{potfiles}: missing {path} (it has translatable strings)')
        bad = True
    for path in listed:
        if not os.path.isfile(os.path.join(root, path)):
            print(f'{potfiles}: lists {path}, which does not exist')
            bad = True
    if len(listed) != len(set(listed)):
        print(f'{potfiles}: lists a file twice')
        bad = True
    for path, line in macro_cuts(root, wanted):
        print(f'warning: {path}:{line}: a translatable string continued by a macro '
              f'is cut there in the template and never translated')
    if not bad:
        print(f'{potfiles}: all {len(wanted)} files with translatable strings are listed')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
