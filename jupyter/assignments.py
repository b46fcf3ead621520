#!/usr/bin/env python3
"""The chapters as assignments, with nbgrader's cell metadata and nbgrader's rules (0.9).

Called by `npm run assignments` (lib/cli/assignments.ts), which sets JUPYTER_PATH so that the
project-local tslab kernelspec is found.

  release NB... --out DIR [--executed DIR]
      the student version of each chapter (DIR/release/<chapter>.ipynb): solutions replaced by the
      TypeScript stub, hidden tests removed, outputs cleared, a checksum on every locked cell; the
      instructor's version as it was released (DIR/source/<chapter>.ipynb, what grading restores tests
      from); and both handouts as HTML (DIR/handouts/{student,instructor}/<chapter>.html), with the
      outputs of the executed chapter (--executed, outputs/notebooks) on every cell that is not an exercise.
  grade-one FILE --source DIR --feedback DIR [--cell-timeout S] [--timeout S] [--memory-mb M]
      autogrades one submission in its own tslab kernel and prints one JSON line.

nbgrader itself (pip `nbgrader`) is not needed: these are its metadata (`nbgrader: {grade, solution,
locked, grade_id, points, schema_version}`), its markers and its scoring (a test cell scores its points
when it runs without an error). A course that runs nbgrader uses the same notebooks with
jupyter/nbgrader_config.py.
"""
import argparse
import copy
import hashlib
import html
import json
import os
import re
import sys
import threading
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_notebook import ANSI, export_html, write_atomic  # noqa: E402

# As jupyter/nbgrader_config.py sets for nbgrader.
CODE_STUB = "// YOUR CODE HERE\nthrow new Error('not implemented');"
TEXT_STUB = 'YOUR ANSWER HERE'
BEGIN_SOLUTION, END_SOLUTION = 'BEGIN SOLUTION', 'END SOLUTION'
BEGIN_HIDDEN, END_HIDDEN = 'BEGIN HIDDEN TESTS', 'END HIDDEN TESTS'
# tslab's compiler fails every later cell with this once a file it compiled changes on disk mid-run.
TSLAB_STALE = 'Unexpected pending rebuildTimer'
# tslab drops what is sent in the 200 ms after a cell's error (shared/NOTES.md): wait that out.
AFTER_ERROR_S = 0.3


class Unusable(Exception):
    """A submission that cannot be graded: the message says why."""


def nbg(cell):
    return cell.get('metadata', {}).get('nbgrader') or {}


def is_exercise(cell):
    m = nbg(cell)
    return bool(m.get('grade') or m.get('solution') or m.get('locked'))


def source_of(cell):
    s = cell.get('source', '')
    return ''.join(s) if isinstance(s, list) else s


def checksum(cell):
    """What a locked cell must still be: its type and its source, whitespace at the ends aside."""
    return hashlib.sha256((cell.cell_type + '\0' + source_of(cell).strip()).encode()).hexdigest()


def replace_region(source, begin, end, stub, where):
    """Replaces each region from a line containing `begin` to one containing `end` (both included)."""
    out, inside, indent, found = [], False, '', False
    for line in source.split('\n'):
        if begin in line:
            if inside:
                raise ValueError(f'{where}: "{begin}" twice without "{end}"')
            inside, found, indent = True, True, line[:len(line) - len(line.lstrip())]
            if stub is not None:
                out.extend(indent + s for s in stub.split('\n'))
        elif end in line:
            if not inside:
                raise ValueError(f'{where}: "{end}" without "{begin}"')
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f'{where}: "{begin}" without "{end}"')
    return '\n'.join(out), found


def check_exercises(nb, name):
    """Every exercise cell's metadata, as nbgrader would refuse it; returns the grade cells."""
    seen, grades = set(), []
    for cell in nb.cells:
        m = nbg(cell)
        if not m:
            continue
        gid = m.get('grade_id')
        if not gid or not re.match(r'^[A-Za-z0-9_-]+$', gid):
            raise ValueError(f'{name}: a cell has nbgrader metadata without a valid grade_id: {source_of(cell)[:60]!r}')
        if gid in seen:
            raise ValueError(f'{name}: grade_id {gid} is used twice')
        seen.add(gid)
        if m.get('grade'):
            if not (isinstance(m.get('points'), (int, float)) and m['points'] > 0):
                raise ValueError(f'{name}: grade cell {gid} needs points > 0')
            grades.append(cell)
        if m.get('solution') and cell.cell_type == 'code' and BEGIN_SOLUTION not in source_of(cell):
            raise ValueError(f'{name}: solution cell {gid} has no "{BEGIN_SOLUTION}" region')
    return grades


def release(nb, name):
    """The student version: nbgrader's generate_assignment (ClearSolutions, ClearHiddenTests, ClearOutput, LockCells, ComputeChecksums)."""
    nb = copy.deepcopy(nb)
    check_exercises(nb, name)
    for cell in nb.cells:
        m = nbg(cell)
        where = f'{name}, cell {m.get("grade_id", cell.get("id"))}'
        if m.get('solution'):
            if cell.cell_type == 'code':
                cell.source, _ = replace_region(source_of(cell), BEGIN_SOLUTION, END_SOLUTION, CODE_STUB, where)
            else:
                cell.source = TEXT_STUB
        if m.get('grade') and cell.cell_type == 'code':
            cell.source, _ = replace_region(source_of(cell), BEGIN_HIDDEN, END_HIDDEN, None, where)
        if cell.cell_type == 'code':
            cell.outputs, cell.execution_count = [], None
        if m.get('grade') or m.get('locked'):
            m['checksum'] = checksum(cell)
    nb.metadata.setdefault('at_odds', {})['assignment'] = name
    nb.metadata['at_odds'].pop('run_seconds', None)
    return nb


def with_outputs(nb, executed, keep):
    """nb with the outputs of `executed` (matched by cell id) on the cells `keep` accepts."""
    nb = copy.deepcopy(nb)
    if executed is None:
        return nb
    by_id = {c.get('id'): c for c in executed.cells if c.cell_type == 'code'}
    for cell in nb.cells:
        done = by_id.get(cell.get('id'))
        if cell.cell_type == 'code' and done is not None and keep(cell) and source_of(done) == source_of(cell):
            cell.outputs, cell.execution_count = copy.deepcopy(done.outputs), done.execution_count
    return nb


def cmd_release(a):
    for path in a.notebooks:
        name = os.path.splitext(os.path.basename(path))[0]
        nb = nbformat.read(path, as_version=4)
        student = release(nb, name)
        write_atomic(os.path.join(a.out, 'release', f'{name}.ipynb'), nbformat.writes(student))
        write_atomic(os.path.join(a.out, 'source', f'{name}.ipynb'), nbformat.writes(nb))
        done = os.path.join(a.executed, f'{name}.ipynb') if a.executed else None
        executed = nbformat.read(done, as_version=4) if done and os.path.exists(done) else None
        # The student's handout is the released notebook: an exercise cell shows no output (a solution
        # cell's output would be its answer), every other cell the executed chapter's, where its source is the same.
        export_html(with_outputs(student, executed, lambda c: not is_exercise(c)), name,
                    os.path.join(a.out, 'handouts', 'student', f'{name}.html'))
        export_html(with_outputs(nb, executed, lambda c: True), name,
                    os.path.join(a.out, 'handouts', 'instructor', f'{name}.html'))
        exercises = [c for c in nb.cells if nbg(c).get('grade')]
        print(json.dumps({'chapter': name, 'exercises': len(exercises), 'points': sum(nbg(c)['points'] for c in exercises),
                          'executed_outputs': executed is not None}), flush=True)
    return 0


# ---------------------------------------------------------------- grading

def chapter_of(sub, path, sources):
    named = (sub.metadata.get('at_odds') or {}).get('assignment')
    if named in sources:
        return named
    stem = os.path.basename(path)
    for name in sorted(sources, key=len, reverse=True):
        if name in stem:
            return name
    ids = {nbg(c).get('grade_id') for c in sub.cells} - {None}
    best = max(sources, key=lambda n: len(ids & {nbg(c).get('grade_id') for c in sources[n].cells}))
    if ids & {nbg(c).get('grade_id') for c in sources[best].cells}:
        return best
    raise Unusable(f'not one of our chapters ({", ".join(sorted(sources))}): no assignment name, no chapter in its file name and no exercise of ours')


def assemble(source, sub):
    """The instructor's notebook with the student's answers: nbgrader's OverwriteCells, whole.

    Every cell but an answer comes from the instructor's version (hidden tests included), so that a
    changed test or locked cell is graded as the instructor wrote it; the checksums say which were changed.
    """
    # A locked cell may read as released (a student's copy) or as the instructor wrote it (hidden tests in).
    allowed = {nbg(c)['grade_id']: {nbg(c)['checksum']} for c in release(source, 'check').cells
               if nbg(c).get('checksum') and not nbg(c).get('solution')}
    for c in source.cells:
        if nbg(c).get('grade_id') in allowed:
            allowed[nbg(c)['grade_id']].add(checksum(c))
    theirs = {}
    for c in sub.cells:
        gid = nbg(c).get('grade_id')
        if gid and gid not in theirs:
            theirs[gid] = c
    changed = [gid for gid, sums in allowed.items() if gid in theirs and checksum(theirs[gid]) not in sums]
    missing = [gid for gid in allowed if gid not in theirs]
    nb = copy.deepcopy(source)
    unanswered = []
    for cell in nb.cells:
        m = nbg(cell)
        if m.get('solution'):
            mine = theirs.get(m['grade_id'])
            if mine is not None and mine.cell_type == cell.cell_type:
                cell.source = source_of(mine)
            else:
                unanswered.append(m['grade_id'])
                cell.source = CODE_STUB if cell.cell_type == 'code' else TEXT_STUB
        if cell.cell_type == 'code':
            cell.outputs, cell.execution_count = [], None
    return nb, changed, missing, unanswered


def runs_when_grading(cell):
    """The grading profile: the parameters and set-up cells, and the exercises; never a chapter's figures."""
    tags = set(cell.get('metadata', {}).get('tags', []))
    return cell.cell_type == 'code' and (bool(tags & {'parameters', 'setup'}) or bool(nbg(cell).get('grade') or nbg(cell).get('solution')))


class MemoryWatch(threading.Thread):
    """Kills the kernel when its resident memory (children included) passes the limit."""

    def __init__(self, pid, limit_bytes):
        super().__init__(daemon=True)
        self.pid, self.limit, self.tripped, self.stop = pid, limit_bytes, False, threading.Event()

    def run(self):
        import psutil
        try:
            proc = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self.stop.wait(0.25):
            try:
                rss = sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)])
            except psutil.Error:
                return
            if rss > self.limit:
                self.tripped = True
                for p in [*proc.children(recursive=True), proc]:
                    try:
                        p.kill()
                    except psutil.Error:
                        pass
                return


def error_message(cell, e):
    text = ''.join(o.get('text', '') for o in cell.get('outputs', []) if o.get('output_type') == 'stream' and o.get('name') == 'stderr')
    text = ANSI.sub('', text)
    m = re.search(r'^(\w*Error): (.*)$', text, re.M)
    if m:
        return m.group(1), m.group(2)
    if text.strip():
        return 'Error', text.strip().split('\n')[0]
    return getattr(e, 'ename', 'Error') or 'Error', ANSI.sub('', str(getattr(e, 'evalue', '') or e)).strip().split('\n')[0]


def execute(nb, cell_timeout, deadline, memory_mb):
    """Runs the grading profile's cells; returns {cell index: (error name, message)}, how the run ended, and the cells it ran."""
    env_before = os.environ.get('NODE_OPTIONS')
    # V8's heap stops well before the watchdog's limit, with an out-of-memory error the report can name.
    os.environ['NODE_OPTIONS'] = f'--max-old-space-size={max(256, int(memory_mb * 0.75))}'
    client = NotebookClient(nb, kernel_name='tslab', timeout=cell_timeout, allow_errors=False,
                            resources={'metadata': {'path': os.path.dirname(os.path.dirname(os.path.abspath(__file__)))}})
    errors, status, ran = {}, 'graded', set()
    try:
        with client.setup_kernel():
            pid = client.km.provisioner.pid if client.km.provisioner else None
            watch = MemoryWatch(pid, memory_mb * 2**20) if pid else None
            if watch:
                watch.start()
            try:
                for i, cell in enumerate(nb.cells):
                    if not runs_when_grading(cell):
                        continue
                    left = deadline - time.time()
                    if left <= 1:
                        status = 'timeout'
                        break
                    client.timeout = int(min(cell_timeout, left)) or 1
                    try:
                        ran.add(i)
                        client.execute_cell(cell, i)
                    except CellTimeoutError:
                        errors[i] = ('TimeoutError', f'the cell ran longer than {client.timeout} s and was stopped')
                        status = 'timeout'
                        break
                    except DeadKernelError:
                        errors[i] = ('KernelDied', 'the kernel died (memory limit or crash)')
                        status = 'memory' if watch and watch.tripped else 'crashed'
                        break
                    except CellExecutionError as e:
                        # tslab writes a thrown error to stderr and sends no `error` output: add the one
                        # nbgrader (and a feedback page) reads.
                        ename, evalue = error_message(cell, e)
                        errors[i] = (ename, evalue)
                        cell.outputs.append(nbformat.v4.new_output('error', ename=ename, evalue=evalue, traceback=[f'{ename}: {evalue}']))
                        time.sleep(AFTER_ERROR_S)
            finally:
                if watch:
                    watch.stop.set()
    except (DeadKernelError, RuntimeError) as e:
        status = status if status != 'graded' else 'crashed'
        errors.setdefault(-1, ('KernelDied', ANSI.sub('', str(e)).split('\n')[0]))
    finally:
        if env_before is None:
            os.environ.pop('NODE_OPTIONS', None)
        else:
            os.environ['NODE_OPTIONS'] = env_before
    return errors, status, ran


def feedback(nb, report, grades, path, name):
    """nbgrader's generate_feedback: the graded notebook, hidden tests out, a table of scores on top."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if nbg(cell).get('grade') and cell.cell_type == 'code':
            cell.source, _ = replace_region(source_of(cell), BEGIN_HIDDEN, END_HIDDEN, '// (hidden tests)', 'feedback')
    rows = ['| exercise | score | points | result |', '| --- | --- | --- | --- |']
    for g in grades:
        rows.append(f"| `{g['grade_id']}` | {'' if g['score'] is None else g['score']} | {g['points']} | {html.escape(g['result'])} |")
    notes = []
    if report['changed']:
        notes.append(f"Changed locked or test cells ({', '.join(report['changed'])}) were graded as the instructor wrote them.")
    if report['status'] != 'graded':
        notes.append(f"The run ended early ({report['status']}): {html.escape(report.get('message', ''))}")
    head = (f"# Feedback: {name}\n\n**{report['submission']}**, chapter `{report['chapter']}`: "
            f"**{report['score']:g} of {report['max_score']:g}** points graded automatically"
            + (f", {sum(m['points'] for m in report['manual']):g} more to be graded by hand" if report['manual'] else '')
            + '.\n\n' + '\n'.join(rows) + ('\n\n' + '\n\n'.join(notes) if notes else ''))
    nb.cells.insert(0, nbformat.v4.new_markdown_cell(head))
    export_html(nb, name, path)


def grade_one(a):
    started = time.time()
    deadline = started + a.timeout
    base = os.path.basename(a.file)
    report = {'notebook': base, 'submission': base, 'chapter': None, 'score': 0, 'max_score': 0, 'failed': [],
              'manual': [], 'changed': [], 'status': 'graded'}
    sources = {os.path.splitext(f)[0]: nbformat.read(os.path.join(a.source, f), as_version=4)
               for f in sorted(os.listdir(a.source)) if f.endswith('.ipynb')}
    try:
        try:
            sub = nbformat.read(a.file, as_version=4)
        except Exception as e:  # JSON, schema, encoding: all say the same to a teacher
            raise Unusable(f'not a notebook: {str(e).splitlines()[0][:200] if str(e) else type(e).__name__}')
        name = chapter_of(sub, a.file, sources)
        report['chapter'] = name
        nb, changed, missing, unanswered = assemble(sources[name], sub)
        report['changed'], report['missing'] = changed, missing
        run_started = time.time()
        errors, status, ran = execute(nb, a.cell_timeout, deadline, a.memory_mb)
        if any(TSLAB_STALE in e[1] for e in errors.values()) and deadline - time.time() > 10:
            # Not the student's fault: a library file changed on disk while the kernel ran. Once more, afresh.
            nb, *_ = assemble(sources[name], sub)
            errors, status, ran = execute(nb, a.cell_timeout, deadline, a.memory_mb)
        report['status'] = status
        report['kernel_seconds'] = round(time.time() - run_started, 1)
        if status != 'graded':
            first = errors.get(-1) or next(iter(errors.values()), ('', 'the time limit for the notebook ran out'))
            report['message'] = f'{first[0]}: {first[1]}'.strip(': ')
        grades = []
        for i, cell in enumerate(nb.cells):
            m = nbg(cell)
            if not m.get('grade'):
                continue
            g = {'grade_id': m['grade_id'], 'points': m['points']}
            if cell.cell_type != 'code':
                g.update(score=None, result='graded by hand')
                report['manual'].append({'grade_id': m['grade_id'], 'points': m['points']})
            else:
                report['max_score'] += m['points']
                if i in errors:
                    g.update(score=0, result=f'{errors[i][0]}: {errors[i][1]}')
                elif i not in ran:
                    g.update(score=0, result='not run: the notebook stopped before this cell')
                else:
                    g.update(score=m['points'], result='passed')
                if g['score'] == 0:
                    report['failed'].append(m['grade_id'])
                report['score'] += g['score']
            grades.append(g)
        report['grades'] = {g['grade_id']: g['result'] for g in grades}
        stem = re.sub(r'\.ipynb$', '', base)
        out = os.path.join(a.feedback, f'{stem}.html')
        feedback(nb, report, grades, out, stem)
        report['feedback'] = os.path.relpath(out)
    except Unusable as e:
        report.update(status='unusable', message=str(e), score=None, max_score=None)
    report['seconds'] = round(time.time() - started, 1)
    report.pop('submission', None)
    print(json.dumps(report), flush=True)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest='command', required=True)
    r = sub.add_parser('release')
    r.add_argument('notebooks', nargs='+')
    r.add_argument('--out', required=True)
    r.add_argument('--executed')
    g = sub.add_parser('grade-one')
    g.add_argument('file')
    g.add_argument('--source', required=True)
    g.add_argument('--feedback', required=True)
    g.add_argument('--cell-timeout', type=int, default=30)
    g.add_argument('--timeout', type=int, default=120)
    g.add_argument('--memory-mb', type=int, default=4096)
    a = ap.parse_args()
    try:
        return cmd_release(a) if a.command == 'release' else grade_one(a)
    except ValueError as e:
        print(f'assignments: {e}', file=sys.stderr)
        return 2


if __name__ == '__main__':
    sys.exit(main())
