#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks the application icons: both parse as SVG; the full-colour one is
square; the symbolic one is 16×16 and drawn with fills only, because GTK
recolours symbolic icons by their fill and a stroke would stay unrecoloured.

  check-icons.py APP.svg APP-symbolic.svg
"""
import re
import sys
import xml.etree.ElementTree as ET

SVG = '{http://www.w3.org/2000/svg}svg'


def load(path, problems):
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        problems.append(f'{path}: {e}')
        return None
    if root.tag != SVG:
        problems.append(f'{path}: root element is {root.tag}, not an SVG')
        return None
    return root


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    problems = []
    icon = load(argv[1], problems)
    if icon is not None:
        box = icon.get('viewBox', '').split()
        if len(box) != 4 or box[2] != box[3]:
            problems.append(f'{argv[1]}: viewBox {icon.get("viewBox")!r} is not square')
    symbolic = load(argv[2], problems)
    if symbolic is not None:
        if symbolic.get('viewBox', '').split() != ['0', '0', '16', '16']:
            problems.append(f'{argv[2]}: viewBox is not 0 0 16 16')
        for element in symbolic.iter():
            stroke = element.get('stroke')
            style = element.get('style', '')
            if (stroke and stroke != 'none') or re.search(r'stroke\s*:\s*(?!none)', style):
                problems.append(f'{argv[2]}: <{element.tag.split("}")[-1]}> is stroked')
    for p in problems:
        print(p)
    if not problems:
        print(f'{argv[1]}, {argv[2]}: ok')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
