"""nbgrader's Execute, made to see tslab's errors (imported by jupyter/nbgrader_config.py).

tslab answers a cell that throws with status "error" but sends the message on stderr only, with no
`error` output; nbgrader decides a test cell's grade by its `error` outputs, so a failing test would
score full points. This adds the output nbgrader reads, and waits out the 200 ms after an error in which
tslab drops what it is sent. Not run here: the project's package index has no nbgrader.
"""
import time

from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute

_check = Execute._check_raise_for_error


def _check_tslab(self, cell, cell_index, exec_reply):
    content = (exec_reply or {}).get('content', {})
    if content.get('status') == 'error':
        if not any(o.get('output_type') == 'error' for o in cell.get('outputs', [])):
            cell.outputs.append(new_output('error', ename=content.get('ename') or 'Error',
                                           evalue=content.get('evalue') or '', traceback=content.get('traceback') or []))
        time.sleep(0.3)
    return _check(self, cell, cell_index, exec_reply)


Execute._check_raise_for_error = _check_tslab
