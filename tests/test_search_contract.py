"""The SearchQuerySet contract (tests/search_contract.py) on the Whoosh engine, in a temporary index."""

import pytest

from tests.search_contract import SearchContract


class TestWhooshContract(SearchContract):
    @pytest.fixture
    def engine(self, search_index):
        return "default"
