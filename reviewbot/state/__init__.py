"""Run-to-run state of a PR's review: the hidden block, the plan, the delta, the findings' life."""
