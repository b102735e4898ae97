from tests.app.conftest import db  # noqa: F401  (a copy of the demo database per test)
