"""``reviewbot eval``: what a configuration finds, and costs, on a corpus of labelled PRs.

- ``reverse``: turn a fix's diff into the PR that introduces the bug;
- ``match``: when a finding is a labelled problem (pure);
- ``corpus``: read and write case folders;
- ``scripted``: providers that answer from a script when no key is set;
- ``runner``: every case under every configuration through ``engine.run.review``;
- ``metrics``, ``report``, ``plot``: the figures, the table and eval.json, the SVG;
- ``command``: the subcommand's arguments and its run.
"""
