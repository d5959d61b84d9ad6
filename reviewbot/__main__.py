"""Entry point for ``python -m reviewbot``."""

from reviewbot.app.cli import main

raise SystemExit(main())
