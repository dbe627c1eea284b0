"""The benchmark smoke tests: the checks they share report their values when they fail."""

import pytest

pytest.register_assert_rewrite("tests.bench.smoke")
