#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks a translation against the strings the sources hold today.

  check-translation.py SOURCE_ROOT LANG [--complete]

Extracts a fresh template from the files in po/POTFILES.in (the same
xgettext keywords as meson's i18n 'glib' preset), merges po/LANG.po into it
and runs msgfmt --check on the result: format strings must match their
originals.  With --complete, every message must also be translated and none
fuzzy; the missing ones are printed.
"""
import os
import subprocess
import sys
import tempfile

# meson's i18n.gettext(preset: 'glib') keywords and flags, and po/meson.build's
XGETTEXT_ARGS = [
    '--from-code=UTF-8', '--add-comments',
    '--keyword=_', '--keyword=N_', '--keyword=C_:1c,2', '--keyword=NC_:1c,2',
    '--keyword=g_dcgettext:2', '--keyword=g_dngettext:2,3',
    '--keyword=g_dpgettext2:2c,3',
    '--flag=N_:1:pass-c-format', '--flag=C_:2:pass-c-format',
    '--flag=NC_:2:pass-c-format', '--flag=g_dngettext:2:pass-c-format',
    '--flag=g_strdup_printf:1:c-format', '--flag=g_string_printf:2:c-format',
    '--flag=g_string_append_printf:2:c-format', '--flag=g_error_new:3:c-format',
    '--flag=g_set_error:4:c-format', '--flag=g_markup_printf_escaped:1:c-format',
    '--flag=g_log:3:c-format', '--flag=g_print:1:c-format',
    '--flag=g_printerr:1:c-format', '--flag=g_printf:1:c-format',
    '--flag=g_fprintf:2:c-format', '--flag=g_sprintf:2:c-format',
    '--flag=g_snprintf:3:c-format',
    # po/meson.build: GOptionContext texts are never format strings
    '--flag=g_option_context_new:1:no-c-format',
    '--flag=g_option_context_set_summary:2:no-c-format',
    '--flag=g_option_context_set_description:2:no-c-format',
]


def msgids(po_text):
    """The msgids of a PO text, continuation lines joined; not the header."""
    ids = []
    for block in po_text.split('\n\n'):
        parts, inside = [], False
        for line in block.splitlines():
            if line.startswith('msgid '):
                inside = True
                line = line[len('msgid '):]
            elif not line.startswith('"'):
                inside = False
            if inside:
                parts.append(line.strip()[1:-1])
        if ''.join(parts):
            ids.append(''.join(parts))
    return ids


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True)


def main(argv):
    if len(argv) not in (3, 4) or (len(argv) == 4 and argv[3] != '--complete'):
        print(__doc__, file=sys.stderr)
        return 2
    root, lang = argv[1], argv[2]
    complete = len(argv) == 4
    po = os.path.join(root, 'po', lang + '.po')
    if not os.path.isfile(po):
        print(f'{po}: missing')
        return 1
    with open(os.path.join(root, 'po', 'LINGUAS'), encoding='utf-8') as f:
        if lang not in f.read().split():
            print(f'{root}/po/LINGUAS: does not list {lang}')
            return 1

    with tempfile.TemporaryDirectory() as tmp:
        pot = os.path.join(tmp, 'fresh.pot')
        merged = os.path.join(tmp, lang + '.po')
        r = run(['xgettext', '--package-name=emissary', '--directory=' + root,
                 '--files-from=' + os.path.join(root, 'po', 'POTFILES.in'),
                 '--output=' + pot] + XGETTEXT_ARGS)
        if r.returncode != 0:
            print(f'xgettext on {root}/po/POTFILES.in failed:\n{r.stderr}')
            return 1
        # Not fatal, but worth reading: a msgid cut short by a macro
        # (e.g. "%" G_GINT64_FORMAT) is never looked up as it is printed,
        # so that message stays in English.
        for line in r.stderr.splitlines():
            print(f'xgettext: {line}')
        r = run(['msgmerge', '--quiet', '--no-fuzzy-matching', '--output-file=' + merged, po, pot])
        if r.returncode != 0:
            print(f'msgmerge {po} failed:\n{r.stderr}')
            return 1
        r = run(['msgfmt', '--check', '--statistics', '--output-file=/dev/null', merged])
        stats = r.stderr.strip()
        if r.returncode != 0:
            print(f'{po}: msgfmt --check failed:\n{stats}')
            return 1
        print(f'{po}: {stats}')
        if not complete:
            return 0

        bad = 'untranslated' in stats or 'fuzzy' in stats
        for option, what in (('--untranslated', 'untranslated'), ('--only-fuzzy', 'fuzzy')):
            r = run(['msgattrib', option, '--no-obsolete', '--no-wrap', merged])
            for msgid in msgids(r.stdout):
                print(f'{po}: {what}: "{msgid}"')
                bad = True
        return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
