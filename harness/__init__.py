"""renkei (連携): conformance tests and mock vendors for Japanese school roster and account
integration (OneRoster 1.2 CSV Japan profile, LTI 1.3)."""

__version__ = "0.1.0"
