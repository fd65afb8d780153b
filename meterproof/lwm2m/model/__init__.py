"""The LwM2M object model: DDF loading, a catalog keyed by object id and version, value validation."""

from .types import DataType, ObjectDef, Operations, ResourceDef, TypeResolver

__all__ = ["DataType", "ObjectDef", "Operations", "ResourceDef", "TypeResolver"]
