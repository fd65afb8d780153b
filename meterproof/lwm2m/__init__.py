"""LwM2M layer: paths, object model, content formats, Server and Bootstrap-Server roles."""
