"""``python -m authoring DOMAIN [DOMAIN ...] | all [--check]``: regenerate the domains' shipped files.

Without ``--check`` every file that differs is rewritten; with it nothing is written, the files that
differ are listed, and the exit status is 1 if there are any.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from authoring import DOMAINS, generator


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m authoring", description="Regenerate the domains' shipped files.")
    parser.add_argument(
        "domains", nargs="+", choices=[*DOMAINS, "all"], metavar="DOMAIN", help=f"{', '.join(DOMAINS)}, or all"
    )
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if any file differs")
    args = parser.parse_args(argv)
    names = DOMAINS if "all" in args.domains else list(dict.fromkeys(args.domains))
    stale = []
    for name in names:
        for path, text in generator(name).outputs().items():
            data = text.encode("utf-8")
            if path.is_file() and path.read_bytes() == data:
                print(f"up to date  {_shown(path)}")
                continue
            stale.append(path)
            if args.check:
                print(f"DIFFERS     {_shown(path)}")
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
                print(f"wrote       {_shown(path)}")
    if args.check and stale:
        print(f"{len(stale)} file(s) differ from what the generators write: run python -m authoring {' '.join(names)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
