"""Reads JUnit files with EnricoMi/publish-unit-test-result-action's own code
(publish/, vendored unchanged) the way its publish_test_results.py does with
the action's default settings, and prints what it would publish as JSON: the
stats of the check run and the case annotations (path, line, level, title).

Usage: python read.py REPORT.xml [...]
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from publish import get_case_annotations  # noqa: E402
from publish.junit import parse_junit_xml_files, process_junit_xml_elems  # noqa: E402
from publish.unittestresults import get_stats, get_test_results  # noqa: E402


def get_conclusion(parsed, fail_on_failures, fail_on_errors) -> str:
    """Copied unchanged from the action's python/publish_test_results.py
    (that module imports PyGithub, which this test does not need)."""
    if parsed.files == 0:
        return 'neutral'
    if fail_on_errors and len(parsed.errors) > 0:
        return 'failure'
    if fail_on_failures and parsed.suite_failures > 0 or fail_on_errors and parsed.suite_errors > 0:
        return 'failure'
    return 'success'


# The action's defaults: large_files false, ignore_runs false, time_factor 1.0
# (milliseconds: 'seconds'), no test_file_prefix, dedup_classes_by_file_name
# false, report_individual_runs false, fail_on 'test failures'.
parsed = process_junit_xml_elems(
    parse_junit_xml_files(sys.argv[1:], False, False),
    time_factor=1.0,
    test_file_prefix=None,
    add_suite_details=False,
).with_commit("0" * 40)
results = get_test_results(parsed, False)
stats = get_stats(results)
annotations = get_case_annotations(results.case_results, False)
print(json.dumps({
    "parse_errors": [error.message for error in parsed.errors],
    "conclusion": get_conclusion(parsed, fail_on_failures=True, fail_on_errors=True),
    "stats": {
        "suites": stats.suites,
        "tests": stats.tests,
        "tests_succ": stats.tests_succ,
        "tests_skip": stats.tests_skip,
        "tests_fail": stats.tests_fail,
        "tests_error": stats.tests_error,
        "runs": stats.runs,
        "runs_fail": stats.runs_fail,
        "runs_error": stats.runs_error,
    },
    "annotations": [
        {
            "path": a.path,
            "start_line": a.start_line,
            "annotation_level": a.annotation_level,
            "title": a.title,
            "message": a.message,
        }
        for a in annotations
    ],
}, indent=1))
