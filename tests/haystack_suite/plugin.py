"""pytest plugin for the haystack suite run (see settings.py).

haystack's ``WhooshTestCase`` empties the index folder before and after each
class only for connections whose ENGINE is haystack's own Whoosh engine
string; it is taught the archive's engine, so every class starts from an
empty index as the suite expects. Nothing else of the suite is changed.
"""

import os
import shutil


def pytest_configure(config):
    from django.conf import settings

    from test_haystack.whoosh_tests import testcases

    from tests.haystack_suite.settings import ENGINE

    def empty_indexes(setup):
        from haystack import connections

        for name, conn in settings.HAYSTACK_CONNECTIONS.items():
            if conn["ENGINE"] == ENGINE and os.path.exists(conn["PATH"]):
                shutil.rmtree(conn["PATH"])
                if setup:
                    connections[name].get_backend().setup()

    original_setup, original_teardown = testcases.WhooshTestCase.setUpClass, testcases.WhooshTestCase.tearDownClass

    def setUpClass(cls):
        empty_indexes(True)
        original_setup.__func__(cls)

    def tearDownClass(cls):
        original_teardown.__func__(cls)
        empty_indexes(False)

    testcases.WhooshTestCase.setUpClass = classmethod(setUpClass)
    testcases.WhooshTestCase.tearDownClass = classmethod(tearDownClass)
