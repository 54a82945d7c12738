"""Durable jobs of resources (procrastinate): the nightly purge of units' tracks. Declared
beside the service it runs (resources.services); re-exported here for procrastinate."""

from resources.services import purge_positions

__all__ = ["purge_positions"]
