"""Console pages; every module here is imported by ``portal.routing.collect``."""
