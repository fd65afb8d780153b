"""Reporting helpers: exchange transcripts, secret redaction, Allure environment and categories."""
