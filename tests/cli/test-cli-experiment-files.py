#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""emissary-cli on whole experiments and their labels as files: a small
demo experiment gets every pool spectrum's true label by import-labels,
its labelled set is exported (VOTable read back by astropy when it is
there, and CSV), then it is duplicated, renamed and moved to the trash
(a private XDG_DATA_HOME)."""
import csv
import json
import os
import subprocess
import sys
import tempfile

CLI = os.environ['EM_CLI']


def run(*args, expect=0):
    r = subprocess.run([CLI, *args], capture_output=True, text=True)
    if r.returncode != expect:
        sys.exit(f'emissary-cli {" ".join(args)}: exit {r.returncode}, expected {expect}\n'
                 f'{r.stdout}{r.stderr}')
    return r


def info(exp):
    return json.loads(run('experiment', 'info', exp).stdout)


def main():
    with tempfile.TemporaryDirectory(prefix='em-cli-files-') as tmp:
        os.environ['XDG_DATA_HOME'] = os.path.join(tmp, 'data')
        survey = os.path.join(tmp, 'survey')
        pool = os.path.join(tmp, 'pool.fits')
        exp = os.path.join(tmp, 'run.emissary')
        run('demo-data', '--pool', '30', '--seed-set', '40', survey)
        run('ingest', pool, os.path.join(survey, 'pool'))
        run('experiment', 'new', '--seed-set', os.path.join(survey, 'seed.csv'), '--pool', pool,
            '--preset', 'small', '--epochs', '1', '--batch', '5', exp)

        # import: a bad line stops it, naming the file and the line
        truth = os.path.join(survey, 'truth.csv')
        bad = os.path.join(tmp, 'bad.csv')
        with open(truth) as f:
            rows = [r for r in csv.reader(f)][1:]
        with open(bad, 'w') as f:
            f.write(f'id,label\n{rows[0][0]},{rows[0][1]}\nnot-in-the-pool,emission\n')
        r = run('import-labels', exp, bad, expect=1)
        assert 'bad.csv, line 3:' in r.stderr and '1 labels imported before it' in r.stderr, r.stderr
        r = run('import-labels', exp, truth)
        assert json.loads(r.stdout) == {'imported': len(rows)}, r.stdout
        counts = info(exp)
        n_labels = counts['seed_labels'] + counts['oracle_labels'] + counts['import_labels']
        assert counts['import_labels'] == len(rows), counts

        # export: every labelled spectrum once, with positions
        vot = os.path.join(tmp, 'labelled.vot')
        out = os.path.join(tmp, 'labelled.csv')
        r = run('export-labels', exp, vot)
        assert json.loads(r.stdout) == {'exported': n_labels, 'file': vot}, r.stdout
        r = run('export-labels', '--format', 'csv', exp, out)
        assert json.loads(r.stdout)['exported'] == n_labels, r.stdout
        with open(out) as f:
            table = list(csv.DictReader(f))
        assert list(table[0].keys()) == ['id', 'ra', 'dec', 'label', 'source', 'iteration', 'time',
                                         'who'], table[0].keys()
        imported = {t['id']: t for t in table if t['source'] == 'import'}
        for spectrum_id, label in rows:
            assert imported[spectrum_id]['label'] == label, (spectrum_id, imported[spectrum_id])
            # pool spectra have positions in the pool
            assert imported[spectrum_id]['ra'] != '', imported[spectrum_id]
        run('export-labels', '--format', 'fits', exp, out, expect=2)
        run('export-labels', exp, os.path.join(tmp, 'no', 'such', 'dir.vot'), expect=1)
        try:
            from astropy.io.votable import parse
        except ImportError:
            print('astropy not found: the VOTable is not read back')
        else:
            t = parse(vot).get_first_table()
            assert t.fields[1].ucd == 'pos.eq.ra;meta.main', t.fields[1].ucd
            assert t.fields[2].ucd == 'pos.eq.dec;meta.main', t.fields[2].ucd
            assert len(t.array) == n_labels, len(t.array)

        # duplicate, rename, trash
        copy = os.path.join(tmp, 'copy.emissary')
        renamed = os.path.join(tmp, 'renamed.emissary')
        run('experiment', 'duplicate', exp, copy)
        assert info(copy)['import_labels'] == len(rows)
        r = run('experiment', 'duplicate', exp, copy, expect=1)
        assert 'exists already' in r.stderr, r.stderr
        run('experiment', 'rename', copy, renamed)
        assert not os.path.exists(copy) and os.path.isdir(renamed)
        run('experiment', 'rename', survey, os.path.join(tmp, 'x.emissary'), expect=1)
        r = run('experiment', 'trash', renamed)
        assert json.loads(r.stdout) == {'trashed': renamed}, r.stdout
        assert not os.path.exists(renamed)
        assert os.path.isdir(os.path.join(tmp, 'data', 'Trash', 'files', 'renamed.emissary'))
        run('experiment', 'trash', '--no-such-option', exp, expect=2)
        run('experiment', 'duplicate', exp, expect=2)
    print('ok')


if __name__ == '__main__':
    main()
