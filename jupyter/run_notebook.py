#!/usr/bin/env python3
"""Execute one notebook on the tslab kernel, headless, and export its handout HTML.

Called by `npm run notebooks` (lib/cli/notebooks.ts), which sets JUPYTER_PATH so that the
project-local tslab kernelspec is found. Parameters are injected papermill-style, but into the
TypeScript cell tagged `parameters`: each `--set key=value` replaces the value of `const key = ...`.
Exit status: 0 on success, 1 when a cell fails (the message names the notebook and the cell),
2 on bad arguments.
"""
import argparse
import copy
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbconvert import HTMLExporter
from nbformat.sign import NotebookNotary

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ANSI = re.compile(r'\x1b\[[0-9;]*[A-Za-z]')
PARAM_LINE = r'^(\s*(?:export\s+)?(?:const|let)\s+{key}\s*(?::[^=]+)?=\s*)([^;\n]*?)(\s*;.*)?$'
NUMBER = re.compile(r'^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$')


class BadParameter(Exception):
    pass


def literal(key, old, new):
    """The TypeScript literal for `new`, of the same kind as the literal `old` it replaces."""
    old = old.strip()
    if NUMBER.match(old) or re.match(r'^[-+]?\d', old):
        if not NUMBER.match(new.strip()):
            raise BadParameter(f'parameter {key} expects a number, got {new!r}')
        return new.strip()
    if old in ('true', 'false'):
        if new not in ('true', 'false'):
            raise BadParameter(f'parameter {key} expects true or false, got {new!r}')
        return new
    if old[:1] in ('"', "'", '`'):
        return json.dumps(new)
    return new  # an expression: taken as written


def inject(nb, sets):
    """Replaces parameter values in the cell tagged `parameters`; returns that cell's index."""
    index = next((i for i, c in enumerate(nb.cells)
                  if c.cell_type == 'code' and 'parameters' in c.metadata.get('tags', [])), None)
    if index is None:
        if sets:
            raise BadParameter('this notebook has no cell tagged "parameters" to set values in')
        return None
    cell = nb.cells[index]
    for key, value in sets:
        pattern = re.compile(PARAM_LINE.format(key=re.escape(key)), re.M)
        m = pattern.search(cell.source)
        if not m:
            known = re.findall(r'^\s*(?:export\s+)?(?:const|let)\s+(\w+)', cell.source, re.M)
            raise BadParameter(f'unknown parameter {key!r}: the parameters cell has {", ".join(known)}')
        new = literal(key, m.group(2), value)
        cell.source = cell.source[:m.start(2)] + new + cell.source[m.end(2):]
    if sets:
        cell.source += '\n// Injected by the runner: ' + ', '.join(f'{k}={v}' for k, v in sets)
        nb.metadata.setdefault('at_odds', {})['parameters'] = dict(sets)
    return index


def first_line(cell):
    for line in cell.source.splitlines():
        if line.strip() and not line.strip().startswith('//'):
            return line.strip()[:70]
    return ''


def error_text(cell):
    for out in cell.get('outputs', []):
        if out.get('output_type') == 'error':
            tb = '\n'.join(ANSI.sub('', t) for t in out.get('traceback', []))
            return f"{out.get('ename', 'Error')}: {out.get('evalue', '')}" + (f'\n{tb}' if tb else '')
    return ''


def execute(nb, name, timeout):
    client = NotebookClient(nb, kernel_name='tslab', timeout=timeout, allow_errors=False,
                            resources={'metadata': {'path': ROOT}})
    code = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == 'code']
    with client.setup_kernel():
        for n, (i, cell) in enumerate(code, 1):
            started = time.time()
            try:
                client.execute_cell(cell, i)
            except (CellExecutionError, CellTimeoutError, DeadKernelError) as e:
                detail = error_text(cell) or ANSI.sub('', str(e))
                print(f'\n[{name}] FAILED at code cell {n} of {len(code)} (cell {i + 1} of the notebook): '
                      f'`{first_line(cell)}`\n{detail}', file=sys.stderr, flush=True)
                return False
            # tslab leaves execution counts empty: number the cells as a front end would, so that the
            # executed copy reads [1]:, [2]:, ... rather than [ ]:.
            cell.execution_count = n
            for out in cell.get('outputs', []):
                if out.get('output_type') == 'execute_result':
                    out['execution_count'] = n
            print(f'[{name}] cell {n}/{len(code)}  {time.time() - started:6.2f} s  {first_line(cell)}', flush=True)
    return True


# Code (fenced or inline) is left alone; display math before inline math.
CODE = re.compile(r'(```.*?```|`[^`\n]*`)', re.S)
DISPLAY_MATH = re.compile(r'\$\$(.+?)\$\$', re.S)
INLINE_MATH = re.compile(r'(?<![\\$])\$([^$\n]+?)\$')


def render_math(nb):
    """Replaces the TeX of markdown cells by SVG (lib/handouts/tex.ts); returns the CSS it needs."""
    items, cells = [], [c for c in nb.cells if c.cell_type == 'markdown']

    def collect(display):
        def sub(m):
            items.append({'tex': m.group(1).strip(), 'display': display})
            return '\x00MATH%d\x00' % (len(items) - 1)
        return sub

    for cell in cells:
        parts = CODE.split(cell.source)
        for i in range(0, len(parts), 2):
            parts[i] = INLINE_MATH.sub(collect(False), DISPLAY_MATH.sub(collect(True), parts[i]))
        cell.source = ''.join(parts)
    if not items:
        return ''
    node = os.environ.get('AT_ODDS_NODE', 'node')
    r = subprocess.run([node, '--import', 'tsx', os.path.join(ROOT, 'lib', 'handouts', 'tex.ts')], cwd=ROOT,
                       input=json.dumps(items), capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError('rendering the math failed:\n' + r.stderr[-2000:])
    out = json.loads(r.stdout)
    for cell in cells:
        cell.source = re.sub('\x00MATH(\\d+)\x00', lambda m: out['svgs'][int(m.group(1))], cell.source)
    return out['css']


# What the library writes for each figure (lib/plots/figure.ts, show.ts, theory-live.ts, explorer.ts), in page order.
# nbconvert may reorder an output's attributes (alphabetically), so the class is found anywhere in the tag.
FIGURE_MARK = re.compile(r'(?P<caption><(?:figcaption|p)\b[^>]*\bclass="ao-figure-alt"[^>]*>)'
                         r'|(?P<summary><summary>Data for this figure</summary>)'
                         r'|(?P<before><img\b[^>]*\bclass="at-odds-grid"|<div\b[^>]*\bclass="ao-static"[^>]*>)')


# A figure's label, written in the markdown cell just before the figure's code cell, and a reference to it:
# [the figure below](#fig-large-eps) in JupyterLab, "Figure 2.5" in the exported handout.
FIGURE_LABEL = re.compile(r'<a id="(?P<label>fig-[\w-]+)"></a>')
FIGURE_REF = re.compile(r'<a href="#(?P<label>fig-[\w-]+)">(?P<text>.*?)</a>', re.S)
MARKDOWN_CELL = re.compile(r'<div class="jp-Cell jp-MarkdownCell\b')


class BadFigureReference(ValueError):
    pass


def number_figures(html, name):
    """Numbers a chapter's figures in page order, "Figure 2.1", ..., for chapter NN-name: in a plot's caption and
    its data table's summary, above an image grid and above the explorer. A label <a id="fig-x"></a> takes the
    numbers of the figures that the code cells after it draw, up to the next markdown cell, and every link to it,
    <a href="#fig-x">...</a>, reads "Figure 2.5" (or "Figures 2.5 to 2.7" where a cell draws one per model).
    Other notebooks are left as they are."""
    m = re.match(r'^(\d+)-', name)
    if not m:
        return html
    chapter, count, active, numbers, seen = int(m.group(1)), [0], [], {}, set()

    def mark(f):
        if f.group('label'):
            label = f.group('label')
            if label in seen:
                raise BadFigureReference(f'[{name}] the figure label {label} is defined twice')
            seen.add(label)
            active.append(label)
            return f.group(0)
        if f.group('cell'):
            # A label binds only to the figures of the cells right after its own: where those cells drew none
            # (their models absent, the notebook not executed) it gets no number rather than a later figure's.
            active.clear()
            return f.group(0)
        if f.group('summary'):
            return f'<summary>Data for Figure {chapter}.{count[0]}</summary>'
        count[0] += 1
        for label in active:
            numbers.setdefault(label, []).append(count[0])
        number = f'<strong class="ao-figure-number">Figure {chapter}.{count[0]}.</strong>'
        if f.group('caption'):
            return f'{f.group(0)}{number} '
        return f'<p class="ao-figure-label" style="margin:8px 0 2px;font:14px sans-serif">{number}</p>{f.group(0)}'
    html = re.compile(f'{FIGURE_LABEL.pattern}|(?P<cell>{MARKDOWN_CELL.pattern})|{FIGURE_MARK.pattern}') \
        .sub(mark, html)
    unknown = sorted({r.group('label') for r in FIGURE_REF.finditer(html)} - seen)
    if unknown:
        raise BadFigureReference(f'[{name}] a link refers to a figure label that this chapter does not define: '
                                 f'{", ".join(unknown)} (define it as <a id="{unknown[0]}"></a> before the figure)')

    def name_of(ns):
        if len(ns) == 1:
            return f'Figure {chapter}.{ns[0]}'
        return f'Figures {chapter}.{ns[0]} {"and" if len(ns) == 2 else "to"} {chapter}.{ns[-1]}'
    # A label whose figure was not drawn keeps the link's own words ("the figure below").
    return FIGURE_REF.sub(lambda r: f'<a href="#{r.group("label")}">{name_of(numbers[r.group("label")])}</a>'
                          if r.group('label') in numbers else r.group(0), html)


def export_html(nb, name, path):
    nb = copy.deepcopy(nb)
    css = render_math(nb)
    exporter = HTMLExporter(template_name='handout',
                            extra_template_basedirs=[os.path.join(ROOT, 'jupyter', 'nbconvert', 'templates')],
                            exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb, resources={'metadata': {'name': name}, 'math_css': css})
    write_atomic(path, number_figures(body, name))


def current_umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path, text):
    # A temporary name of its own, so that two runs never write through each other's.
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=os.path.basename(path) + '.', suffix='.part', dir=os.path.dirname(path))
    try:
        with os.fdopen(fd, 'w', encoding='utf-8') as f:
            f.write(text)
        # mkstemp makes the file 0600: give it the mode the user's umask gives any new file (0644 under
        # 022), so that a course's web server and a teaching assistant in the group can read it.
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('notebook')
    ap.add_argument('--out-notebook', required=True)
    ap.add_argument('--out-html', required=True)
    ap.add_argument('--set', action='append', default=[], metavar='KEY=VALUE')
    ap.add_argument('--timeout', type=int, default=3600, help='seconds per cell')
    a = ap.parse_args()
    name = os.path.splitext(os.path.basename(a.notebook))[0]
    try:
        sets = []
        for s in a.set:
            if '=' not in s:
                raise BadParameter(f'--set {s!r} is not key=value')
            k, v = s.split('=', 1)
            sets.append((k.strip(), v))
        nb = nbformat.read(a.notebook, as_version=4)
        inject(nb, sets)
    except (BadParameter, OSError, nbformat.reader.NotJSONError) as e:
        print(f'[{name}] {e}', file=sys.stderr)
        return 2
    started = time.time()
    ok = execute(nb, name, a.timeout)
    nb.metadata.setdefault('at_odds', {})['run_seconds'] = round(time.time() - started, 1)
    # Jupyter runs the scripts in text/html outputs (our plots) only in a trusted notebook.
    NotebookNotary().sign(nb)
    if not ok:
        # The last complete run's notebook stays; the failed one goes beside it, under a name that says so.
        failed = re.sub(r'\.ipynb$', '', a.out_notebook) + '.failed.ipynb'
        write_atomic(failed, nbformat.writes(nb))
        print(f'[{name}] the failed run is in {os.path.relpath(failed)}', file=sys.stderr, flush=True)
        return 1
    write_atomic(a.out_notebook, nbformat.writes(nb))
    failed = re.sub(r'\.ipynb$', '', a.out_notebook) + '.failed.ipynb'
    if os.path.exists(failed):
        os.remove(failed)
    try:
        export_html(nb, name, a.out_html)
    except BadFigureReference as e:
        print(e, file=sys.stderr)
        return 2
    print(f'[{name}] executed in {time.time() - started:.1f} s', flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
