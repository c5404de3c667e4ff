"""Process-wide logging set-up for the server's entry points."""

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# libraries that narrate routine work at INFO: fontTools lists every glyph of each PDF's font
# subset (dozens of lines per certificate or results PDF)
QUIET = ("fontTools",)


def setup_logging() -> None:
    logging.basicConfig(level=logging.INFO, format=FORMAT)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
