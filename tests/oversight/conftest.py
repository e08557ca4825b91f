from tests.cases.conftest import make_case  # noqa: F401 (the cases' fixture, for access requests)
