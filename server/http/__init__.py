"""The HTTP face of metakg: the app factory, the REST API, the SPARQL protocol layer and
the Granian server entry point."""
