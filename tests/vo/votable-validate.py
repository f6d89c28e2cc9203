#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Validates a VOTable with astropy in its strictest mode: every VOWarning
# is an error (verify='exception'), then astropy.io.votable.validate().
# Prints the row count and each cell of every row as "row:field=value"
# so the calling test can compare the content with what it wrote.
import io
import sys
import warnings

from astropy.io.votable import parse, validate

path = sys.argv[1]
warnings.simplefilter("error")
vot = parse(path, verify="exception")
table = vot.get_first_table()
out = io.StringIO()
if not validate(path, output=out):
    sys.stderr.write(out.getvalue())
    sys.exit(1)
print("nrows=%d" % len(table.array))
for f in table.fields:
    print("field=%s ucd=%s datatype=%s" % (f.name, f.ucd, f.datatype))
for i, row in enumerate(table.array):
    for name in table.array.dtype.names:
        value = row[name]
        masked = table.array.mask[i][name]
        if getattr(masked, "any", None) is not None:
            masked = bool(masked.all())
        print("%d:%s=%s" % (i, name, "--" if masked else value))
