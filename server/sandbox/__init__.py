"""Sandbox core: run untrusted snippets in layered isolation. No LSP imports.

Where to start (each module's docstring says more):

- ``session.py`` — :class:`SandboxManager`, the API everything else uses: ``await
  run(key, code, first_line, filename, folder)`` for a document's session, ``await
  run_isolated(...)`` for code that must not touch any session (generated candidates),
  ``cancel``/``restart``/``close``/``shutdown``. Returns ``result.RunResult``; never raises.
- ``supervisor.py`` — one sandboxed interpreter (:class:`Sandbox`): start, ``init``,
  ``execute`` a run, freeze between runs, kill. ``pool.py`` keeps one started spare ready.
- ``runtime/`` — what runs *inside* the sandbox, standard library only: ``child.py`` (the
  loop), ``protocol.py`` (the typed messages both sides use), ``confine.py`` and
  ``seccomp.py`` (the in-process layers), ``hygiene.py`` (what a run may leave behind),
  ``instrument.py`` (per-line values, errors mapped to document lines). To record more in a
  run (variables, tables, plots): compute it in ``child.Session.run``, add a field with a
  default to ``protocol.Result`` and a check in its reader, then carry it through
  ``report.build`` into ``RunResult``; anything shown in Markdown goes through ``markdown.py``.
- ``bwrap.py`` (namespaces, hidden host trees), ``watch.py`` (medium mode's disk cap),
  ``channel.py`` (reading the hostile result pipe), ``report.py`` (checks at the trust
  boundary), ``layers.py`` (what each layer does and what stays open), ``doctor.py``.
"""
