# nbgrader's configuration for the at-odds chapters, for a course that grades with nbgrader itself
# (pip install nbgrader==0.9.6; run nbgrader from the repository root with JUPYTER_PATH=jupyter so that the
# tslab kernelspec is found). `npm run assignments` does not need it: jupyter/assignments.py applies the same
# metadata, markers, stub and scoring without nbgrader, which the project's package index does not carry.
# Written against nbgrader 0.9's documented options; not run here (see README, "Assignments").
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

c = get_config()  # noqa: F821 (nbgrader defines it)

# Solutions and hidden tests in TypeScript comments: nbgrader looks for the words, whatever the comment mark.
c.ClearSolutions.begin_solution_delimeter = 'BEGIN SOLUTION'
c.ClearSolutions.end_solution_delimeter = 'END SOLUTION'
c.ClearSolutions.code_stub = {'typescript': "// YOUR CODE HERE\nthrow new Error('not implemented');"}
c.ClearSolutions.text_stub = 'YOUR ANSWER HERE'
c.ClearHiddenTests.begin_test_delimeter = 'BEGIN HIDDEN TESTS'
c.ClearHiddenTests.end_test_delimeter = 'END HIDDEN TESTS'

# tslab reports a thrown error on stderr with no `error` output, which nbgrader would score as a pass:
# jupyter/tslab_nbgrader.py makes nbgrader's Execute add the error output.
import tslab_nbgrader  # noqa: E402,F401

c.Execute.timeout = 30
c.Execute.interrupt_on_timeout = True
