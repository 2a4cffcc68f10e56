"""Grading the course's labs: ``course grade`` (see ``grade.py``) and ``course release`` (``release.py``).

The pieces, in the order a submission meets them:
``prepare`` (read anything, put the solution's graded cells back), ``run`` (pytest + nbval in a fresh
folder with limits; ``nbval_plugin`` adds what nbval lacks), ``score``, ``feedback``, ``gradebook``.
"""
