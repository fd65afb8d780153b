"""Reporting: what a run leaves for an auditor, and the views built from it.

* during a case: :mod:`.transcript` (every datagram, decoded), :mod:`.capture` (the same as it crossed the
  socket), :mod:`.reporting` (notification timing against pmin/pmax), :mod:`.redact` (no secret leaves);
* per case on disk: :mod:`.evidence` (transcript, :mod:`.pcap` capture, DTLS records), :mod:`.links` (the
  exact ETS case and the clause's document);
* per run: :mod:`.provenance` (version, commit, date, command line), :mod:`.allure_env` (environment,
  categories), :mod:`.allure_post` (Allure results finished from the verdict records);
* across runs: :mod:`.runs` (results JSON files as devices and cases), :mod:`.conformance` (the HTML report and
  its JSON summary), built with :mod:`.html` (escaping by construction) and :mod:`.svg` (inline plots).
"""
