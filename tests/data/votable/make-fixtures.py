#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Regenerates astropy-{tabledata,binary,binary2}.vot: one table written by a
# third-party VOTable writer (astropy) in each serialisation, with NULLs,
# integers with VALUES null, fixed and variable strings, and a float array.
import numpy as np
from astropy.io.votable.tree import VOTableFile, Resource, Table, Field, Info


def make(fmt, path):
    vot = VOTableFile(version="1.4")
    res = Resource()
    res.type = "results"
    vot.resources.append(res)
    res.infos.append(Info(name="QUERY_STATUS", value="OK"))
    t = Table(vot, name="basic")
    res.tables.append(t)
    t.fields.extend([
        Field(vot, name="main_id", datatype="char", arraysize="*", ucd="meta.id;meta.main"),
        Field(vot, name="ra", datatype="double", unit="deg", ucd="pos.eq.ra;meta.main"),
        Field(vot, name="dec", datatype="double", unit="deg", ucd="pos.eq.dec;meta.main"),
        Field(vot, name="otype", datatype="char", arraysize="*"),
        Field(vot, name="sp_type", datatype="char", arraysize="*"),
        Field(vot, name="oid", datatype="long"),
        Field(vot, name="nbref", datatype="int"),
        Field(vot, name="plx_prec", datatype="short"),
        Field(vot, name="V", datatype="float", unit="mag"),
        Field(vot, name="flag", datatype="boolean"),
        Field(vot, name="code", datatype="char", arraysize="4"),
        Field(vot, name="fluxes", datatype="float", arraysize="3"),
    ])
    t.fields[6].values.null = -999
    t.fields[7].values.null = -1
    t.create_arrays(3)
    rows = [
        ("* gam Cas", 14.177215416666666, 60.71674027777778, "Be*", "B0.5IVpe", 1234567, 2141, 4,
         2.15, True, "ab", [1.0, 2.5, -3.0]),
        ("V* CM Tau", 83.63307625, 22.01449327, "Psr", "", 9876543210, -999, -1, np.nan, False, "",
         [0, 0, 0]),
        ("NAME \"Test\" <&>", -0.0, -89.5, "Em*", "M3e", 42, 0, 0, 12.5, True, "wxyz",
         [np.nan, 1e-30, 3e38]),
    ]
    for i, r in enumerate(rows):
        t.array[i] = r
    t.array.mask[1]["sp_type"] = True
    t.array.mask[1]["nbref"] = True
    t.array.mask[1]["plx_prec"] = True
    t.array.mask[1]["V"] = True
    t.array.mask[2]["flag"] = True
    vot.to_xml(path, tabledata_format=fmt)


for fmt in ("tabledata", "binary", "binary2"):
    make(fmt, f"astropy-{fmt}.vot")
