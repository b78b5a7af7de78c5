"""Run every benchmark and print one table of times and ratios."""

from __future__ import annotations

import logging

from bench.browser_bench import browser_rows
from bench.common import print_table
from bench.data_bench import event_log_rows, ingest_rows
from bench.design_bench import diff_in_diff_rows, matching_row, sample_size_rows
from bench.roi_bench import monte_carlo_row, slider_row
from bench.sessions_bench import session_rows


def main() -> None:
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    rows = [
        monte_carlo_row(),
        slider_row(),
        *sample_size_rows(),
        matching_row(),
        *diff_in_diff_rows(),
        *ingest_rows(),
        *event_log_rows(),
        *browser_rows(),
        *session_rows(),
    ]
    print_table(rows)


if __name__ == "__main__":
    main()
