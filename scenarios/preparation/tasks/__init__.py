"""The preparation report's tasks, one module each, in the model schedule's order (§2-3, §2-4).

Each module has one builder returning the task's dict (status, items and the task's own
fields); :func:`scenarios.preparation.build.build_preparation` calls them and adds the id,
titles, status words and deadline. :mod:`.items` holds what they share: the item shape and the
"cannot tell" answer.
"""
