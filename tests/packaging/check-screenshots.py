#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks the screenshots of the AppStream metainfo against the repository.

  check-screenshots.py METAINFO.xml.in SOURCE_ROOT

Every <image> must be an https URL of a PNG under data/screenshots/ of the
project's repository (where the GUI tests write them and they are
committed), with a caption.  A picture that is already in data/screenshots/
must be a real PNG at least 620 pixels wide (smaller ones look blurred in
software centres); one that is not there yet is reported, not failed, so the
section stays valid before the first GUI test run.
"""
import os
import struct
import sys
import xml.etree.ElementTree as ET

PREFIX = 'https://raw.githubusercontent.com/emissary/emissary/main/data/screenshots/'


def png_size(path):
    with open(path, 'rb') as f:
        head = f.read(24)
    if len(head) < 24 or head[:8] != b'\x89PNG\r\n\x1a\n' or head[12:16] != b'IHDR':
        return None
    return struct.unpack('>II', head[16:24])


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    metainfo, root = argv[1], argv[2]
    problems = []
    screenshots = ET.parse(metainfo).getroot().findall('./screenshots/screenshot')
    if not screenshots:
        problems.append(f'{metainfo}: no screenshots')
    defaults = 0
    for shot in screenshots:
        defaults += shot.get('type') == 'default'
        caption = shot.find('caption')
        if caption is None or not (caption.text or '').strip():
            problems.append(f'{metainfo}: a screenshot has no caption')
        for image in shot.findall('image'):
            url = (image.text or '').strip()
            if not url.startswith(PREFIX) or not url.endswith('.png'):
                problems.append(f'{metainfo}: {url} is not a PNG under {PREFIX}')
                continue
            local = os.path.join(root, 'data', 'screenshots', url[len(PREFIX):])
            if not os.path.exists(local):
                print(f'{metainfo}: {url}: not in data/screenshots/ yet')
                continue
            size = png_size(local)
            if size is None:
                problems.append(f'{local}: not a PNG')
            elif size[0] < 620:
                problems.append(f'{local}: {size[0]}×{size[1]} pixels, narrower than 620')
            else:
                print(f'{local}: {size[0]}×{size[1]} PNG')
    if defaults != 1:
        problems.append(f'{metainfo}: {defaults} default screenshots instead of one')
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
