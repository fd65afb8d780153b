"""Serving packages to a device that pulls them: the HTTP(S) file server on loopback (:mod:`.http_files`).

The CoAP file server is :class:`meterproof.coap.files.FileShelf`, mounted on an endpoint.
"""
