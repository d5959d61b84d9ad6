"""The bot's replies to comment commands: the answer to ``ask``, ``help``, and short notes.

Every reply starts with a hidden marker of its own (never the summary's), so that the bot
can tell its replies apart and never takes one for a command. Model text and the quoted
question go through ``sanitize.clean`` like every other untrusted text.
"""

from __future__ import annotations

from reviewbot.engine.ask import Answer
from reviewbot.engine.commands import COMMANDS, PREFIX
from reviewbot.output.render import environment, md_code
from reviewbot.output.sanitize import clean, clean_inline

ANSWER_MARKER = "<!-- reviewbot:answer -->"
REPLY_MARKER = "<!-- reviewbot:reply -->"
_ANSWER_LIMIT = 30_000
_QUESTION_LIMIT = 2_000


def _quote(text: str) -> str:
    """``text`` sanitised and quoted (``> `` on every line)."""
    safe = clean(text, _QUESTION_LIMIT) or "(empty)"
    return "\n".join(f"> {line}" if line.strip() else ">" for line in safe.splitlines())


def render_answer(question: str, asker: str, answer: Answer) -> str:
    """The reply to ``ask``: marker, the quoted question, the answer and its cost line.

    When no model answered, the reply says why instead (the budget, no key, all failed).
    """
    step = answer.step
    usage = step.usage
    text = (
        environment()
        .get_template("answer.md.j2")
        .render(
            marker=ANSWER_MARKER,
            asker=clean_inline(asker, 60),
            question=_quote(question),
            answer=clean(answer.text, _ANSWER_LIMIT) if answer.text is not None else None,
            reason=clean_inline(step.reason or step.status, 500),
            model=str(step.model) if step.model else None,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cost_usd=step.cost_usd,
            budget_usd=answer.budget_usd,
            attempts=len(step.attempts),
        )
    )
    return text.strip() + "\n"


def render_help(note: str = "") -> str:
    """The reply to ``help`` (and, with a ``note``, to a command reviewbot does not know)."""
    text = (
        environment()
        .get_template("help.md.j2")
        .render(marker=REPLY_MARKER, note=note, prefix=PREFIX, commands=COMMANDS)
    )
    return text.strip() + "\n"


def render_unknown(name: str) -> str:
    """The reply to an unknown command: what was not understood, then ``help``'s list."""
    return render_help(f"reviewbot does not know the command {md_code(name[:40])}.")


def render_note(text: str) -> str:
    """A one-paragraph reply written by reviewbot itself (dismissal done, why a command failed)."""
    return f"{REPLY_MARKER}\n{text.strip()}\n"
