"""What a review becomes: the comment, inline comments, the report; safe Markdown."""
